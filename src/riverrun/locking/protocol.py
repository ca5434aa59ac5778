"""What a lock manager offers a ``ResultStore`` (Prefect's ``LockManager`` protocol)."""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable


@runtime_checkable
class LockManager(Protocol):
    """Locks on record keys, each held by one named holder at a time."""

    def acquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """Take the lock on ``key`` for ``holder``; False if not free within ``acquire_timeout``.

        A lock held longer than ``hold_timeout`` seconds expires on its own.
        """
        ...

    async def aacquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """``acquire_lock`` for async code."""
        ...

    def release_lock(self, key: str, holder: str) -> None:
        """Release ``holder``'s lock on ``key``; raises ``ValueError`` if it does not hold it."""
        ...

    def is_locked(self, key: str) -> bool:
        """Whether anyone holds the lock on ``key``."""
        ...

    def is_lock_holder(self, key: str, holder: str) -> bool:
        """Whether ``holder`` holds the lock on ``key``."""
        ...

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free; False if still locked after ``timeout`` seconds."""
        ...

    async def await_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """``wait_for_lock`` for async code."""
        ...


class AsyncFromThreads:
    """The async half of a lock manager: each call runs the blocking one on a worker thread."""

    def acquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        raise NotImplementedError

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        raise NotImplementedError

    async def aacquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """``acquire_lock`` without blocking the event loop."""
        return await asyncio.to_thread(
            self.acquire_lock, key, holder, acquire_timeout, hold_timeout
        )

    async def await_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """``wait_for_lock`` without blocking the event loop."""
        return await asyncio.to_thread(self.wait_for_lock, key, timeout)
