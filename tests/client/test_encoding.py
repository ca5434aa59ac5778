"""Values beyond JSON's own, sent through the client, read back as the embedded store gives
them: the HTTP backend writes request bodies with the one encoder (``riverrun.schemas.encoding``)
and the server answers with it, so NaN, the infinities, bytes and datetimes round trip alike
in every mode."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from riverrun.client.orchestration import get_client

_WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, 600_000, tzinfo=dt.timezone.utc)


def _deployment(parameters: dict[Any, Any]) -> Any:
    client = get_client(sync_client=True)
    flow_id = client.create_flow_from_name("encoded")
    return client, client.create_deployment(flow_id, "values", parameters=parameters)


def test_nan_and_the_infinities_in_parameters_read_back_as_they_were_sent() -> None:
    client, deployment_id = _deployment({"nan": math.nan, "inf": math.inf, "ninf": -math.inf})
    got = client.read_deployment(deployment_id).parameters
    assert math.isnan(got["nan"])
    assert (got["inf"], got["ninf"]) == (math.inf, -math.inf)


def test_bytes_datetimes_and_uuids_in_parameters_are_stored_as_the_one_encoder_writes_them() -> (
    None
):
    sent = {
        "b": b"bytes",
        "when": _WHEN,
        "u": uuid.UUID(int=1),
        "nested": {"d": dt.date(2026, 1, 2)},
    }
    client, deployment_id = _deployment(sent)
    assert client.read_deployment(deployment_id).parameters == {
        "b": "bytes", "when": "2026-01-02T03:04:05.600000Z",
        "u": "00000000-0000-0000-0000-000000000001", "nested": {"d": "2026-01-02"},
    }  # fmt: skip


def test_a_run_from_a_deployment_keeps_a_nan_parameter() -> None:
    client, deployment_id = _deployment({})
    run = client.create_flow_run_from_deployment(
        deployment_id, parameters={"x": math.nan, "b": b"x"}
    )
    got = client.read_flow_run(run.id).parameters
    assert math.isnan(got["x"]) and got["b"] == "x"


def test_a_datetime_key_in_parameters_is_refused_naming_it_in_every_mode() -> None:
    with pytest.raises(ValidationError, match="parameters"):
        _deployment({_WHEN: "a datetime key"})
