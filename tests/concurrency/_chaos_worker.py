"""A fork server for the no-leak test: imports riverrun once, then forks workers on demand.

``python _chaos_worker.py COUNTS_FILE LEASE_SECONDS``: reads ``spawn`` lines on stdin and
answers each with the PID of a new worker. A worker loops forever over random acquisitions
of the limits ``a`` (3 slots), ``b`` (2), ``c`` (1): held normally, cancelled mid-wait or
mid-hold, or timed out, appending ``cancel`` / ``timeout`` to COUNTS_FILE as each happens.
The test kills workers with SIGKILL at random. Forking from a warm process keeps a respawn at
milliseconds instead of a whole interpreter start.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys

from riverrun.concurrency.asyncio import concurrency

CHOICES = ([["a"], 1], [["a"], 2], [["b"], 1], [["a", "b"], 1], [["c"], 1], [["b", "c"], 1])


def _log(fd: int, what: str) -> None:
    os.write(fd, f"{what} {os.getpid()}\n".encode())


async def _hold(
    names: list[str], occupy: int, lease: float, seconds: float, timeout: float | None = None
) -> None:
    async with concurrency(
        names, occupy=occupy, lease_duration=lease, timeout_seconds=timeout, strict=True
    ):
        await asyncio.sleep(seconds)


async def _one(fd: int, lease: float) -> None:
    while True:
        names, occupy = random.choice(CHOICES)
        roll = random.random()
        if roll < 0.4:
            task = asyncio.ensure_future(_hold(names, occupy, lease, random.random() * 0.05))
            await asyncio.sleep(random.random() * 0.04)
            if not task.done():
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    _log(fd, "cancel")
        elif roll < 0.8:
            try:
                await _hold(
                    names, occupy, lease, random.random() * 0.02, timeout=random.random() * 0.03
                )
            except TimeoutError:
                _log(fd, "timeout")
        else:
            await _hold(names, occupy, lease, random.random() * 0.03)


async def _worker(fd: int, lease: float) -> None:
    await asyncio.gather(*[_one(fd, lease) for _ in range(3)])


def _warm() -> None:
    """Import what a worker's first acquire needs (the client, the store, SQLAlchemy) and
    build the models it validates, without opening the database: forks inherit it all."""
    import riverrun._store.concurrency
    import riverrun._store.service
    import riverrun.client.orchestration
    from riverrun.schemas import objects as o

    o.ConcurrencySlotAnswer.model_validate(
        {"granted": {"lease_id": "x", "limits": [{"id": "x", "name": "a", "limit": 1}]}}
    )
    del riverrun


def main() -> None:
    counts, lease = sys.argv[1], float(sys.argv[2])
    _warm()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    for line in sys.stdin:
        if line.strip() != "spawn":
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            random.seed(os.getpid())
            fd = os.open(counts, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                asyncio.run(_worker(fd, lease))
            finally:
                os._exit(0)
        sys.stdout.write(f"{pid}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
