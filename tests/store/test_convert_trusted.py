"""Rows read without validation become the very objects validation would build."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from riverrun._store import convert
from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun._store.sqlite_reads import SqliteReads, _Row, _run_columns
from riverrun._store.testing import flow_run_event, log_event, state_event
from riverrun.schemas import objects as o


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteReads]:
    """A store file with a finished run (state, log), a run that never started, a flow."""
    path: Path = tmp_path_factory.mktemp("convert") / "store.db"
    store = Store(sqlite_url(path))
    done = flow_run_event(flow_name="etl", name="calm-otter", tags=["a", "b"])
    pending = flow_run_event(flow_name="etl", flow_id=done["flow_id"], name="slow-heron")
    store.ingest([
        done, pending,
        state_event(done["id"], "RUNNING", start_time=done["created"] + 10, run_count=1),
        state_event(done["id"], "COMPLETED", end_time=done["created"] + 50),
        log_event(done["id"], "hello"),
    ])  # fmt: skip
    store.dispose()
    opened = SqliteReads.open_if_current(path, None)  # type: ignore[arg-type]
    assert opened is not None
    try:
        yield opened
    finally:
        opened.close()


def _assert_same(fast: BaseModel, validated: BaseModel) -> None:
    assert fast == validated
    assert repr(fast) == repr(validated)
    assert fast.model_dump(mode="json") == validated.model_dump(mode="json")
    assert fast.model_fields_set == validated.model_fields_set


def _run_rows(reader: SqliteReads) -> list[dict[str, Any]]:
    return [row._mapping for row in reader._query(_run_columns("flow_run"), [])]


# Policies as engines write them, and shapes that only validation turns into the field types.
POLICIES = {
    "empty": {},
    "retries": {"retries": 2, "retry_delay": 1.5},
    "paused": {"pause_keys": ["k1"], "resuming": True},
    "int delay (validation makes it 5.0)": {"retries": 1, "retry_delay": 5},
    "an unknown key (validation drops it)": {"retries": 1, "from_the_future": True},
}


@pytest.mark.parametrize("policy", POLICIES.values(), ids=list(POLICIES))
def test_flow_runs_are_the_objects_validation_builds(
    reader: SqliteReads, policy: dict[str, Any]
) -> None:
    for mapping in _run_rows(reader):
        row = _Row({**mapping, "empirical_policy": json.dumps(policy)})
        _assert_same(convert.flow_run(row), o.FlowRun(**convert._flow_run_values(row._mapping)))


def test_flow_runs_with_labels_and_parameters_are_the_objects_validation_builds(
    reader: SqliteReads,
) -> None:
    for mapping in _run_rows(reader):
        row = _Row({**mapping, "labels": json.dumps({"team": "data", "n": 3}),
                    "parameters": json.dumps({"x": [1, {"y": None}]})})  # fmt: skip
        _assert_same(convert.flow_run(row), o.FlowRun(**convert._flow_run_values(row._mapping)))


def test_flows_are_the_objects_validation_builds(reader: SqliteReads) -> None:
    for row in reader._query("SELECT * FROM flow", []):
        m = row._mapping
        validated = o.Flow(id=m["id"], name=m["name"], tags=json.loads(m["tags"] or "[]"),
                           created=convert._time(m["created"]), updated=convert._time(m["updated"]))  # fmt: skip
        _assert_same(convert.flow(row), validated)


def test_logs_are_the_objects_validation_builds(reader: SqliteReads) -> None:
    rows = reader._query("SELECT * FROM log", [])
    assert rows
    for row in rows:
        m = row._mapping
        validated = o.Log(**{k: m[k] for k in ("id", "name", "level", "message", "flow_run_id",
                                               "task_run_id")},
                          timestamp=convert.from_us(m["timestamp"]))  # fmt: skip
        _assert_same(convert.log(row), validated)
