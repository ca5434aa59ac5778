"""The spool: event batches that could not be delivered yet, kept on disk in order.

One JSON file per batch under ``$RIVERRUN_HOME/spool``, named so that sorting the names
gives the order they were written in (a nanosecond timestamp, then the process ID and a
counter). Files are written atomically (temp file + rename), so a crash never leaves half a
batch. Delivery takes an exclusive ``flock`` on the directory's lock file, so two processes
never deliver the same files at once (events are idempotent anyway; the lock avoids waste).
Delivery sends consecutive files together, up to a batch's worth of events, so hundreds of
small batches spooled while the server was away go out in a few requests.

The same queue keeps the embedded store's events while its file is locked, full or
malformed (``$RIVERRUN_HOME/spool/embedded``, and a second one on another disk).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from riverrun.schemas.encoding import encode_value

_counter = itertools.count()
# Events sent together when delivering: the recorder's own largest batch.
_DELIVERY_EVENTS = 5000


class Spool:
    """An ordered on-disk queue of event batches."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def append(self, events: list[dict[str, Any]]) -> Path:
        """Write one batch at the end of the queue.

        Raises:
            OSError: the batch could not be written (a full disk); nothing is left behind.
        """
        return self._write(events)

    def _write(self, document: Any) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid():07d}-{next(_counter):08d}.json"
        target = self.directory / name
        tmp = self.directory / f".{name}.tmp"
        try:
            tmp.write_text(json.dumps(document, default=encode_value))
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return target

    @property
    def rejected_directory(self) -> Path:
        return self.directory / "rejected"

    def set_aside(self, events: list[dict[str, Any]], answer: str) -> Path:
        """Keep a batch the server refused, with its answer, out of the delivery queue.

        The file holds ``{"answer": ..., "events": [...]}``.
        """
        return Spool(self.rejected_directory)._write({"answer": answer, "events": events})

    def rejected(self) -> list[Path]:
        """The files of refused batches, oldest first."""
        return Spool(self.rejected_directory).pending()

    def pending(self) -> list[Path]:
        """The spooled batch files, oldest first."""
        try:
            return sorted(
                p
                for p in self.directory.iterdir()
                if p.suffix == ".json" and not p.name.startswith(".")
            )
        except OSError:  # missing, or a file where the directory should be
            return []

    def count_events(self) -> int:
        """How many events are waiting (reads every file: for reports, not hot paths)."""
        total = 0
        for path in self.pending():
            with contextlib.suppress(OSError, ValueError):
                total += len(json.loads(path.read_text()))
        return total

    @contextlib.contextmanager
    def _locked(self, blocking: bool) -> Iterator[bool]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def deliver(self, send: Callable[[list[dict[str, Any]]], None], blocking: bool = False,
                max_events: int = _DELIVERY_EVENTS) -> tuple[int, int]:  # fmt: skip
        """Send spooled batches in order, deleting each once sent; stop at the first failure.

        Consecutive files are sent together, up to ``max_events`` events per call.

        Returns:
            (batches delivered, batches still waiting). The exception of a failed send
            propagates after the delivered ones are removed.
        """
        delivered = 0
        with self._locked(blocking) as acquired:
            if not acquired:
                return 0, len(self.pending())
            group: list[Path] = []
            events: list[dict[str, Any]] = []
            for path in self.pending():
                try:
                    batch = json.loads(path.read_text())
                except FileNotFoundError:
                    continue  # delivered by another process between listing and reading
                except ValueError:
                    # An unreadable batch would block everything behind it forever.
                    path.rename(path.with_suffix(".corrupt"))
                    continue
                if group and len(events) + len(batch) > max_events:
                    delivered += _send_group(send, group, events)
                    group, events = [], []
                group.append(path)
                events.extend(batch)
            if group:
                delivered += _send_group(send, group, events)
        return delivered, len(self.pending())


def _send_group(send: Callable[[list[dict[str, Any]]], None], group: list[Path],
                events: list[dict[str, Any]]) -> int:  # fmt: skip
    send(events)
    for path in group:
        path.unlink(missing_ok=True)
    return len(group)
