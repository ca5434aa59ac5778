"""Tag concurrency limits on task runs (Prefect's v1 limits), in every mode."""

from __future__ import annotations

import asyncio
import threading

import pytest

from riverrun import flow, task
from riverrun.client import _tag_limits
from riverrun.client.orchestration import SyncRiverrunClient, get_client
from riverrun.exceptions import ObjectNotFound

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def test_tagged_tasks_never_run_more_than_the_limit_at_once() -> None:
    get_client(sync_client=True).create_concurrency_limit("db", 2)
    changed, inside, peak = threading.Condition(), [0], [0]

    @task(tags=["db"])
    def query(i: int) -> int:
        with changed:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
            changed.notify_all()
            # Hold the slot until a second task runs beside it (bounded): a timer would let
            # a loaded machine run them one after another and prove nothing.
            changed.wait_for(lambda: peak[0] >= 2, timeout=10)
            inside[0] -= 1
        return i

    @flow
    def many() -> list[int]:
        return [f.result() for f in query.map(range(8))]

    assert many() == list(range(8))
    assert peak[0] == 2


def test_async_tagged_tasks_share_the_limit_on_one_loop() -> None:
    get_client(sync_client=True).create_concurrency_limit("db", 1)
    inside, peak = [0], [0]

    @task(tags=["db"])
    async def query() -> None:
        inside[0] += 1
        peak[0] = max(peak[0], inside[0])
        await asyncio.sleep(0.02)  # the work the limit protects
        inside[0] -= 1

    @flow
    async def many() -> None:
        await asyncio.gather(*[query() for _ in range(4)])

    asyncio.run(many())
    assert peak[0] == 1


def test_a_running_task_is_listed_among_the_active_slots() -> None:
    client = get_client(sync_client=True)
    client.create_concurrency_limit("db", 1)
    seen: list[list[str]] = []

    @task(tags=["db"])
    def query() -> None:
        from riverrun.context import get_run_context

        me = str(get_run_context().task_run.id)  # type: ignore[union-attr]
        seen.append([me, *map(str, client.read_concurrency_limit_by_tag("db").active_slots)])

    @flow
    def one() -> None:
        query()

    one()
    assert seen[0][1:] == [seen[0][0]]
    assert client.read_concurrency_limit_by_tag("db").active_slots == []


def test_a_failing_task_frees_its_slot() -> None:
    client = get_client(sync_client=True)
    client.create_concurrency_limit("db", 1)

    @task(tags=["db"])
    def boom() -> None:
        raise ValueError("boom")

    @flow
    def one() -> None:
        boom(return_state=True)

    one()
    assert client.read_concurrency_limit_by_tag("db").active_slots == []


def test_reset_frees_the_slots_of_a_tag() -> None:
    client = get_client(sync_client=True)
    client.create_concurrency_limit("db", 2)
    client.acquire_concurrency_slots_with_lease(["tag:db"], 2, lease_duration=60)
    client.reset_concurrency_limit_by_tag("db")
    assert client.read_global_concurrency_limit_by_name("tag:db").active_slots == 0


def test_deleting_an_unknown_tag_limit_raises_not_found() -> None:
    with pytest.raises(ObjectNotFound, match="concurrency-limit ls"):
        get_client(sync_client=True).delete_concurrency_limit_by_tag("nope")


def test_tagged_tasks_without_limits_read_the_limited_tags_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = [0]
    original = SyncRiverrunClient.read_concurrency_limit_tags

    def counting(self: SyncRiverrunClient) -> list[str]:
        reads[0] += 1
        return original(self)

    monkeypatch.setattr(SyncRiverrunClient, "read_concurrency_limit_tags", counting)
    _tag_limits.invalidate()

    @task(tags=["etl"])
    def step(i: int) -> int:
        return i

    @flow
    def many() -> int:
        return sum(step(i) for i in range(50))

    assert many() == sum(range(50))
    assert reads[0] == 1
