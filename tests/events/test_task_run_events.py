"""Task-run state changes are events as Prefect's (``riverrun.task-run.<State>``, the task's
tags, its flow run and flow related), derived from the stored states when read — embedded
and with a server."""

from __future__ import annotations

import pytest

from riverrun import flow, task
from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter, ReceivedEvent

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


@task(tags=["db"])
def load(fail: bool) -> int:
    if fail:
        raise ValueError("table locked")
    return 1


@flow
def etl(fail: bool = False) -> int:
    return load(fail)


def _events(*names: str) -> list[ReceivedEvent]:
    with get_client(sync_client=True) as client:
        return client.read_events(filter=EventFilter(event_names=list(names)))


def test_a_task_runs_states_are_events_with_its_flow_run_related() -> None:
    etl()
    with get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs()
        (task_run,) = client.read_task_runs()
    events = _events("riverrun.task-run.*")
    assert [e.event for e in events] == [
        "riverrun.task-run.Pending", "riverrun.task-run.Running", "riverrun.task-run.Completed",
    ]  # fmt: skip
    completed = events[-1]
    assert completed.resource.id == f"riverrun.task-run.{task_run.id}"
    assert completed.resource["riverrun.resource.name"] == task_run.name
    assert completed.resource["riverrun.state-type"] == "COMPLETED"
    assert str(completed.id) == str(task_run.state.id)
    roles = {(r.role, r.id) for r in completed.related}
    assert ("tag", "riverrun.tag.db") in roles
    assert ("flow-run", f"riverrun.flow-run.{run.id}") in roles
    assert ("flow", f"riverrun.flow.{run.flow_id}") in roles


def test_task_run_events_come_only_when_asked_for_by_name() -> None:
    etl()
    names = {e.event.split(".")[1] for e in _events("riverrun.flow-run.*")}
    assert names == {"flow-run"}
