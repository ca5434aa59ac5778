"""The clients: bare or as context managers, async derived from sync, on the embedded store."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from pathlib import Path

import pytest

from riverrun._store.embedded import embedded_writer
from riverrun._store.testing import flow_run_event, state_event
from riverrun.client import get_client as get_client_from_package
from riverrun.client._codegen import SYNC_ON_BOTH_CLIENTS
from riverrun.client.orchestration import RiverrunClient, SyncRiverrunClient, get_client
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas.actions import VariableCreate, VariableUpdate
from riverrun.schemas.filters import FlowRunFilter, FlowRunFilterTags
from riverrun.schemas.sorting import FlowRunSort
from riverrun.states import Completed


@pytest.fixture
def run_id(riverrun_home: Path) -> str:
    """One flow run in the embedded store of this test's RIVERRUN_HOME."""
    run = flow_run_event(flow_name="good_morning", tags=["base"])
    embedded_writer(riverrun_home / "riverrun.db").ingest([run])
    return str(run["id"])


def test_bare_async_client_works_across_two_asyncio_runs(run_id: str) -> None:
    client = get_client()
    asyncio.run(client.update_flow_run(run_id, tags={"env:pro", "base"}))
    asyncio.run(client.update_flow_run(run_id, tags=["env:pro", "base", "again"]))
    run = asyncio.run(client.read_flow_run(run_id))
    assert run.tags == ["env:pro", "base", "again"]


def test_async_client_as_context_manager(run_id: str) -> None:
    async def main() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["base"])),
                sort=FlowRunSort.START_TIME_DESC,
            )
            return [r.id for r in runs]

    assert asyncio.run(main()) == [run_id]


def test_sync_client_as_context_manager(run_id: str) -> None:
    with get_client(sync_client=True) as client:
        assert isinstance(client, SyncRiverrunClient)
        assert client.count_flow_runs() == 1
        assert client.read_flow_by_name("good_morning").name == "good_morning"


def test_package_get_client_is_the_same_factory(run_id: str) -> None:
    assert isinstance(get_client_from_package(), RiverrunClient)
    assert isinstance(get_client_from_package(sync_client=True), SyncRiverrunClient)


def test_ids_may_be_uuid_objects(run_id: str) -> None:
    client = get_client(sync_client=True)
    assert client.read_flow_run(uuid.UUID(run_id)).id == run_id


def test_tags_set_by_client_survive_later_states(run_id: str, riverrun_home: Path) -> None:
    client = get_client(sync_client=True)
    client.update_flow_run(run_id, tags={"env:pro"})
    embedded_writer(riverrun_home / "riverrun.db").ingest([state_event(run_id, "COMPLETED")])
    run = client.read_flow_run(run_id)
    assert (run.tags, run.state_name) == (["env:pro"], "Completed")


def test_set_flow_run_state_returns_orchestration_result(run_id: str) -> None:
    result = asyncio.run(get_client().set_flow_run_state(run_id, Completed()))
    assert result.status == "ACCEPT"
    assert asyncio.run(get_client().read_flow_run(run_id)).state_type == "COMPLETED"


def test_unknown_flow_run_raises_object_not_found(riverrun_home: Path) -> None:
    with pytest.raises(ObjectNotFound):
        asyncio.run(get_client().read_flow_run(str(uuid.uuid4())))


def test_variables_through_the_client(riverrun_home: Path) -> None:
    client = get_client(sync_client=True)
    client.create_variable(VariableCreate(name="limit", value=3))
    client.update_variable(VariableUpdate(value=4), name="limit")
    assert client.read_variable_by_name("limit").value == 4  # type: ignore[union-attr]
    client.delete_variable_by_name("limit")
    assert client.read_variable_by_name("limit") is None


def test_every_public_sync_method_has_an_async_twin() -> None:
    sync_names = {n for n, _ in inspect.getmembers(SyncRiverrunClient, inspect.isfunction)
                  if not n.startswith("_")}  # fmt: skip
    for name in sync_names - SYNC_ON_BOTH_CLIENTS:
        assert inspect.iscoroutinefunction(getattr(RiverrunClient, name)), name
    assert {"read_flow_runs", "update_flow_run", "read_block_document_by_name"} <= sync_names


def test_creating_a_client_opens_nothing(riverrun_home: Path) -> None:
    get_client()
    get_client(sync_client=True)
    assert not (riverrun_home / "riverrun.db").exists()


def test_client_reads_writes_of_its_own_process_recorder(riverrun_home: Path) -> None:
    from riverrun import flow

    @flow(name="recorded")
    def recorded() -> int:
        return 1

    recorded()
    runs = asyncio.run(get_client().read_flow_runs())
    assert [r.flow_name for r in runs] == ["recorded"]


def test_delete_task_run_removes_it_and_its_logs(run_id: str, riverrun_home: Path) -> None:
    from riverrun._store.testing import log_event, task_run_event
    from riverrun.schemas.filters import (
        LogFilter,
        LogFilterTaskRunId,
        TaskRunFilter,
        TaskRunFilterId,
    )

    task = task_run_event(flow_run_id=run_id)
    embedded_writer(riverrun_home / "riverrun.db").ingest(
        [task, log_event(run_id, "from the task", task_run_id=task["id"])]
    )
    with get_client(sync_client=True) as client:
        client.delete_task_run(task["id"])
        only_this = TaskRunFilter(id=TaskRunFilterId(any_=[task["id"]]))
        assert client.read_task_runs(task_run_filter=only_this) == []
        logs = LogFilter(task_run_id=LogFilterTaskRunId(any_=[task["id"]]))
        assert client.read_logs(log_filter=logs) == []
        with pytest.raises(ObjectNotFound):
            client.delete_task_run(task["id"])
