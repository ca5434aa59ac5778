"""``SqliteReads`` (the CLI's stdlib read path) answers every read exactly as the Store does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from riverrun._internal.clock import from_us, now_us
from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun._store.sqlite_reads import SqliteReads
from riverrun._store.testing import (
    flow_run_event,
    log_event,
    state_event,
    task_run_event,
)
from riverrun.schemas import filters as f
from riverrun.schemas.blocks import BlockDocumentCreate, BlockSchemaCreate, BlockTypeCreate
from riverrun.schemas.sorting import FlowRunSort, FlowSort, LogSort, TaskRunSort
from riverrun.states import StateType

START = now_us() - 3_600_000_000


class _NoFallback:
    """Fails the test if the reader hands a read it should answer to the full store."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"SqliteReads fell back to the store for {name}")


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Store, SqliteReads, dict[str, Any]]]:
    """A store with flows, runs (tags, states, a subflow), task runs, logs and a block."""
    path: Path = tmp_path_factory.mktemp("reads") / "store.db"
    store = Store(sqlite_url(path))
    events: list[dict[str, Any]] = []
    ids: dict[str, Any] = {"runs": []}
    flows = {"etl": None, "ETL.backup": None, "report_50%": None}
    for i in range(30):
        flow_name = list(flows)[i % 3]
        start = START + i * 1_000_000
        run = flow_run_event(flow_name=flow_name, flow_id=flows[flow_name], name=f"run_{i:02d}",
                             tags=["even" if i % 2 == 0 else "odd", *(["x"] if i % 5 == 0 else [])],
                             created=start, expected_start_time=start)  # fmt: skip
        flows[flow_name] = run["flow_id"]
        ids["runs"].append(run["id"])
        events.append(run)
        if i % 7 != 6:  # some runs never start: START_TIME sorts fall back to expected start
            events.append(state_event(run["id"], "RUNNING", timestamp=start + 10,
                                      start_time=start + 10, run_count=1))  # fmt: skip
            final = "FAILED" if i % 4 == 0 else "COMPLETED"
            name = "Cached" if i % 9 == 0 else None
            events.append(state_event(run["id"], final, name, timestamp=start + 50,
                                      end_time=start + 50))  # fmt: skip
        task = task_run_event(run["id"], name=f"task-{i}", created=start + 20)
        events.append(task)
        ids.setdefault("tasks", []).append(task["id"])
        events.append(log_event(run["id"], f"line {i}", timestamp=start + 30))
        events.append(
            log_event(run["id"], f"task line {i}", task_run_id=task["id"], timestamp=start + 40)
        )
    sub = flow_run_event(flow_name="etl", flow_id=flows["etl"], name="sub_run",
                         parent_task_run_id=ids["tasks"][0], created=START, expected_start_time=START)  # fmt: skip
    events.append(sub)
    store.ingest(events)
    block_type = store.create_block_type(BlockTypeCreate(name="Secret", slug="secret"))
    schema = store.create_block_schema(BlockSchemaCreate(
        fields={"properties": {"value": {"type": "string", "format": "password"}},
                "secret_fields": ["value"]},
        block_type_id=block_type.id))  # fmt: skip
    for name in ("db-password-for-the-production-warehouse", "api"):
        store.create_block_document(BlockDocumentCreate(
            name=name, data={"value": "hunter2"}, block_schema_id=schema.id,
            block_type_id=block_type.id))  # fmt: skip
    ids["middle"] = from_us(START + 15 * 1_000_000)
    reader = SqliteReads.open_if_current(path, _NoFallback())  # type: ignore[arg-type]
    assert reader is not None
    try:
        yield store, reader, ids
    finally:
        reader.close()
        store.dispose()


def _same(
    seeded: tuple[Store, SqliteReads, dict[str, Any]], method: str, **kwargs: Any
) -> list[Any]:
    store, reader, _ = seeded
    expected = getattr(store, method)(**kwargs)
    got = getattr(reader, method)(**kwargs)
    assert [x.model_dump() for x in got] == [x.model_dump() for x in expected]
    return list(got)


FLOW_RUN_QUERIES: dict[str, dict[str, Any]] = {
    "newest first": {"sort": FlowRunSort.START_TIME_DESC, "limit": 50},
    "default sort, paged": {"limit": 7, "offset": 3},
    "run name contains": {
        "flow_run_filter": f.FlowRunFilter(name=f.FlowRunFilterName(like_="_1")),
        "sort": FlowRunSort.START_TIME_DESC,
    },
    "flow name contains, any case": {
        "flow_filter": f.FlowFilter(name=f.FlowFilterName(like_="etl")),
        "sort": FlowRunSort.START_TIME_ASC,
    },
    "flow name with a literal %": {"flow_filter": f.FlowFilter(name=f.FlowFilterName(like_="50%"))},
    "exact flow names": {"flow_filter": f.FlowFilter(name=f.FlowFilterName(any_=["etl", "nope"]))},
    "every tag": {"flow_run_filter": f.FlowRunFilter(tags=f.FlowRunFilterTags(all_=["even", "x"]))},
    "any tag": {"flow_run_filter": f.FlowRunFilter(tags=f.FlowRunFilterTags(any_=["x", "odd"]))},
    "state type or name": {
        "flow_run_filter": f.FlowRunFilter(
            state=f.FlowRunFilterState(
                type=f.FlowRunFilterStateType(any_=[StateType.FAILED]),
                name=f.FlowRunFilterStateName(any_=["Cached"]),
                operator="or_",
            )
        )
    },
    "started after": {
        "flow_run_filter": f.FlowRunFilter(start_time=f.FlowRunFilterStartTime(after_=None)),
        "sort": FlowRunSort.START_TIME_DESC,
        "limit": 5,
    },
    "top level only": {
        "flow_run_filter": f.FlowRunFilter(
            parent_task_run_id=f.FlowRunFilterParentTaskRunId(is_null_=True)
        ),
        "limit": 40,
    },
    "ids, or-combined with a name": {
        "flow_run_filter": f.FlowRunFilter(
            id=f.FlowRunFilterId(any_=[]), name=f.FlowRunFilterName(any_=["run_03"]), operator="or_"
        )
    },
}


@pytest.mark.parametrize("query", FLOW_RUN_QUERIES, ids=list(FLOW_RUN_QUERIES))
def test_flow_runs_match_the_store(seeded: Any, query: str) -> None:
    kwargs = dict(FLOW_RUN_QUERIES[query])
    if query == "started after":
        kwargs["flow_run_filter"] = f.FlowRunFilter(
            start_time=f.FlowRunFilterStartTime(after_=seeded[2]["middle"])
        )
    assert _same(seeded, "read_flow_runs", **kwargs)


def test_an_underscore_in_a_name_pattern_is_literal(seeded: Any) -> None:
    # As a LIKE wildcard "l_b" would match "ETL.backup".
    runs = _same(seeded, "read_flow_runs",
                 flow_filter=f.FlowFilter(name=f.FlowFilterName(like_="l_b")))  # fmt: skip
    assert runs == []


def test_subflow_runs_of_task_runs_match_the_store(seeded: Any) -> None:
    tasks = seeded[2]["tasks"][:3]
    runs = _same(seeded, "read_flow_runs", flow_run_filter=f.FlowRunFilter(
        parent_task_run_id=f.FlowRunFilterParentTaskRunId(any_=tasks)))  # fmt: skip
    assert [r.name for r in runs] == ["sub_run"]


def test_task_runs_of_flow_runs_match_the_store(seeded: Any) -> None:
    runs = seeded[2]["runs"][:4]
    tasks = _same(seeded, "read_task_runs",
                  task_run_filter=f.TaskRunFilter(flow_run_id=f.TaskRunFilterFlowRunId(any_=runs)),
                  sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=200)  # fmt: skip
    assert len(tasks) == 4


def test_flows_match_the_store(seeded: Any) -> None:
    assert len(_same(seeded, "read_flows", sort=FlowSort.NAME_ASC, limit=100)) == 3
    _same(seeded, "read_flows", flow_filter=f.FlowFilter(name=f.FlowFilterName(like_="Etl")))


def test_one_flow_run_and_its_states_match_the_store(seeded: Any) -> None:
    store, reader, ids = seeded
    run_id = ids["runs"][4]
    assert reader.read_flow_run(run_id).model_dump() == store.read_flow_run(run_id).model_dump()
    states = reader.read_flow_run_states(run_id)

    def plain(state: Any) -> tuple[Any, ...]:
        return (state.id, state.type, state.name, state.timestamp, state.message,
                state.state_details)  # fmt: skip

    assert list(map(plain, states)) == list(map(plain, store.read_flow_run_states(run_id)))
    assert [s.type for s in states] == [StateType.PENDING, StateType.RUNNING, StateType.FAILED]


def test_logs_of_a_run_since_a_time_match_the_store(seeded: Any) -> None:
    run_id = seeded[2]["runs"][2]
    logs = _same(seeded, "read_logs", log_filter=f.LogFilter(flow_run_id=f.LogFilterFlowRunId(any_=[run_id])),
                 sort=LogSort.TIMESTAMP_ASC, limit=200, offset=0)  # fmt: skip
    assert [log.message for log in logs] == ["line 2", "task line 2"]
    later = from_us(START + 2 * 1_000_000 + 35) - timedelta(microseconds=0)
    _same(
        seeded,
        "read_logs",
        log_filter=f.LogFilter(
            flow_run_id=f.LogFilterFlowRunId(any_=[run_id]),
            timestamp=f.LogFilterTimestamp(after_=later),
        ),
    )


def test_blocks_match_the_store_with_secrets_masked(seeded: Any) -> None:
    docs = _same(seeded, "read_block_documents", include_secrets=False)
    assert [d.name for d in docs] == ["api", "db-password-for-the-production-warehouse"]
    assert "hunter2" not in str([d.data for d in docs])
    _same(seeded, "read_block_documents", block_type_slug="secret", include_secrets=False)


def test_a_filter_it_does_not_translate_goes_to_the_store(seeded: Any) -> None:
    store, reader, _ = seeded
    asked: list[str] = []

    class Recording:
        def __getattr__(self, name: str) -> Any:
            asked.append(name)
            return getattr(store, name)

    fallback_reader = SqliteReads(reader.path, Recording())  # type: ignore[arg-type]
    flt = f.FlowRunFilter(end_time=f.FlowRunFilterEndTime(is_null_=True))
    runs = fallback_reader.read_flow_runs(flow_run_filter=flt)
    fallback_reader.close()
    assert asked == ["read_flow_runs"]
    assert [r.id for r in runs] == [r.id for r in store.read_flow_runs(flow_run_filter=flt)]


def test_a_file_at_another_revision_is_left_to_the_store(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('0001_initial')")
    conn.close()
    assert SqliteReads.open_if_current(path, _NoFallback()) is None  # type: ignore[arg-type]
    assert SqliteReads.open_if_current(tmp_path / "missing.db", _NoFallback()) is None  # type: ignore[arg-type]
