"""Long polls park on threads of their own, never on the threadpool other requests share.

A parked claim holds a thread for up to a minute while it waits for a wake-up (the store is
synchronous). On anyio's default pool (40 threads) 40 idle workers would leave no thread for
anything else, so operations that long-poll run through a separate limiter sized by
``RIVERRUN_SERVER_MAX_PARKED_POLLS``; a poll beyond that waits for a slot, ordinary requests
never do.

A parked poll whose client hung up (a worker killed while waiting) ends without claiming:
the store asks ``requester_gone`` before each claim and every second while parked, and the
answer is the request's ``is_disconnected()``. Otherwise the next run created would be
claimed for a dead worker and wait ``Pending`` for its lease to expire (the 35 s "cold
start" the workers' benchmark measured).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.from_thread
import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import FastAPI, Request

from riverrun._api.operation import Operation
from riverrun._store.claims import requester_gone

LONG_POLL_PARAMETER = "wait"
_T = TypeVar("_T")


def is_long_poll(op: Operation) -> bool:
    """Whether the operation can park (it takes a ``wait`` in seconds)."""
    return LONG_POLL_PARAMETER in op.signature.parameters


def install(app: FastAPI, size: int, max_seconds: float) -> None:
    """Give the app its limiter for parked polls (``size`` of them at once, each parked at
    most ``max_seconds``)."""
    app.state.parked_polls = CapacityLimiter(size)
    app.state.max_poll_seconds = max_seconds


def capped_wait(app: FastAPI, wait: float) -> float:
    """How long a poll asking to wait ``wait`` seconds parks on this server."""
    return min(wait, float(app.state.max_poll_seconds))


async def run_parked(request: Request, call: Callable[[], _T]) -> _T:
    """Run a poll that may park on a thread counted by the app's own limiter; it ends
    early, claiming nothing, if the client hangs up."""
    limiter: CapacityLimiter = request.app.state.parked_polls

    def gone() -> bool:
        return anyio.from_thread.run(request.is_disconnected)

    def parked() -> _T:
        token = requester_gone.set(gone)
        try:
            return call()
        finally:
            requester_gone.reset(token)

    return await anyio.to_thread.run_sync(parked, limiter=limiter)
