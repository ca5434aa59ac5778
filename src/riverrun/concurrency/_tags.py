"""Tag concurrency limits in the task engine: take a task run's slots, give them back.

Which tags have a limit is cached by ``riverrun.client._tag_limits`` (no round trip per task).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from riverrun.client._tag_limits import limited_names

if TYPE_CHECKING:
    from riverrun.schemas.objects import ConcurrencyLimitWithLeaseResponse

__all__ = ["atake", "give_back", "limited_names", "take", "take_in_driver"]


def take(names: list[str], task_run_id: str) -> Optional[ConcurrencyLimitWithLeaseResponse]:
    """Wait for one slot of each limited tag, for a task run (as Prefect: no timeout, a 60 s
    lease renewed while the task runs); the grant, or None if the limits went away."""
    from riverrun.concurrency._core import acquire, renewals
    from riverrun.schemas.objects import ConcurrencyLeaseHolder
    from riverrun.settings import get_current_settings

    duration = get_current_settings().tasks_tag_concurrency_lease_seconds
    holder = ConcurrencyLeaseHolder(type="task_run", id=task_run_id)
    granted = acquire(names, 1, "concurrency", None, None, duration, False, holder, quiet=True)
    if granted is not None:
        renewals.keep(granted.lease_id, duration)
    return granted


async def atake(names: list[str], task_run_id: str) -> Optional[ConcurrencyLimitWithLeaseResponse]:
    """``take`` without blocking the event loop (the holders may be tasks on the same loop)."""
    import asyncio

    return await asyncio.to_thread(take, names, task_run_id)


def take_in_driver(names: list[str], task_run_id: str) -> object:
    """``take`` for whichever driver runs the step: a coroutine under a running loop (the
    async driver awaits it), else the grant itself."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return take(names, task_run_id)
    return atake(names, task_run_id)


def give_back(granted: Optional[ConcurrencyLimitWithLeaseResponse]) -> None:
    """Release a task run's tag slots."""
    if granted is not None:
        from riverrun.concurrency._core import release

        release(granted.lease_id)
