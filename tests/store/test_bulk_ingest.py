"""The embedded writer's multi-row statements store exactly what row-by-row ingest stores."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from riverrun._store.bulk_sqlite import bulk_form
from riverrun._store.dialect import sqlite_url
from riverrun._store.embedded import EmbeddedWriter
from riverrun._store.ingest import DELETE_FLOW_RUN_TAGS, INSERT_LOG, plan
from riverrun._store.service import Store
from riverrun._store.testing import (
    artifact_event,
    flow_run_event,
    log_event,
    state_event,
    task_run_event,
    task_run_lifecycle,
)

_TABLES = (
    "flow", "flow_run", "flow_run_state", "flow_run_tag", "task_run", "task_run_state",
    "task_run_tag", "log", "artifact",
)  # fmt: skip


def _rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of the run tables, but ``updated`` (a flow-run update stamps the time it is
    planned, so two writes of one batch differ there)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        tables = {}
        for table in _TABLES:
            rows = [dict(row) for row in conn.execute(f"SELECT * FROM {table}")]
            for row in rows:
                row.pop("updated", None)
            tables[table] = sorted(rows, key=repr)
        return tables
    finally:
        conn.close()


def _write_both_ways(tmp_path: Path, batches: list[list[dict[str, Any]]]) -> tuple[Path, Path]:
    """Ingest the batches row by row (the Store) and in bulk (the embedded writer)."""
    by_row, in_bulk = tmp_path / "by_row.db", tmp_path / "in_bulk.db"
    store = Store(sqlite_url(by_row))
    writer = EmbeddedWriter(in_bulk)
    try:
        for batch in batches:
            store.ingest([dict(e) for e in batch])
            writer.ingest([dict(e) for e in batch])
    finally:
        store.dispose()
        writer.close()
    return by_row, in_bulk


def _busy_flow_batch() -> list[dict[str, Any]]:
    parent = flow_run_event(flow_name="etl", tags=["a", "b", "a"], parameters={"x": "ü"})
    child = flow_run_event(flow_name="etl.child", tags=["nested"])
    t0 = parent["created"]
    events: list[dict[str, Any]] = [parent, child]
    for i in range(40):
        events += task_run_lifecycle(parent["id"], t0 + i * 100)
    tagged = task_run_event(child["id"], tags=["heavy", "io"], dynamic_key="7")
    events += [
        tagged,
        state_event(tagged["id"], "FAILED", timestamp=tagged["created"] + 9, task=True,
                    message="boom\nline two", end_time=tagged["created"] + 9),
        # Out of order: the older Running arrives after Failed and must not win.
        state_event(tagged["id"], "RUNNING", timestamp=tagged["created"] + 5, task=True,
                    start_time=tagged["created"] + 5, run_count=1),
        state_event(parent["id"], "RUNNING", timestamp=t0 + 1, start_time=t0 + 1, run_count=1),
        state_event(parent["id"], "COMPLETED", timestamp=t0 + 9_000, end_time=t0 + 9_000,
                    total_run_time=8.5),
        state_event("00000000-0000-0000-0000-000000000000", "RUNNING"),
        log_event(parent["id"], "naïve 'quotes' \"and\" emoji 🎉"),
        log_event(parent["id"], "with a NUL \x00 inside", level=40),
        log_event(None, "no run at all"),
        artifact_event(parent["id"], key="report", data={"rows": [1, 2.5, None]}),
        artifact_event(child["id"], type="table", data=[{"a": 1}]),
        {"kind": "flow_run_update", "id": "u1", "run_id": child["id"], "name": "renamed",
         "tags": ["x", "y"]},
        {"kind": "flow_run_update", "id": "u2", "run_id": parent["id"], "tags": ["only"]},
    ]  # fmt: skip
    return events


def test_bulk_ingest_writes_the_same_rows_as_row_by_row(tmp_path: Path) -> None:
    by_row, in_bulk = _write_both_ways(tmp_path, [_busy_flow_batch()])
    expected, written = _rows(by_row), _rows(in_bulk)
    assert sum(len(rows) for rows in written.values()) > 150
    assert written == expected


def test_bulk_ingest_moves_runs_created_earlier_like_row_by_row(tmp_path: Path) -> None:
    runs = [flow_run_event(flow_name="etl") for _ in range(5)]
    later = [state_event(r["id"], "COMPLETED", timestamp=r["created"] + 10, end_time=r["created"] + 10,
                         total_run_time=0.5) for r in runs]  # fmt: skip
    by_row, in_bulk = _write_both_ways(tmp_path, [runs, later])
    assert _rows(in_bulk) == _rows(by_row)
    assert {row["state_type"] for row in _rows(in_bulk)["flow_run"]} == {"COMPLETED"}


def test_replaying_a_bulk_batch_changes_nothing(tmp_path: Path) -> None:
    batch = _busy_flow_batch()
    by_row, in_bulk = _write_both_ways(tmp_path, [batch, batch])
    assert _rows(in_bulk) == _rows(by_row)


def test_batches_larger_than_one_statement_are_written_whole(tmp_path: Path) -> None:
    form = bulk_form(INSERT_LOG)
    assert form is not None
    run = flow_run_event()
    count = form.max_rows * 2 + 3  # two full statements and a padded remainder
    logs = [log_event(run["id"], f"line {i}") for i in range(count)]
    writer = EmbeddedWriter(tmp_path / "x.db")
    writer.ingest([run, *logs])
    writer.close()
    messages = [row["message"] for row in _rows(tmp_path / "x.db")["log"]]
    assert sorted(messages) == sorted(f"line {i}" for i in range(count))


def test_statements_the_rewrite_does_not_cover_run_row_by_row() -> None:
    assert bulk_form(DELETE_FLOW_RUN_TAGS) is None


@pytest.mark.parametrize("count", [2, 3, 64, 65])
def test_padding_adds_no_rows(tmp_path: Path, count: int) -> None:
    run = flow_run_event()
    tasks = [task_run_event(run["id"]) for _ in range(count)]
    writer = EmbeddedWriter(tmp_path / "x.db")
    writer.ingest([run, *tasks])
    writer.close()
    rows = _rows(tmp_path / "x.db")
    assert (len(rows["task_run"]), len(rows["task_run_state"])) == (count, count)


def test_a_batch_planned_twice_stores_its_state_data_encoded_once(tmp_path: Path) -> None:
    # The recorder puts a batch back when an interrupt lands mid-write; the next write plans
    # the very same event objects again.
    run = flow_run_event(flow_name="etl")
    failed = state_event(run["id"], "FAILED", data={"error": "ValueError: x"},
                         state_details={"retriable": False})  # fmt: skip
    batch = [run, failed]
    plan(batch)
    writer = EmbeddedWriter(tmp_path / "db.sqlite")
    try:
        writer.ingest(batch)
    finally:
        writer.close()
    stored = _rows(tmp_path / "db.sqlite")["flow_run_state"]
    final = next(row for row in stored if row["id"] == failed["id"])
    assert json.loads(final["data"]) == {"error": "ValueError: x"}
    assert json.loads(final["state_details"]) == {"retriable": False}
