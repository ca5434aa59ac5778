"""The one service runner: every background service of the server, each a small class.

A service says how long to wait before its first pass and between passes, and does one pass
at a time in the threadpool (the store is synchronous). A failing pass is logged and retried
after the interval: the server outlives it. Every service must be safe with several replicas
on one PostgreSQL — it claims its work with row locks (``FOR UPDATE SKIP LOCKED``) or a lease,
never assuming it is alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from typing import TYPE_CHECKING, Protocol

from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from riverrun._store.service import Store

logger = logging.getLogger("riverrun.server.services")

# The service whose pass runs in this context (None in a request): what a statement was run for,
# for those who count a request's queries (the web UI's query budget counts pages only).
current_service: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "riverrun_current_service", default=None
)


class Service(Protocol):
    """A background service of the server."""

    name: str
    """What the logs call it."""
    first_delay_s: float
    """How long after start its first pass runs."""
    interval_s: float
    """How long between passes (a pass may ask for its next one sooner)."""

    def run_once(self, store: Store) -> float | None:
        """Do one pass; return how long until the next one, or None for ``interval_s``."""
        ...


class Wakeup:
    """Cuts a service's wait short from any thread (the event route: events arrived), at
    most once per ``min_gap_s`` so a stream of batches makes a pass every ``min_gap_s``, not
    one per batch."""

    def __init__(self, min_gap_s: float = 0.1) -> None:
        self.min_gap_s = min_gap_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._pending = False

    def set(self) -> None:
        """Ask for the next pass now (thread-safe, cheap when already asked)."""
        loop, event = self._loop, self._event
        if loop is None or event is None or self._pending:
            return
        self._pending = True
        loop.call_soon_threadsafe(event.set)

    async def wait(self, delay: float) -> None:
        """Wait ``delay`` seconds, or less once ``set`` (but at least ``min_gap_s``)."""
        if self._event is None:
            self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
        if delay <= 0:
            return
        await asyncio.sleep(min(delay, self.min_gap_s))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._event.wait(), max(0.0, delay - self.min_gap_s))
        self._event.clear()
        self._pending = False


class ServiceRunner:
    """Runs services as asyncio tasks until stopped.

    Args:
        store: the store every service works on.
        services: the services to run.
    """

    def __init__(self, store: Store, services: list[Service]) -> None:
        self.store = store
        self.services = services
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start every service (in the running event loop)."""
        self._tasks = [asyncio.create_task(self._loop(s), name=s.name) for s in self.services]

    async def stop(self) -> None:
        """Cancel every service and wait for it to end."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _loop(self, service: Service) -> None:
        current_service.set(service.name)  # this task's context; its passes' threads copy it
        await asyncio.sleep(service.first_delay_s)
        while True:
            try:
                asked = await run_in_threadpool(service.run_once, self.store)
                delay = service.interval_s if asked is None else asked
            except Exception as exc:  # the server must outlive a failing pass
                logger.warning("%s pass failed (%s); retrying in %.0f s.", service.name, exc,
                               service.interval_s)  # fmt: skip
                delay = service.interval_s
            wakeup = getattr(service, "wakeup", None)
            if isinstance(wakeup, Wakeup):
                await wakeup.wait(delay)
            else:
                await asyncio.sleep(delay)
