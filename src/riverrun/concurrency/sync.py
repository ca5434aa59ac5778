"""``concurrency`` and ``rate_limit`` for synchronous code (Prefect's ``prefect.concurrency.sync``).

Example:
    >>> from riverrun.concurrency.sync import concurrency
    >>> with concurrency("database", occupy=1):
    ...     query()
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Optional, Union

from riverrun.concurrency._core import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencySlotAcquisitionError,
    acquire,
    as_names,
    release,
    renewals,
)

if TYPE_CHECKING:
    from riverrun.schemas.objects import ConcurrencyLeaseHolder


@contextmanager
def concurrency(
    names: Union[str, list[str]],
    occupy: int = 1,
    timeout_seconds: Optional[float] = None,
    max_retries: Optional[int] = None,
    lease_duration: float = 300,
    strict: bool = False,
    holder: Optional[ConcurrencyLeaseHolder] = None,
    raise_on_lease_renewal_failure: Optional[bool] = None,
) -> Generator[None, None, None]:
    """Hold ``occupy`` slots of each named limit while the block runs.

    Waits until every limit has the slots free (all at once or none), renews their lease
    while the block runs and frees them when it ends; if the process dies they are freed when
    the lease (``lease_duration`` seconds) expires.

    Args:
        names: the limit names.
        occupy: slots to take of each.
        timeout_seconds: how long to wait at most (``None``: for ever).
        max_retries: how many times to retry a taken limit at most.
        lease_duration: the lease's length; renewed at half of it.
        strict: raise if a limit does not exist (else: a warning, and no limit).
        holder: who holds the slots (a task run, a flow run), as Prefect.
        raise_on_lease_renewal_failure: with True (or ``strict``), a lease lost while the
            block ran raises ``ConcurrencySlotAcquisitionError`` when the block ends.

    Raises:
        AcquireConcurrencySlotTimeoutError: (a ``TimeoutError``) not granted in time.
        ConcurrencySlotAcquisitionError: a missing limit with ``strict``, retries exhausted.
    """
    listed = as_names(names)
    if not listed:
        yield
        return
    granted = acquire(listed, occupy, "concurrency", timeout_seconds, max_retries,
                      lease_duration, strict, holder)  # fmt: skip
    if granted is None:
        yield
        return
    lease_id = granted.lease_id
    renewals.keep(lease_id, lease_duration)
    try:
        yield
    finally:
        lost = lease_id in renewals.lost
        release(lease_id)
    if lost and (
        raise_on_lease_renewal_failure or (raise_on_lease_renewal_failure is None and strict)
    ):
        raise ConcurrencySlotAcquisitionError(
            f"The concurrency lease on {listed!r} expired while the block ran; raise "
            "lease_duration."
        )


def rate_limit(
    names: Union[str, list[str]],
    occupy: int = 1,
    timeout_seconds: Optional[float] = None,
    strict: bool = False,
) -> None:
    """Wait until ``occupy`` slots of each named limit are free, then take them; they decay
    at the limit's ``slot_decay_per_second`` (which every named limit must have).

    Raises:
        AcquireConcurrencySlotTimeoutError: not granted in time.
        ConcurrencySlotAcquisitionError: a missing limit with ``strict``, or a limit without
            a slot decay.
    """
    listed = as_names(names)
    if listed:
        acquire(listed, occupy, "rate_limit", timeout_seconds, None, 0.0, strict)


__all__ = [
    "AcquireConcurrencySlotTimeoutError",
    "ConcurrencySlotAcquisitionError",
    "concurrency",
    "rate_limit",
]
