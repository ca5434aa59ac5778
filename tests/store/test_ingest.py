"""Ingest: events become rows, idempotently, with the state-ordering rule."""

from __future__ import annotations

import pytest

from riverrun._store.service import Store
from riverrun._store.testing import (
    artifact_event,
    flow_run_event,
    log_event,
    state_event,
    task_run_event,
    task_run_lifecycle,
)
from riverrun.exceptions import StoreError


def test_flow_run_event_creates_flow_run_with_first_state(store: Store) -> None:
    event = flow_run_event(flow_name="etl", tags=["a", "b"], parameters={"x": 1})
    store.ingest([event])
    run = store.read_flow_run(event["id"])
    assert (run.flow_name, run.tags, run.parameters) == ("etl", ["a", "b"], {"x": 1})
    assert run.state is not None and run.state.is_pending()
    assert run.state_type == "PENDING"


def test_reingesting_a_batch_changes_nothing(store: Store) -> None:
    run = flow_run_event()
    events = [run, *task_run_lifecycle(run["id"], run["created"]), log_event(run["id"], "hi")]
    store.ingest(events)
    store.ingest(events)
    assert store.count_flow_runs() == 1
    assert len(store.read_task_runs()) == 1
    assert len(store.read_logs()) == 1
    assert len(store.read_flow_run_states(run["id"])) == 1
    assert len(store.read_task_run_states(store.read_task_runs()[0].id)) == 3


def test_older_state_does_not_replace_newer_state(store: Store) -> None:
    run = flow_run_event()
    t0 = run["created"]
    completed = state_event(run["id"], "COMPLETED", timestamp=t0 + 100, end_time=t0 + 100)
    running = state_event(run["id"], "RUNNING", timestamp=t0 + 50, start_time=t0 + 50)
    store.ingest([run, completed])
    store.ingest([running])
    current = store.read_flow_run(run["id"])
    assert current.state_type == "COMPLETED"
    assert current.start_time is None
    assert [s.type.value for s in store.read_flow_run_states(run["id"])] == [
        "PENDING", "RUNNING", "COMPLETED",
    ]  # fmt: skip


def test_state_event_sets_run_fields_given_and_keeps_the_others(store: Store) -> None:
    run = flow_run_event()
    t0 = run["created"]
    store.ingest([run, state_event(run["id"], "RUNNING", timestamp=t0 + 1, start_time=t0 + 1,
                                   run_count=1)])  # fmt: skip
    store.ingest([state_event(run["id"], "COMPLETED", timestamp=t0 + 9, end_time=t0 + 9,
                              total_run_time=2.5)])  # fmt: skip
    current = store.read_flow_run(run["id"])
    assert current.run_count == 1
    assert current.start_time is not None and current.end_time is not None
    assert current.total_run_time.total_seconds() == 2.5


def test_tag_update_survives_later_state_changes(store: Store) -> None:
    run = flow_run_event(tags=["original"])
    store.ingest([run, state_event(run["id"], "RUNNING")])
    store.update_flow_run(run["id"], tags={"env:pro", "original"})
    store.ingest([state_event(run["id"], "COMPLETED")])
    current = store.read_flow_run(run["id"])
    assert current.tags == ["env:pro", "original"]
    assert current.state_type == "COMPLETED"


def test_flow_run_update_replaces_name_and_tags(store: Store) -> None:
    run = flow_run_event(name="before", tags=["a"])
    store.ingest([run])
    store.ingest([{"kind": "flow_run_update", "id": "u1", "run_id": run["id"],
                   "name": "after", "tags": ["b", "c"]}])  # fmt: skip
    current = store.read_flow_run(run["id"])
    assert (current.name, current.tags) == ("after", ["b", "c"])


def test_runs_of_a_flow_first_recorded_under_another_id_join_it(store: Store) -> None:
    first = flow_run_event(flow_name="etl")
    second = flow_run_event(flow_name="etl")
    store.ingest([first])
    store.ingest([second])
    assert len(store.read_flows()) == 1
    assert store.read_flow_run(second["id"]).flow_id == first["flow_id"]


def test_task_run_event_records_tags_inputs_and_state(store: Store) -> None:
    run = flow_run_event()
    upstream = task_run_event(run["id"])
    task = task_run_event(run["id"], tags=["heavy"],
                          task_inputs={"x": [{"input_type": "task_run", "id": upstream["id"]}]})  # fmt: skip
    store.ingest([run, upstream, task])
    stored = store.read_task_run(task["id"])
    assert stored.tags == ["heavy"]
    assert stored.task_inputs["x"][0].id == upstream["id"]
    assert stored.state is not None and stored.state.is_pending()


def test_state_of_unknown_run_is_skipped_not_fatal(store: Store) -> None:
    run = flow_run_event()
    store.ingest([state_event("00000000-0000-0000-0000-000000000000", "RUNNING"), run])
    assert store.count_flow_runs() == 1


def test_logs_and_artifacts_are_stored(store: Store) -> None:
    run = flow_run_event()
    store.ingest([run, log_event(run["id"], "hello", level=30),
                  artifact_event(run["id"], key="report", data={"rows": 3})])  # fmt: skip
    (log,) = store.read_logs()
    (artifact,) = store.read_artifacts()
    assert (log.message, log.level, log.flow_run_id) == ("hello", 30, run["id"])
    assert (artifact.key, artifact.data) == ("report", {"rows": 3})


def test_unknown_event_kind_is_a_clear_error(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown kind 'flow_rn'"):
        store.ingest([{"kind": "flow_rn", "id": "x"}])
