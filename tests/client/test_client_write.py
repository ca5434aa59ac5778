"""The client's write side as Prefect's: create_flow, create_flow_run, set_*_name, create_logs,
read_flow_run_state, delete_artifact — embedded and against real servers (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone

import pytest

from riverrun import flow, task
from riverrun.client.orchestration import get_client
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas.actions import LogCreate
from riverrun.schemas.filters import LogFilter, LogFilterFlowRunId
from riverrun.states import Scheduled


@flow(name="write-side", version="7")
def write_side(n: int = 1) -> int:
    return n


@task
def little() -> int:
    return 1


@flow
def with_a_task() -> None:
    little()


def test_create_flow_returns_the_flows_uuid_and_is_idempotent() -> None:
    client = get_client(sync_client=True)
    first = client.create_flow(write_side)
    assert isinstance(first, uuid.UUID)
    assert client.create_flow(write_side) == first
    assert client.read_flow(str(first)).name == "write-side"


def test_create_flow_run_is_pending_with_what_was_given() -> None:
    client = get_client(sync_client=True)
    run = client.create_flow_run(write_side, name="by-hand", parameters={"n": 5}, tags=["a", "b"])
    assert (run.name, run.parameters, sorted(run.tags)) == ("by-hand", {"n": 5}, ["a", "b"])
    assert run.state.type == "PENDING"
    assert run.flow_version == "7"
    assert client.read_flow(run.flow_id).name == "write-side"


def test_create_flow_run_with_a_state_and_a_generated_name() -> None:
    client = get_client(sync_client=True)
    run = client.create_flow_run(write_side, state=Scheduled())
    assert run.state.type == "SCHEDULED"
    assert run.name and "-" in run.name


def test_create_flow_run_refuses_what_is_not_a_flow() -> None:
    with pytest.raises(TypeError, match="Expected a flow"):
        get_client(sync_client=True).create_flow_run("write-side")


def test_async_create_flow_run() -> None:
    run = asyncio.run(get_client().create_flow_run(write_side, parameters={"n": 2}))
    assert run.parameters == {"n": 2}


def test_set_flow_run_name_renames() -> None:
    client = get_client(sync_client=True)
    run = client.create_flow_run(write_side)
    client.set_flow_run_name(run.id, "renamed")
    assert client.read_flow_run(run.id).name == "renamed"


def test_set_task_run_name_renames() -> None:
    with_a_task()
    client = get_client(sync_client=True)
    task_run = client.read_task_runs(limit=1)[0]
    client.set_task_run_name(task_run.id, "new-name")
    assert client.read_task_run(task_run.id).name == "new-name"


def test_set_task_run_name_of_an_unknown_run_raises() -> None:
    with pytest.raises(ObjectNotFound):
        get_client(sync_client=True).set_task_run_name(str(uuid.uuid4()), "x")


def test_create_logs_stores_models_and_dicts() -> None:
    client = get_client(sync_client=True)
    run = client.create_flow_run(write_side)
    now = datetime.now(timezone.utc)
    client.create_logs([
        LogCreate(name="mine", level=20, message="one", timestamp=now, flow_run_id=run.id),
        {"name": "mine", "level": 40, "message": "two", "timestamp": now, "flow_run_id": run.id},
    ])  # fmt: skip
    logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
    assert sorted((log.message, log.level) for log in logs) == [("one", 20), ("two", 40)]


def test_read_flow_run_state_by_its_id() -> None:
    client = get_client(sync_client=True)
    run = client.create_flow_run(write_side)
    state = client.read_flow_run_state(run.state.id)
    assert (state.id, state.type) == (run.state.id, "PENDING")


def test_read_flow_run_state_of_an_unknown_id_raises() -> None:
    with pytest.raises(ObjectNotFound):
        get_client(sync_client=True).read_flow_run_state(str(uuid.uuid4()))


def test_delete_artifact_of_an_unknown_id_raises() -> None:
    with pytest.raises(ObjectNotFound):
        get_client(sync_client=True).delete_artifact(str(uuid.uuid4()))


def test_api_url_is_the_servers_or_none_when_embedded(riverrun_mode: str) -> None:
    import os

    expected = os.environ.get("RIVERRUN_API_URL")
    assert get_client(sync_client=True).api_url == expected
    assert get_client().api_url == expected
    assert (expected is None) == (riverrun_mode == "embedded")


def test_read_latest_artifacts_gives_the_newest_of_each_key() -> None:
    from riverrun.artifacts import create_markdown_artifact
    from riverrun.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

    @flow
    def publish() -> None:
        create_markdown_artifact("old", key="report")
        create_markdown_artifact("new", key="report")
        create_markdown_artifact("only", key="other")
        create_markdown_artifact("no key")

    publish()
    client = get_client(sync_client=True)
    latest = client.read_latest_artifacts()
    assert sorted((a.key, a.data) for a in latest) == [("other", "only"), ("report", "new")]
    assert all(a.latest_id == a.id for a in latest)
    only_report = client.read_latest_artifacts(
        artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=["report"]))
    )
    assert [a.data for a in only_report] == ["new"]


def test_delete_flow_removes_it_with_its_runs() -> None:
    client = get_client(sync_client=True)
    run = client.create_flow_run(write_side)
    client.delete_flow(run.flow_id)
    with pytest.raises(ObjectNotFound):
        client.read_flow(run.flow_id)
    with pytest.raises(ObjectNotFound):
        client.read_flow_run(run.id)


def test_delete_flow_of_an_unknown_id_raises_object_not_found() -> None:
    with pytest.raises(ObjectNotFound, match="No flow with ID"):
        get_client(sync_client=True).delete_flow(uuid.uuid4())


def test_a_deleted_flow_is_recorded_again_when_it_next_runs() -> None:
    client = get_client(sync_client=True)
    client.delete_flow(client.create_flow(write_side))
    assert write_side(3) == 3
    assert client.read_flow_by_name("write-side").name == "write-side"
