"""No slot leaks under 500 random faults: SIGKILLed holders, cancellations and timeouts.

Workers forked from a warm process take and release slots of three limits at random while the
test kills them with SIGKILL and forks new ones; the workers cancel and time out their own
acquisitions. Throughout, a sampler checks that no limit's live leases ever hold more slots
than it has; at the end, once the dead holders' leases expired, every limit holds exactly what
its live leases hold (nothing), the sweeper leaves no row behind, and each limit's every slot
can be taken again. On the embedded SQLite file, on PostgreSQL, and through a real server.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _conc_helpers import wait_until

from riverrun._store.service import Store, close_stores, open_store
from riverrun.client.orchestration import get_client
from riverrun.concurrency.sync import concurrency
from riverrun.schemas.actions import GlobalConcurrencyLimitCreate

LIMITS = {"a": 3, "b": 2, "c": 1}
LEASE_SECONDS = 1.0
WORKERS = 4
KILLS, CANCELS, TIMEOUTS = 200, 100, 100
FAULTS = 500
BUDGET_SECONDS = 240.0

_SAMPLE = """
SELECT l.name, l.slot_limit, COALESCE(SUM(s.occupy), 0)
FROM concurrency_limit l LEFT JOIN concurrency_lease s ON s.limit_id = l.id AND s.expires > :now
GROUP BY l.id, l.name, l.slot_limit
"""


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "server-sqlite"]
)
def database_url(
    request: pytest.FixtureRequest, riverrun_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Where the slots are: the embedded file, PostgreSQL in-process, or a real server (whose
    database the sampler reads directly)."""
    if request.param == "sqlite":
        yield f"sqlite:///{riverrun_home / 'riverrun.db'}"
        return
    if request.param == "server-sqlite":
        from riverrun.server.testing import clear_data

        server, url, key = request.getfixturevalue("sqlite_server")
        clear_data(url)
        monkeypatch.setenv("RIVERRUN_API_URL", server.api_url)
        monkeypatch.setenv("RIVERRUN_API_KEY", key)
        yield url
        close_stores()
        return
    url = request.getfixturevalue("pg_url")
    store = open_store(url)
    with store.begin() as conn:
        conn.execute(store.text("DELETE FROM concurrency_lease"))
        conn.execute(store.text("DELETE FROM concurrency_limit"))
    monkeypatch.setenv("RIVERRUN_DATABASE_URL", url)
    yield url
    close_stores()


def _held(store: Store) -> dict[str, tuple[int, int]]:
    with store.connect() as conn:
        rows = conn.execute(store.text(_SAMPLE), {"now": int(time.time() * 1e6)})
        return {name: (int(limit), int(held)) for name, limit, held in rows}


def _counts(path: Path) -> tuple[int, int]:
    words = path.read_text().split() if path.exists() else []
    return words.count("cancel"), words.count("timeout")


@pytest.mark.slow
def test_no_slot_leaks_under_500_kills_cancellations_and_timeouts(
    database_url: str, tmp_path: Path
) -> None:
    client = get_client(sync_client=True)
    for name, limit in LIMITS.items():
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=limit))
    store = open_store(database_url)
    counts = tmp_path / "counts.txt"
    zygote = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("_chaos_worker.py")), str(counts), str(LEASE_SECONDS)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ.copy(),
    )  # fmt: skip
    assert zygote.stdin is not None and zygote.stdout is not None

    def spawn() -> int:
        zygote.stdin.write("spawn\n")  # type: ignore[union-attr]
        zygote.stdin.flush()  # type: ignore[union-attr]
        return int(zygote.stdout.readline())  # type: ignore[union-attr]

    over: list[tuple[str, int, int]] = []
    samples = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for name, (limit, held) in _held(store).items():
                if held > limit:
                    over.append((name, limit, held))
            samples[0] += 1
            stop.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    workers = [spawn() for _ in range(WORKERS)]
    kills = 0
    started = time.monotonic()
    try:
        while True:
            cancels, timeouts = _counts(counts)
            if (
                kills >= KILLS
                and cancels >= CANCELS
                and timeouts >= TIMEOUTS
                and kills + cancels + timeouts >= FAULTS
            ):
                break
            assert time.monotonic() - started < BUDGET_SECONDS, (
                f"only {kills} kills, {cancels} cancellations, {timeouts} timeouts in {BUDGET_SECONDS} s"
            )
            time.sleep(
                random.uniform(0.05, 0.2)
            )  # the pace of the kills, not a wait for a condition
            if kills < KILLS:
                victim = workers.pop(random.randrange(len(workers)))
                os.kill(victim, signal.SIGKILL)
                kills += 1
                workers.append(spawn())
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        zygote.stdin.close()
        zygote.wait(10)
        zygote.stdout.close()
        stop.set()
        sampler.join(5)

    cancels, timeouts = _counts(counts)
    print(f"{kills} kills, {cancels} cancellations, {timeouts} timeouts, {samples[0]} samples, "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    assert samples[0] > 0 and over == [], f"limits held more slots than they have: {over[:5]}"
    # Every holder is dead: once their leases expire, no limit holds anything...
    wait_until(lambda: all(held == 0 for _, held in _held(store).values()), timeout=LEASE_SECONDS * 5,
               what="every dead holder's lease expiring")  # fmt: skip
    for name in LIMITS:
        assert client.read_global_concurrency_limit_by_name(name).active_slots == 0
    # ...the sweeper leaves no lease row behind...
    store.sweep_concurrency_leases()
    with store.connect() as conn:
        assert conn.execute(store.text("SELECT COUNT(*) FROM concurrency_lease")).scalar() == 0
    # ...and every slot of every limit can be taken again.
    for name, limit in LIMITS.items():
        with concurrency(name, occupy=limit, timeout_seconds=5, strict=True):
            assert client.read_global_concurrency_limit_by_name(name).active_slots == limit
