"""What the sync and async ``concurrency`` share: acquiring with a bounded wait, the one
thread that renews every held lease of the process, releasing.

The waiting is done by the store (a long-poll of up to 2 s, woken by releases in its
process); between calls the client backs off from 50 ms to 1 s, bounded by the store's hint
of when the first slot frees, so a waiter never hammers a server.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Optional, Union

from riverrun.exceptions import RiverrunException

if TYPE_CHECKING:
    from riverrun.client.orchestration import SyncRiverrunClient
    from riverrun.schemas.objects import ConcurrencyLeaseHolder, ConcurrencyLimitWithLeaseResponse

Mode = Literal["concurrency", "rate_limit"]
_RENEWAL_FRACTION = 0.5
"""Renew when half the lease has passed: a renewal may fail once and still be in time."""

logger = logging.getLogger("riverrun.concurrency")


class ConcurrencySlotAcquisitionError(RiverrunException):
    """Slots could not be acquired: the limits do not exist (``strict=True``), the retries
    ran out, or the request could never be granted."""


class AcquireConcurrencySlotTimeoutError(TimeoutError):
    """Acquiring concurrency slots took longer than ``timeout_seconds``."""


def as_names(names: Union[str, Sequence[str]]) -> list[str]:
    """The limit names of a ``names`` argument (one name or several)."""
    return [names] if isinstance(names, str) else list(names)


def _client() -> SyncRiverrunClient:
    from riverrun.client.orchestration import get_client

    return get_client(sync_client=True)


def acquire(
    names: list[str],
    occupy: int,
    mode: Mode,
    timeout_seconds: Optional[float],
    max_retries: Optional[int],
    lease_duration: float,
    strict: bool,
    holder: Optional[ConcurrencyLeaseHolder] = None,
    quiet: bool = False,
) -> Optional[ConcurrencyLimitWithLeaseResponse]:
    """Wait for the slots; the grant, or None when no named limit exists or is active.

    Raises:
        AcquireConcurrencySlotTimeoutError: not granted within ``timeout_seconds``.
        ConcurrencySlotAcquisitionError: ``strict`` and a limit is missing; retries ran out.
    """
    from riverrun.exceptions import InvalidConcurrencyRequest

    client = _client()
    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    backoff, tries = 0.05, 0
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        try:
            answer = client.acquire_concurrency_slots_with_lease(
                names, slots=occupy, mode=mode, lease_duration=lease_duration, holder=holder,
                wait_seconds=2.0 if left is None else max(0.0, min(left, 2.0)),
            )  # fmt: skip
        except InvalidConcurrencyRequest as exc:
            raise ConcurrencySlotAcquisitionError(
                f"Unable to acquire concurrency slots on {names!r}: {exc}"
            ) from exc
        if answer.missing and strict:
            raise ConcurrencySlotAcquisitionError(
                f"Concurrency limits {answer.missing!r} must be created before acquiring slots "
                f"(`riverrun global-concurrency-limit create {answer.missing[0]} --limit N`)."
            )
        if answer.granted is not None:
            return answer.granted
        if not answer.retry_after:  # no named limit exists or is active: nothing to wait for
            if not quiet:
                _warn(f"Concurrency limits {names!r} do not exist - skipping acquisition.")
            return None
        tries += 1
        if max_retries is not None and tries > max_retries:
            raise ConcurrencySlotAcquisitionError(
                f"Unable to acquire concurrency slots on {names!r}: still taken after "
                f"{max_retries} retries."
            )
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise AcquireConcurrencySlotTimeoutError(
                f"Attempt to acquire concurrency slots timed out after {timeout_seconds} second(s)"
            )
        pause = min(backoff, answer.retry_after or backoff)
        time.sleep(pause if left is None else min(pause, left))
        backoff = min(backoff * 2, 1.0)


def _warn(message: str) -> None:
    from riverrun.logging import get_run_logger

    try:
        get_run_logger().warning(message)
    except Exception:  # outside any run: the library logger
        logger.warning(message)


def release(lease_id: str) -> None:
    """Free a lease's slots and stop renewing it."""
    renewals.forget(lease_id)
    _client().release_concurrency_slots_with_lease(lease_id)


class _Renewals:
    """One daemon thread renewing every lease this process holds, each at half its length."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: list[tuple[float, str]] = []
        self._durations: dict[str, float] = {}
        self.lost: set[str] = set()
        self._thread: threading.Thread | None = None

    def keep(self, lease_id: str, lease_duration: float) -> None:
        with self._cond:
            self._durations[lease_id] = lease_duration
            heapq.heappush(
                self._due, (time.monotonic() + lease_duration * _RENEWAL_FRACTION, lease_id)
            )
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="riverrun-lease-renewal", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def forget(self, lease_id: str) -> None:
        with self._cond:
            self._durations.pop(lease_id, None)
            self.lost.discard(lease_id)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._cond.wait(None if not self._due else self._due[0][0] - time.monotonic())
                _, lease_id = heapq.heappop(self._due)
                duration = self._durations.get(lease_id)
            if duration is None:
                continue  # released meanwhile
            try:
                alive = _client().renew_concurrency_lease(lease_id, duration)
            except Exception as exc:  # a transient failure: try again soon, within the lease
                logger.warning(
                    "Renewing concurrency lease %s failed (%s); retrying.", lease_id, exc
                )
                alive = True
                duration = duration / 2
            with self._cond:
                if lease_id not in self._durations:
                    continue
                if not alive:
                    self.lost.add(lease_id)
                    logger.error(
                        "Concurrency lease %s expired before it was renewed: its slots may be "
                        "held by someone else now. Use a longer lease_duration.", lease_id)  # fmt: skip
                    continue
                heapq.heappush(
                    self._due, (time.monotonic() + duration * _RENEWAL_FRACTION, lease_id)
                )


renewals = _Renewals()
