"""Commands: state proposals under the orchestration policy, deletes, variables."""

from __future__ import annotations

import pytest

from riverrun._store.service import Store
from riverrun._store.testing import flow_run_event, log_event, task_run_event
from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound
from riverrun.states import Completed, Pending, Running


def test_accepted_running_state_sets_start_time_and_run_count(store: Store) -> None:
    run = flow_run_event()
    store.ingest([run])
    result = store.set_flow_run_state(run["id"], Running())
    current = store.read_flow_run(run["id"])
    assert result.status == "ACCEPT"
    assert (current.state_type, current.run_count) == ("RUNNING", 1)
    assert current.start_time is not None


def test_final_state_cannot_be_left_without_force(store: Store) -> None:
    run = flow_run_event()
    store.ingest([run])
    store.set_flow_run_state(run["id"], Completed())
    result = store.set_flow_run_state(run["id"], Running())
    assert result.status == "REJECT"
    assert "final state 'Completed'" in (result.reason or "")
    assert store.read_flow_run(run["id"]).state_type == "COMPLETED"


def test_force_overrides_the_policy(store: Store) -> None:
    run = flow_run_event()
    store.ingest([run])
    store.set_flow_run_state(run["id"], Completed())
    result = store.set_flow_run_state(run["id"], Running(), force=True)
    assert result.status == "ACCEPT"
    assert store.read_flow_run(run["id"]).state_type == "RUNNING"


def test_running_run_cannot_go_back_to_pending(store: Store) -> None:
    run = flow_run_event()
    store.ingest([run])
    store.set_flow_run_state(run["id"], Running())
    assert store.set_flow_run_state(run["id"], Pending()).status == "ABORT"


def test_task_run_state_can_be_set_and_read_back(store: Store) -> None:
    run = flow_run_event()
    task = task_run_event(run["id"])
    store.ingest([run, task])
    store.set_task_run_state(task["id"], Running())
    store.set_task_run_state(task["id"], Completed())
    assert [s.name for s in store.read_task_run_states(task["id"])] == [
        "Pending", "Running", "Completed",
    ]  # fmt: skip


def test_setting_state_of_unknown_run_raises_object_not_found(store: Store) -> None:
    with pytest.raises(ObjectNotFound):
        store.set_flow_run_state("nope", Running())


def test_update_of_unknown_flow_run_raises_object_not_found(store: Store) -> None:
    with pytest.raises(ObjectNotFound):
        store.update_flow_run("nope", tags=["x"])


def test_delete_flow_run_removes_everything_recorded_about_it(store: Store) -> None:
    run = flow_run_event(tags=["t"])
    task = task_run_event(run["id"])
    other = flow_run_event()
    store.ingest([run, task, other, log_event(run["id"], "x"),
                  log_event(run["id"], "y", task_run_id=task["id"])])  # fmt: skip
    store.delete_flow_run(run["id"])
    assert [r.id for r in store.read_flow_runs()] == [other["id"]]
    assert store.read_task_runs() == []
    assert store.read_logs() == []
    assert store.read_flow_run_states(run["id"]) == []


def test_delete_of_unknown_flow_run_raises_object_not_found(store: Store) -> None:
    with pytest.raises(ObjectNotFound):
        store.delete_flow_run("nope")


def test_variables_create_read_update_delete(store: Store) -> None:
    store.create_variable("threshold", {"max": 3}, tags=["ops"])
    assert store.read_variable_by_name("threshold").value == {"max": 3}  # type: ignore[union-attr]
    store.update_variable("threshold", 5)
    assert store.read_variable_by_name("threshold").value == 5  # type: ignore[union-attr]
    assert [v.name for v in store.read_variables()] == ["threshold"]
    store.delete_variable_by_name("threshold")
    assert store.read_variable_by_name("threshold") is None


def test_creating_an_existing_variable_raises(store: Store) -> None:
    store.create_variable("v", 1)
    with pytest.raises(ObjectAlreadyExists, match="set_variable"):
        store.create_variable("v", 2)


def test_set_variable_creates_then_overwrites(store: Store) -> None:
    store.set_variable("v", 1)
    store.set_variable("v", 2)
    assert store.read_variable_by_name("v").value == 2  # type: ignore[union-attr]


def test_missing_variable_update_and_delete_raise(store: Store) -> None:
    with pytest.raises(ObjectNotFound):
        store.update_variable("nope", 1)
    with pytest.raises(ObjectNotFound):
        store.delete_variable_by_name("nope")
