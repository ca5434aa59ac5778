"""``concurrency`` and ``rate_limit`` for async code (Prefect's ``prefect.concurrency.asyncio``).

Waiting runs in a worker thread, so the event loop keeps serving other tasks meanwhile.

Example:
    >>> from riverrun.concurrency.asyncio import concurrency
    >>> async with concurrency("database", occupy=1):
    ...     await query()
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Optional, Union

from riverrun.concurrency import sync as _sync
from riverrun.concurrency._core import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencySlotAcquisitionError,
    acquire,
    as_names,
    release,
    renewals,
)

if TYPE_CHECKING:
    from riverrun.schemas.objects import ConcurrencyLeaseHolder, ConcurrencyLimitWithLeaseResponse


@asynccontextmanager
async def concurrency(
    names: Union[str, list[str]],
    occupy: int = 1,
    timeout_seconds: Optional[float] = None,
    max_retries: Optional[int] = None,
    lease_duration: float = 300,
    strict: bool = False,
    holder: Optional[ConcurrencyLeaseHolder] = None,
    raise_on_lease_renewal_failure: Optional[bool] = None,
) -> AsyncGenerator[None, None]:
    """Hold ``occupy`` slots of each named limit while the block runs (see the sync
    ``riverrun.concurrency.sync.concurrency`` for the arguments).

    Raises:
        AcquireConcurrencySlotTimeoutError: (a ``TimeoutError``) not granted in time.
        ConcurrencySlotAcquisitionError: a missing limit with ``strict``, retries exhausted.
    """
    listed = as_names(names)
    if not listed:
        yield
        return
    pending = asyncio.ensure_future(asyncio.to_thread(
        acquire, listed, occupy, "concurrency", timeout_seconds, max_retries,
        lease_duration, strict, holder,
    ))  # fmt: skip
    try:
        granted = await asyncio.shield(pending)
    except asyncio.CancelledError:
        # The thread may still be granted the slots after this task is gone: free them then.
        pending.add_done_callback(_release_when_granted)
        raise
    if granted is None:
        yield
        return
    lease_id = granted.lease_id
    renewals.keep(lease_id, lease_duration)
    try:
        yield
    finally:
        lost = lease_id in renewals.lost
        await asyncio.to_thread(release, lease_id)
    if lost and (
        raise_on_lease_renewal_failure or (raise_on_lease_renewal_failure is None and strict)
    ):
        raise ConcurrencySlotAcquisitionError(
            f"The concurrency lease on {listed!r} expired while the block ran; raise "
            "lease_duration."
        )


def _release_when_granted(
    done: asyncio.Future[Optional[ConcurrencyLimitWithLeaseResponse]],
) -> None:
    if done.cancelled() or done.exception() is not None:
        return
    granted = done.result()
    if granted is not None:
        release(granted.lease_id)


async def rate_limit(
    names: Union[str, list[str]],
    occupy: int = 1,
    timeout_seconds: Optional[float] = None,
    strict: bool = False,
) -> None:
    """Wait until ``occupy`` slots of each named limit are free and take them (see
    ``riverrun.concurrency.sync.rate_limit``)."""
    await asyncio.to_thread(_sync.rate_limit, names, occupy, timeout_seconds, strict)


__all__ = [
    "AcquireConcurrencySlotTimeoutError",
    "ConcurrencySlotAcquisitionError",
    "concurrency",
    "rate_limit",
]
