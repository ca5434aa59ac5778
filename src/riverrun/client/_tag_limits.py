"""Which task tags have a concurrency limit: cached, so a task with no limited tag costs
nothing.

A task without tags costs one truth test. A tagged task costs a set lookup per tag against
the process's cached list of limited tags, read through the client at most once every
``RIVERRUN_TASKS_TAG_CONCURRENCY_REFRESH_SECONDS`` (5 s): never a store round trip per task.
The client drops the cache when this process creates, deletes or resets a tag limit, so its
own limits count at once; another process's new limit counts within the refresh interval.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_lock = threading.Lock()
_cached: frozenset[str] = frozenset()
_read_at: float = float("-inf")
_source: object = None
_refresh: float = 5.0
# Set while a shipped task run executes on a worker: its slots were taken by the flow process,
# and a worker must not open a store of its own to look (docs/task-runners.md).
_taken_by_the_flow: ContextVar[bool] = ContextVar("riverrun_tag_slots_taken_by_the_flow",
                                                  default=False)  # fmt: skip


@contextmanager
def taken_by_the_flow_process() -> Iterator[None]:
    """Within it, task runs look up no limited tags: the flow process holds their slots."""
    token = _taken_by_the_flow.set(True)
    try:
        yield
    finally:
        _taken_by_the_flow.reset(token)


def invalidate() -> None:
    """Forget the cached tags (this process changed a tag limit)."""
    global _read_at
    _read_at = float("-inf")


def limited_names(tags: list[str] | tuple[str, ...] | frozenset[str]) -> list[str]:
    """The limit names (``tag:<tag>``) of the tags that have a limit, in tag order."""
    if not tags or _taken_by_the_flow.get():
        return []
    global _cached, _read_at, _source, _refresh
    # Where runs are recorded, from the environment directly: resolving the settings costs
    # ~30 µs, half a task run; a profile switching servers is seen at the next refresh.
    environ = os.environ
    source = (environ.get("RIVERRUN_API_URL"), environ.get("RIVERRUN_DATABASE_URL"),
              environ.get("RIVERRUN_HOME"))  # fmt: skip
    if source != _source or time.monotonic() - _read_at > _refresh:
        with _lock:
            if source != _source or time.monotonic() - _read_at > _refresh:
                from riverrun.client.orchestration import get_client
                from riverrun.settings import get_current_settings

                _refresh = get_current_settings().tasks_tag_concurrency_refresh_seconds
                _cached = frozenset(get_client(sync_client=True).read_concurrency_limit_tags())
                _read_at, _source = time.monotonic(), source
    cached = _cached
    if not cached:
        return []
    return [f"tag:{tag}" for tag in sorted(set(tags)) if tag in cached]
