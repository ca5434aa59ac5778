"""The engine's fast snapshots are the very objects ``model_construct`` would build."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel

from riverrun.schemas._trusted import trusted
from riverrun.schemas.objects import FlowRun, TaskRun, TaskRunInput

NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)

CASES: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (FlowRun, {"id": "r1", "name": "calm-otter", "flow_id": "f1"}),
    (FlowRun, {"id": "r1", "name": "calm-otter", "flow_id": "f1", "flow_name": "etl",
               "tags": ["a"], "parameters": {"x": 1}, "start_time": NOW,
               "total_run_time": timedelta(seconds=2), "run_count": 1}),
    (TaskRun, {"id": "t1", "name": "noop-0", "task_key": "noop-1",
               "task_inputs": {"x": [TaskRunInput(id="t0")]}}),
    (TaskRunInput, {"input_type": "task_run", "id": "t0"}),
]  # fmt: skip


@pytest.mark.parametrize(("model", "values"), CASES)
def test_trusted_builds_what_model_construct_builds(
    model: type[BaseModel], values: dict[str, Any]
) -> None:
    fast = trusted(model, **values)
    reference = model.model_construct(**values)
    assert fast == reference
    assert repr(fast) == repr(reference)
    assert fast.model_dump(mode="json") == reference.model_dump(mode="json")
    assert fast.model_fields_set == reference.model_fields_set


def test_trusted_gives_every_object_its_own_default_containers() -> None:
    first = trusted(FlowRun, id="r1", name="a", flow_id="f")
    second = trusted(FlowRun, id="r2", name="b", flow_id="f")
    first.tags.append("x")
    first.empirical_policy.pause_keys.append("k")
    assert second.tags == []
    assert second.empirical_policy.pause_keys == []


def test_trusted_without_a_required_field_matches_model_construct() -> None:
    assert trusted(FlowRun, id="r1") == FlowRun.model_construct(id="r1")
