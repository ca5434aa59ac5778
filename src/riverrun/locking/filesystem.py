"""Locks shared by processes through lock files in a directory, as Prefect's ``FileSystemLockManager``.

A lock is a file ``<key>.lock`` created exclusively (``O_CREAT | O_EXCL``), holding the holder
and an optional expiry as JSON. A waiter checks again every 50 ms: there is no portable way to
be told when another process deletes a file, and a transaction's lock is held for a task run.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from riverrun.locking.protocol import AsyncFromThreads

_CHECK_EVERY = 0.05


class FileSystemLockManager(AsyncFromThreads):
    """Locks on keys as files under ``lock_files_directory``."""

    def __init__(self, lock_files_directory: Path | str) -> None:
        self.lock_files_directory = Path(lock_files_directory).expanduser()

    def _path(self, key: str) -> Path:
        return self.lock_files_directory / f"{key}.lock"

    def _read(self, key: str) -> dict[str, object] | None:
        """The lock's holder and expiry, or None if it is free (an expired lock is removed)."""
        path = self._path(key)
        try:
            info = json.loads(path.read_text() or "{}")
        except (OSError, ValueError):
            return None if not path.exists() else {"holder": None, "expiration": None}
        expiration = info.get("expiration")
        if isinstance(expiration, (int, float)) and expiration < time.time():
            path.unlink(missing_ok=True)
            return None
        return info  # type: ignore[no-any-return]

    def acquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """Take the lock on ``key``; waits up to ``acquire_timeout`` seconds (None: forever)."""
        self.lock_files_directory.mkdir(parents=True, exist_ok=True)
        deadline = None if acquire_timeout is None else time.monotonic() + acquire_timeout
        while True:
            if self.is_lock_holder(key, holder):
                return True
            try:
                fd = os.open(self._path(key), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                if not self.wait_for_lock(key, remaining):
                    return False
                continue
            expiration = None if hold_timeout is None else time.time() + hold_timeout
            with os.fdopen(fd, "w") as fh:
                json.dump({"holder": holder, "expiration": expiration}, fh)
            return True

    def release_lock(self, key: str, holder: str) -> None:
        """Release the lock; raises ``ValueError`` when ``holder`` does not hold it."""
        if not self.is_locked(key):
            raise ValueError(f"No lock for transaction with key {key}")
        if not self.is_lock_holder(key, holder):
            raise ValueError(f"No lock held by {holder} for transaction with key {key}")
        self._path(key).unlink(missing_ok=True)

    def is_locked(self, key: str) -> bool:
        """Whether anyone holds the lock on ``key`` (an expired lock is free)."""
        return self._read(key) is not None

    def is_lock_holder(self, key: str, holder: str) -> bool:
        """Whether ``holder`` holds the lock on ``key``."""
        info = self._read(key)
        return info is not None and info.get("holder") == holder

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free; False if still held after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.is_locked(key):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(_CHECK_EVERY)
        return True
