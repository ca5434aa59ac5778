"""Work pools, queues and workers through the client, embedded and against real servers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from riverrun.client import get_client
from riverrun.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from riverrun.client.schemas.filters import (
    WorkerFilter,
    WorkerFilterStatus,
    WorkPoolFilter,
    WorkPoolFilterName,
    WorkQueueFilter,
    WorkQueueFilterName,
)
from riverrun.client.schemas.objects import WorkerStatus, WorkPoolStatus, WorkQueueStatus
from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound

from .conftest import wait_for

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def test_a_new_pool_has_its_default_queue_and_the_process_job_template() -> None:
    with get_client(sync_client=True) as client:
        pool = client.create_work_pool(WorkPoolCreate(name="laptop", type="process"))
        queues = client.read_work_queues(work_pool_name="laptop")
    assert [q.name for q in queues] == ["default"]
    assert pool.default_queue_id == queues[0].id
    assert set(pool.base_job_template["job_configuration"]) == {
        "command", "env", "labels", "name", "stream_output", "working_dir"
    }  # fmt: skip
    assert pool.status is WorkPoolStatus.NOT_READY


def test_creating_a_pool_twice_is_refused_unless_overwrite() -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="laptop"))
        with pytest.raises(ObjectAlreadyExists, match="overwrite"):
            client.create_work_pool(WorkPoolCreate(name="laptop"))
        pool = client.create_work_pool(
            WorkPoolCreate(name="laptop", concurrency_limit=3), overwrite=True
        )
    assert pool.concurrency_limit == 3


def test_an_unknown_pool_names_the_closest_and_the_fix() -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="laptop"))
        with pytest.raises(ObjectNotFound, match="Did you mean 'laptop'.*work-pool create"):
            client.read_work_pool("laptp")


def test_a_concurrency_limit_of_zero_is_refused() -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="laptop"))
        with pytest.raises(ValueError, match="at least 1"):
            client.update_work_pool("laptop", WorkPoolUpdate(concurrency_limit=0))
        with pytest.raises(ValueError, match="at least 1"):
            client.create_work_queue("q", work_pool_name="laptop", concurrency_limit=0)


def test_pausing_and_filtering_pools() -> None:
    with get_client(sync_client=True) as client:
        for name in ("a", "b"):
            client.create_work_pool(WorkPoolCreate(name=name))
        client.update_work_pool("b", WorkPoolUpdate(is_paused=True))
        found = client.read_work_pools(
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=["b"]))
        )
    assert [(p.name, p.is_paused, p.status) for p in found] == [("b", True, WorkPoolStatus.PAUSED)]


def test_queues_get_the_next_priority_and_can_be_changed_and_deleted() -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="laptop"))
        urgent = client.create_work_queue("urgent", work_pool_name="laptop")
        assert urgent.priority == 2
        client.update_work_queue(urgent.id, is_paused=True, concurrency_limit=2, priority=7)
        again = client.read_work_queue_by_name("urgent", work_pool_name="laptop")
        assert (again.is_paused, again.concurrency_limit, again.priority) == (True, 2, 7)
        assert again.status is WorkQueueStatus.PAUSED
        named = client.read_work_queues(
            work_pool_name="laptop",
            work_queue_filter=WorkQueueFilter(name=WorkQueueFilterName(startswith_=["urg"])),
        )
        assert [q.name for q in named] == ["urgent"]
        client.delete_work_queue_by_id(urgent.id)
        with pytest.raises(ObjectNotFound):
            client.read_work_queue(urgent.id)


def test_renaming_a_queue_to_a_name_its_pool_has_is_refused_naming_it() -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="laptop"))
        urgent = client.create_work_queue("urgent", work_pool_name="laptop")
        with pytest.raises(ObjectAlreadyExists, match="already has a queue named 'default'"):
            client.update_work_queue(urgent.id, name="default")
        assert client.read_work_queue(urgent.id).name == "urgent"


def test_the_default_queue_cannot_be_deleted() -> None:
    with get_client(sync_client=True) as client:
        pool = client.create_work_pool(WorkPoolCreate(name="laptop"))
        with pytest.raises(ValueError, match="default queue"):
            client.delete_work_queue_by_id(pool.default_queue_id)


def test_a_worker_is_online_after_a_heartbeat_and_offline_after_three_missed() -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="laptop"))
        client.send_worker_heartbeat("laptop", "w1", heartbeat_interval_seconds=1)
        [worker] = client.read_workers_for_work_pool("laptop")
        assert worker.status is WorkerStatus.ONLINE
        assert client.read_work_pool("laptop").status is WorkPoolStatus.READY
        wait_for(
            lambda: client.read_workers_for_work_pool("laptop")[0].status is WorkerStatus.OFFLINE,
            timeout=15, what="the worker to go OFFLINE",
        )  # fmt: skip
        offline = client.read_workers_for_work_pool(
            "laptop", worker_filter=WorkerFilter(status=WorkerFilterStatus(any_=["OFFLINE"]))
        )
    assert [w.name for w in offline] == ["w1"]


def test_the_async_client_has_the_same_methods() -> None:
    async def use() -> list[Any]:
        async with get_client() as client:
            await client.create_work_pool(WorkPoolCreate(name="laptop"))
            await client.create_work_queue("q", work_pool_name="laptop")
            queue = await client.read_work_queue_by_name("q", "laptop")
            await client.update_work_queue(queue.id, is_paused=True)
            return await client.read_work_queues(work_pool_name="laptop")

    queues = asyncio.run(use())
    assert [(q.name, q.is_paused) for q in queues] == [("default", False), ("q", True)]
