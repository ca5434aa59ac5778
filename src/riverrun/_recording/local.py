"""The embedded sink: event batches into the local SQLite file, kept when it cannot take them.

When the file is locked by another process past the busy timeout, its disk is full, or it
is malformed, a batch is not dropped: it is *kept* — in memory up to a bound, then in the
spool beside the database (``$RIVERRUN_HOME/spool/embedded``), or, if that disk is the full
one, in a spool on another (the temporary directory). Later batches queue behind the kept
ones, so nothing overtakes them. The sink writes them back as soon as the file takes writes
again: on the next batch after a short backoff, in the recorder's idle upkeep, at exit
(waiting at most ``RIVERRUN_RECORDING_EXIT_WAIT_SECONDS``), and in the next process that
records into the same file. One warning says what happened and what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riverrun._recording.spool import Spool
from riverrun.exceptions import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from riverrun._automations.embedded import EmbeddedAutomations
    from riverrun._store.database_writer import DatabaseWriter
    from riverrun._store.embedded import EmbeddedWriter

    BatchWriter = EmbeddedWriter | DatabaseWriter

Event = dict[str, Any]

# Kept in memory before they go to a spool file: a few seconds of a busy flow.
_MEMORY_EVENTS = 50_000
# If no spool can be written either (both disks full), memory keeps up to this many.
_MEMORY_HARD_LIMIT = 500_000
_FIRST_BACKOFF_S = 0.5
_MAX_BACKOFF_S = 10.0
# A write-back attempt waits at most this long for another process's lock: it runs on the
# writer thread, ahead of the batches behind it.
_CATCH_UP_WAIT_S = 1.0


def _this_process_on_runs_it_starts(events: list[Event]) -> list[tuple[str, list[Any]]]:
    """Statements recording this process on the flow runs this batch moves to Running.

    In the Running state's own transaction: a run is never in the file as Running without
    its process, so one killed before the run watcher's first look is still found dead by
    the next process (``_store.local_runs``).
    """
    started = [event["run_id"] for event in events
               if event["kind"] == "flow_run_state" and event.get("type") == "RUNNING"]  # fmt: skip
    started += [event["id"] for event in events if event["kind"] == "flow_run"
                and (event.get("state") or {}).get("type") == "RUNNING"]  # fmt: skip
    if not started:
        return []
    from riverrun._internal.processes import this_process
    from riverrun._store.local_runs import RECORD_PROCESS_SQL

    hostname, pid, process_started = this_process()
    return [(RECORD_PROCESS_SQL, [hostname, pid, process_started, run_id, pid, hostname])
            for run_id in started]  # fmt: skip


def fallback_spool_directory(database: Path | str) -> Path:
    """The spool on another disk for a database (its file, or its URL): under the temporary
    directory, named after the database, so the next process finds it."""
    key = str(database.resolve()) if isinstance(database, Path) else database
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"riverrun-{os.getuid()}" / f"spool-{digest}"


class EmbeddedSink:
    """Writes batches into the embedded SQLite file, or the database at ``database_url``
    (opened on the first batch).

    Args:
        path: the database file; with ``database_url``, the file beside which its spool is
            kept (``$RIVERRUN_HOME/riverrun.db``).
        busy_timeout_s: how long a write waits for another process's lock
            (RIVERRUN_STORE_BUSY_TIMEOUT_SECONDS).
        retention_days: the idle upkeep deletes older runs once a day (0: never).
        exit_wait_s: at exit, how long to keep trying to write kept events.
        database_url: a database that is not a SQLite file (PostgreSQL), written through
            ``riverrun._store.database_writer``; automations are then a server's to evaluate.
    """

    def __init__(self, path: Path, busy_timeout_s: float = 30.0, retention_days: float = 0,
                 exit_wait_s: float = 5.0, database_url: str | None = None) -> None:  # fmt: skip
        self.path = Path(path)
        self.database_url = database_url
        self.busy_timeout_s = busy_timeout_s
        self.retention_days = retention_days
        self.exit_wait_s = exit_wait_s
        if database_url is None:
            self.where = str(self.path)
            self.spools = (Spool(self.path.parent / "spool" / "embedded"),
                           Spool(fallback_spool_directory(self.path)))  # fmt: skip
        else:
            from riverrun._store.base import safe_url

            self.where = safe_url(database_url)
            digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
            self.spools = (Spool(self.path.parent / "spool" / f"database-{digest}"),
                           Spool(fallback_spool_directory(database_url)))  # fmt: skip
        self._writer: BatchWriter | None = None
        self._lock = threading.RLock()
        self._held: list[list[Event]] = []
        self._held_events = 0
        self._spooled = any(spool.pending() for spool in self.spools)
        self._retry_at = 0.0
        self._backoff = _FIRST_BACKOFF_S
        self._trouble: str | None = None
        self._warned = False
        self.lost = 0
        self._automations: EmbeddedAutomations | None = None
        self._probe: sqlite3.Connection | None = None
        self._automation_warned = False

    # -- writing -------------------------------------------------------------------------
    def __call__(self, events: list[Event]) -> None:
        if self._held or self._spooled:
            # Older events are kept: queue behind them, so none is overtaken.
            self.keep(events)
            if time.monotonic() >= self._retry_at:
                self.catch_up()
            return
        try:
            self._write(events)
        except StoreError as exc:
            self.keep(events)
            self._troubled(exc)

    def _write(self, events: list[Event], wait_s: float | None = None, ours: bool = True) -> None:
        writer = self._writer
        if writer is None:
            writer = self._writer = self._open_writer()
        if self.database_url is not None:
            writer.ingest(events, wait_s)
            return
        writer.ingest(events, wait_s, _this_process_on_runs_it_starts(events) if ours else ())
        self._after_commit(writer, events)

    def _open_writer(self) -> BatchWriter:
        if self.database_url is not None:
            from riverrun._store.database_writer import DatabaseWriter

            return DatabaseWriter(self.database_url, self.busy_timeout_s)
        from riverrun._store.embedded import embedded_writer

        return embedded_writer(self.path, self.busy_timeout_s)

    def _after_commit(self, writer: BatchWriter, events: list[Event]) -> None:
        """With no server, this process evaluates automations on the events it wrote: if the
        file has any automation, the batch goes to ``riverrun._automations.embedded``
        (imported only then). Runs are recorded whatever happens here; a failure is reported
        once."""
        try:
            automations = self._automations
            if automations is None:
                probe = self._probe
                if probe is None:
                    probe = self._probe = sqlite3.connect(self.path, check_same_thread=False)
                # One indexed read per batch when no automation exists (measured in bench/).
                if probe.execute("SELECT 1 FROM automation LIMIT 1").fetchone() is None:
                    return
                from riverrun._automations.embedded import EmbeddedAutomations

                automations = self._automations = EmbeddedAutomations(str(self.path), writer.ingest)
            automations.after_commit(events)
        except Exception as exc:  # automations must never stop recording
            if not self._automation_warned:
                self._automation_warned = True
                print(f"riverrun: WARNING: automations were not evaluated on {self.path}: "
                      f"{str(exc).rstrip('.')}. The runs are recorded; check the automation "
                      "with `riverrun automation inspect`.", file=sys.stderr)  # fmt: skip

    def keep(self, events: list[Event]) -> None:
        """Hold a batch the file could not take: in memory, then in a spool file."""
        if not events:
            return
        with self._lock:
            self._held.append(events)
            self._held_events += len(events)
            if self._held_events > _MEMORY_EVENTS:
                self._spill()

    def _spill(self) -> bool:
        # Callers hold ``_lock``. Memory to disk, oldest first; True when memory is empty.
        while self._held:
            batch = self._held[0]
            if not self._append_to_a_spool(batch):
                while self._held_events > _MEMORY_HARD_LIMIT:
                    dropped = self._held.pop(0)
                    self._held_events -= len(dropped)
                    self.lost += len(dropped)
                return False
            self._held.pop(0)
            self._held_events -= len(batch)
            self._spooled = True
        return True

    def _append_to_a_spool(self, batch: list[Event]) -> bool:
        from riverrun._store.ingest import unplan

        unplan(batch)
        for spool in self.spools:
            try:
                spool.append(batch)
                return True
            except OSError:
                continue
        return False

    def catch_up(self, wait_s: float = _CATCH_UP_WAIT_S) -> bool:
        """Write the kept events back, oldest first; True when none is left."""
        with self._lock:
            try:
                for spool in self.spools:
                    if spool.pending():
                        # A spool may hold another (dead) process's runs: not ours to claim.
                        spool.deliver(lambda events: self._write(events, wait_s, ours=False),
                                      blocking=True)  # fmt: skip
                self._spooled = False
                while self._held:
                    self._write(self._held[0], wait_s)
                    self._held_events -= len(self._held.pop(0))
            except StoreError as exc:
                self._troubled(exc)
                return False
            if self._trouble is not None:
                print(f"riverrun: the riverrun database {self.where} takes writes again; the "
                      "events kept meanwhile are written.", file=sys.stderr)  # fmt: skip
            self._trouble = None
            self._warned = False
            self._backoff = _FIRST_BACKOFF_S
            return True

    def _troubled(self, exc: StoreError) -> None:
        self._trouble = str(exc).rstrip(".")
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, _MAX_BACKOFF_S)
        if self._warned:
            return
        self._warned = True
        print(
            f"riverrun: WARNING: runs are not being recorded to {self.where} for now: "
            f"{self._trouble}. Your flow keeps running; its events are kept "
            f"(in memory, then in {self.spools[0].directory}) and written to {self.where} as "
            "soon as it takes writes again.",
            file=sys.stderr,
        )

    # -- recorder hooks ------------------------------------------------------------------
    def idle(self) -> None:
        """Between batches: write kept events back when due, checkpoint, daily retention."""
        if (self._held or self._spooled) and time.monotonic() >= self._retry_at:
            self.catch_up()
        if self._writer is not None and not (self._held or self._spooled):
            self._writer.checkpoint_if_due()
            self._writer.upkeep_if_due(self.retention_days)

    def at_exit(self, unwritten: list[Event], writer_stuck: bool) -> None:
        """The process is exiting: write what is kept (within the exit wait), spool the rest.

        ``unwritten`` are events the recorder could not hand over in time (its writer thread
        is ``writer_stuck`` on one of them, so this thread must not wait for the file).
        """
        self.keep(unwritten)
        if self._automations is not None:
            self._automations.wait()  # bounded: deliveries of this process's firings
        if (self._held or self._spooled) and not writer_stuck:
            deadline = time.monotonic() + self.exit_wait_s
            while not self.catch_up(max(0.0, min(_CATCH_UP_WAIT_S, deadline - time.monotonic()))):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                time.sleep(min(0.2, remaining))
        with self._lock:
            spilled = self._spill()
            waiting = sum(spool.count_events() for spool in self.spools)
            lost, held = self.lost, self._held_events
        if self._writer is not None and not writer_stuck and not waiting:
            # A short script may never leave its writer idle: its day's retention runs here.
            with contextlib.suppress(StoreError):
                self._writer.upkeep_if_due(self.retention_days)
            self._writer.checkpoint_if_due(final=True)
        if waiting:
            where = " and ".join(str(s.directory) for s in self.spools if s.pending())
            print(f"riverrun: {waiting} event(s) could not be written to {self.where} "
                  f"({self._trouble or 'it did not take writes in time'}); they wait in {where} "
                  "and the next run that records into it writes them.", file=sys.stderr)  # fmt: skip
        if not spilled or lost:
            print(f"riverrun: WARNING: {held + lost} event(s) of this process could not be kept "
                  "anywhere (no space for a spool file either) and are lost.", file=sys.stderr)  # fmt: skip

    def close(self) -> None:
        """Nothing to release: the writer is shared by the process."""
