"""SLAs through the public API, embedded and against a real server: ``to_deployment(_sla=)``
and the client's ``apply_slas_for_deployment``. Violations acted on by automations:
tests/automations/test_sla_violations.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow
from riverrun._experimental.sla.objects import FrequencySla, LatenessSla, TimeToCompletionSla
from riverrun.client import get_client
from riverrun.exceptions import ObjectNotFound

pytestmark = pytest.mark.both_modes


@flow
def nightly() -> None:
    """A flow to deploy."""


def _apply(sla: Any, tmp_path: Path) -> str:
    deployment = nightly.to_deployment("nightly", _sla=sla, entrypoint="flows.py:nightly")
    deployment.path = str(tmp_path)
    return str(deployment.apply())


def test_to_deployment_sla_is_stored_with_the_deployment(tmp_path: Path) -> None:
    dep = _apply([TimeToCompletionSla(name="slow", duration=600, severity="high"),
                  LatenessSla(name="late", within=120)], tmp_path)  # fmt: skip
    with get_client(sync_client=True) as client:
        slas = client.read_slas_for_deployment(dep)
    assert [(s.name, s.type, s.severity) for s in slas] == [
        ("late", "lateness", "moderate"), ("slow", "time_to_completion", "high"),
    ]  # fmt: skip
    assert slas[0].within is not None and slas[0].within.total_seconds() == 120


def test_applying_again_without_sla_keeps_them_and_an_empty_list_removes_them(
    tmp_path: Path,
) -> None:
    dep = _apply(FrequencySla(name="daily", stale_after=86_400), tmp_path)
    _apply(None, tmp_path)
    with get_client(sync_client=True) as client:
        assert [s.name for s in client.read_slas_for_deployment(dep)] == ["daily"]
        _apply([], tmp_path)
        assert client.read_slas_for_deployment(dep) == []


def test_the_client_merges_by_name(tmp_path: Path) -> None:
    dep = _apply([LatenessSla(name="late", within=60)], tmp_path)
    with get_client(sync_client=True) as client:
        merged = client.apply_slas_for_deployment(
            dep, [LatenessSla(name="late", within=30), TimeToCompletionSla(name="slow", duration=9)]
        )
    assert (merged.created, merged.updated, merged.deleted) == (["slow"], ["late"], [])


def test_the_async_client_applies_too(tmp_path: Path) -> None:
    dep = _apply(None, tmp_path)

    async def apply() -> Any:
        async with get_client() as client:
            return await client.apply_slas_for_deployment(dep, [LatenessSla(name="l", within=5)])

    assert asyncio.run(apply()).created == ["l"]


def test_slas_of_an_unknown_deployment_are_not_found() -> None:
    with get_client(sync_client=True) as client, pytest.raises(ObjectNotFound):
        client.apply_slas_for_deployment("00000000-0000-0000-0000-000000000000", [])
