"""Long polls park on threads of their own, never on the threadpool other requests share.

A parked claim holds a thread for up to a minute while it waits for a wake-up (the store is
synchronous). On anyio's default pool (40 threads) 40 idle workers would leave no thread for
anything else, so operations that long-poll run through a separate limiter sized by
``RIVERRUN_SERVER_MAX_PARKED_POLLS``; a poll beyond that waits for a slot, ordinary requests
never do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import FastAPI

from riverrun._api.operation import Operation

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


async def run_parked(app: FastAPI, call: Callable[[], _T]) -> _T:
    """Run a poll that may park on a thread counted by the app's own limiter."""
    limiter: CapacityLimiter = app.state.parked_polls
    return await anyio.to_thread.run_sync(call, limiter=limiter)
