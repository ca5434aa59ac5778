"""``riverrun.concurrency.sync`` / ``.asyncio``: waiting, renewing, releasing, in every mode."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from _conc_helpers import wait_until

from riverrun.client.orchestration import get_client
from riverrun.concurrency import asyncio as aconc
from riverrun.concurrency.sync import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencySlotAcquisitionError,
    concurrency,
    rate_limit,
)
from riverrun.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def _limit(name: str, limit: int, decay: float = 0.0) -> None:
    get_client(sync_client=True).create_global_concurrency_limit(
        GlobalConcurrencyLimitCreate(name=name, limit=limit, slot_decay_per_second=decay)
    )


def _held(name: str) -> int:
    return (
        get_client(sync_client=True).read_global_concurrency_limit_by_name(name).active_slots or 0
    )


def test_holders_never_exceed_the_limit() -> None:
    _limit("db", 2)
    lock, inside, peak = threading.Lock(), [0], [0]

    def work() -> None:
        with concurrency("db"):
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            time.sleep(0.02)  # the work the slot protects
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert peak[0] == 2


def test_slots_are_held_inside_the_block_and_freed_after() -> None:
    _limit("db", 3)
    with concurrency("db", occupy=2):
        assert _held("db") == 2
    assert _held("db") == 0


def test_slots_are_freed_when_the_block_raises() -> None:
    _limit("db", 1)
    with pytest.raises(KeyError):
        with concurrency("db"):
            raise KeyError("boom")
    assert _held("db") == 0


def test_waiting_past_the_timeout_raises_timeout_error() -> None:
    _limit("db", 1)
    with concurrency("db"):
        with pytest.raises(AcquireConcurrencySlotTimeoutError, match="timed out after 0.3"):
            with concurrency("db", timeout_seconds=0.3):
                pass


def test_timeout_error_is_a_builtin_timeout_error() -> None:
    assert issubclass(AcquireConcurrencySlotTimeoutError, TimeoutError)


def test_a_missing_limit_with_strict_raises() -> None:
    with pytest.raises(ConcurrencySlotAcquisitionError, match="must be created before"):
        with concurrency("nope", strict=True):
            pass


def test_a_missing_limit_without_strict_runs_the_block() -> None:
    ran = []
    with concurrency("nope"):
        ran.append(1)
    assert ran == [1]


def test_an_inactive_limit_is_not_enforced() -> None:
    _limit("db", 1)
    get_client(sync_client=True).update_global_concurrency_limit(
        "db", GlobalConcurrencyLimitUpdate(active=False)
    )
    with concurrency("db"):
        with concurrency("db", timeout_seconds=1):
            assert _held("db") == 0


def test_occupying_more_than_the_limit_is_refused() -> None:
    _limit("db", 2)
    with pytest.raises(ConcurrencySlotAcquisitionError, match="has only 2"):
        with concurrency("db", occupy=3):
            pass


def test_max_retries_exhausted_raises() -> None:
    _limit("db", 1)
    with concurrency("db"):
        with pytest.raises(ConcurrencySlotAcquisitionError, match="after 1 retries"):
            with concurrency("db", max_retries=1):
                pass


def test_a_lease_is_renewed_while_the_block_runs() -> None:
    _limit("db", 1)
    # 2 s leases (renewed at a fraction of that): short enough to outlive two and a half,
    # long enough that a renewal round trip on a two-core machine under a load of 30 (two
    # test workers and a PostgreSQL server) still lands in time; 1 s ones missed there.
    with concurrency("db", lease_duration=2.0):
        start = time.monotonic()
        wait_until(lambda: time.monotonic() - start > 5.0, what="two and a half leases passing")
        assert _held("db") == 1


def test_an_unreleased_lease_frees_its_slot_when_it_expires() -> None:
    _limit("db", 1)
    client = get_client(sync_client=True)
    answer = client.acquire_concurrency_slots_with_lease(["db"], 1, lease_duration=0.3)
    assert answer.granted is not None  # and never released, as by a killed process
    wait_until(lambda: _held("db") == 0, what="the expired lease's slot counting no more")
    with concurrency("db", timeout_seconds=5):
        assert _held("db") == 1


def test_several_limits_are_taken_together() -> None:
    _limit("a", 1)
    _limit("b", 1)
    with concurrency(["a", "b"]):
        assert (_held("a"), _held("b")) == (1, 1)


def test_rate_limit_spaces_out_grants_by_the_decay() -> None:
    _limit("api", 1, decay=20.0)
    start = time.monotonic()
    for _ in range(5):
        rate_limit("api")
    assert time.monotonic() - start >= 4 / 20.0 - 0.02


def test_rate_limit_on_a_limit_without_decay_is_refused() -> None:
    _limit("db", 1)
    with pytest.raises(ConcurrencySlotAcquisitionError, match="slot_decay_per_second"):
        rate_limit("db")


def test_async_concurrency_bounds_tasks_on_one_loop() -> None:
    _limit("db", 2)
    inside, peak = [0], [0]

    async def work() -> None:
        async with aconc.concurrency("db"):
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
            await asyncio.sleep(0.02)  # the work the slot protects
            inside[0] -= 1

    async def main() -> None:
        await asyncio.gather(*[work() for _ in range(6)])

    asyncio.run(main())
    assert (peak[0], _held("db")) == (2, 0)


def test_async_rate_limit_waits_for_decay() -> None:
    _limit("api", 1, decay=20.0)

    async def main() -> None:
        for _ in range(3):
            await aconc.rate_limit("api")

    start = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - start >= 2 / 20.0 - 0.02
