"""Locks within one process (threads), as Prefect's ``MemoryLockManager``."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from riverrun.locking.protocol import AsyncFromThreads


@dataclass
class _LockInfo:
    holder: str
    lock: threading.Lock
    expiration_timer: threading.Timer | None


class MemoryLockManager(AsyncFromThreads):
    """One lock per key, shared by every user in the process (the class is a singleton)."""

    _instance: MemoryLockManager | None = None
    _instance_lock = threading.Lock()

    def __new__(cls, *args: Any, **kwargs: Any) -> MemoryLockManager:
        with cls._instance_lock:
            if cls._instance is None:
                instance = super().__new__(cls)
                instance._locks_dict_lock = threading.Lock()
                instance._locks = {}
                cls._instance = instance
            return cls._instance

    _locks_dict_lock: threading.Lock
    _locks: dict[str, _LockInfo]

    def _timer(self, key: str, hold_timeout: float | None) -> threading.Timer | None:
        if hold_timeout is None:
            return None
        timer = threading.Timer(hold_timeout, self._expire_lock, args=(key,))
        timer.daemon = True
        timer.start()
        return timer

    def _expire_lock(self, key: str) -> None:
        with self._locks_dict_lock:
            info = self._locks.pop(key, None)
        if info is not None and info.lock.locked():
            info.lock.release()

    def acquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """Take the lock on ``key``; blocks up to ``acquire_timeout`` seconds (None: forever)."""
        with self._locks_dict_lock:
            existing = self._locks.get(key)
            if existing is None:
                lock = threading.Lock()
                lock.acquire()
                self._locks[key] = _LockInfo(holder, lock, self._timer(key, hold_timeout))
                return True
            if existing.holder == holder:
                return True
        acquired = existing.lock.acquire(timeout=-1 if acquire_timeout is None else acquire_timeout)
        if not acquired:
            return False
        with self._locks_dict_lock:
            if existing.expiration_timer is not None:
                existing.expiration_timer.cancel()
            self._locks[key] = _LockInfo(holder, existing.lock, self._timer(key, hold_timeout))
        return True

    def release_lock(self, key: str, holder: str) -> None:
        """Release the lock; raises ``ValueError`` when ``holder`` does not hold it."""
        with self._locks_dict_lock:
            info = self._locks.get(key)
            if info is None or info.holder != holder:
                raise ValueError(f"No lock held by {holder} for transaction with key {key}")
            if info.expiration_timer is not None:
                info.expiration_timer.cancel()
            del self._locks[key]
            info.lock.release()

    def is_locked(self, key: str) -> bool:
        """Whether anyone holds the lock on ``key``."""
        info = self._locks.get(key)
        return info is not None and info.lock.locked()

    def is_lock_holder(self, key: str, holder: str) -> bool:
        """Whether ``holder`` holds the lock on ``key``."""
        info = self._locks.get(key)
        return info is not None and info.lock.locked() and info.holder == holder

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free; False if still held after ``timeout`` seconds."""
        info = self._locks.get(key)
        if info is None or not info.lock.locked():
            return True
        acquired = info.lock.acquire(timeout=-1 if timeout is None else timeout)
        if acquired:
            info.lock.release()
        return acquired
