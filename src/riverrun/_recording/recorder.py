"""The batching recorder: one queue, one writer thread, batches of events per transaction.

The engine's hot path only appends to a deque; the writer thread drains it and hands whole
batches to a *sink* (the embedded store's ``ingest``, or the HTTP transport), lingering
briefly after a wake-up so that a busy flow writes few large transactions. A flush that
finds the writer idle writes the rest on the flushing thread itself. A failing sink never
breaks the user's flow: the recorder warns once and keeps the flow running.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Event = dict[str, Any]
Sink = Callable[[list[Event]], None]

_MAX_BATCH = 5000
_HIGH_WATER = 50_000
# Group commit: once woken, the writer lingers this long for more events before writing,
# unless this many are already queued (or someone is waiting on a flush).
_LINGER_S = 0.02
_EAGER = 1000
# While the writer works beside a busy flow, each SQLite statement hands the GIL over and
# the writer must win it back; the flow's thread lets go only after the interpreter's switch
# interval. Measured here against a busy thread, a statement cost ~6 ms more at the default
# 5 ms, 0.8 ms at 0.5 ms and 0.3 ms at 0.1 ms: at the default the writer fell behind any
# busy flow and did its work after the flow's last task. So it shortens the interval while
# it writes a batch, and only then; and only for a batch big enough to say that a flow is
# busy beside it, since meanwhile every Python thread switches more often.
_WRITER_SWITCH_INTERVAL_S = 0.0001
_BUSY_QUEUE = 256


class Recorder:
    """Collects events in memory and writes them in batches on a background thread."""

    def __init__(self, sink: Sink, destination: str) -> None:
        self.destination = destination
        self.sink = sink
        self._queue: collections.deque[Event] = collections.deque()
        self._wakeup = threading.Event()
        # Set when the writer should stop lingering and write now.
        self._urgent = threading.Event()
        # Held while events are taken off the queue and handed to the sink, so batches reach
        # the sink in queue order whichever thread writes them.
        self._drain_lock = threading.Lock()
        self._done = threading.Condition()
        self._submitted = 0
        self._written = 0
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        self._warned = False
        # The batch the sink is writing now (the exit hook keeps it if the sink is stuck).
        self._in_flight: list[Event] | None = None
        self.dropped = 0

    # -- hot path ------------------------------------------------------------------------
    def record(self, event: Event) -> None:
        """Queue one event; blocks only if the writer falls far behind (bounded memory)."""
        queue = self._queue
        queue.append(event)
        self._submitted += 1
        if self._thread is None:
            self._start()
        if not self._wakeup.is_set():
            self._wakeup.set()
        queued = len(queue)
        if queued >= _EAGER and not self._urgent.is_set():
            self._urgent.set()
        if queued > _HIGH_WATER:
            self._wait_for_room()

    def _wait_for_room(self) -> None:
        # Backpressure: a flow of a million tasks must not hold a million events in memory.
        if self._thread is None or not self._thread.is_alive():
            return
        target = self._submitted - _HIGH_WATER // 2
        with self._done:
            self._done.wait_for(lambda: self._written >= target or self._closed, 60.0)

    # -- flushing ------------------------------------------------------------------------
    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every event queued before this call is written; False on timeout."""
        target = self._submitted
        if self._written >= target:
            return True
        # When the writer is idle (lingering or asleep), write the rest on this thread: the
        # caller waits for it either way, and this spares two thread hand-offs per flow run.
        if self._drain_lock.acquire(blocking=False):
            try:
                self._drain()
            finally:
                self._drain_lock.release()
            if self._written >= target or self._thread is None or not self._thread.is_alive():
                return self._written >= target
        self._urgent.set()
        self._wakeup.set()
        with self._done:
            return self._done.wait_for(lambda: self._written >= target, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Flush and stop the writer thread."""
        self.flush(timeout)
        self._closed = True
        self._urgent.set()
        self._wakeup.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        close_sink = getattr(self.sink, "close", None)
        if close_sink is not None:
            close_sink()

    # -- writer thread -----------------------------------------------------------------------
    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(
                    target=self._run, name=f"riverrun-recorder[{self.destination}]", daemon=True
                )
                self._thread = thread
                thread.start()

    def _run(self) -> None:
        while True:
            self._wakeup.wait()
            self._wakeup.clear()
            self._urgent.wait(_LINGER_S)
            self._urgent.clear()
            busy = len(self._queue) >= _BUSY_QUEUE
            with self._drain_lock, _prompt_gil_handover() if busy else contextlib.nullcontext():
                self._drain()
            if self._closed and not self._queue:
                return
            if not self._queue:
                # Upkeep the sink would otherwise do inside a write someone waits for.
                self.sink_upkeep("idle")

    def sink_upkeep(self, hook: str) -> None:
        """Call the sink's optional upkeep ``hook`` (``idle``, ``at_exit``), if it has one.

        Upkeep never raises: the runs are written either way, and it can wait.
        """
        upkeep = getattr(self.sink, hook, None)
        if upkeep is None:
            return
        try:
            upkeep()
        except Exception:  # noqa: BLE001 - upkeep failing must not stop the writer or exit
            pass

    def _drain(self) -> None:
        # Callers hold ``_drain_lock``.
        queue = self._queue
        while queue:
            batch: list[Event] = []
            pop = queue.popleft
            try:
                while len(batch) < _MAX_BATCH:
                    batch.append(pop())
            except IndexError:
                pass
            self._in_flight = batch
            try:
                self.sink(batch)
            except Exception as exc:  # noqa: BLE001 - observability must never kill the flow
                self.dropped += len(batch)
                self._warn(exc, len(batch))
            except BaseException:
                # Ctrl-C while this thread writes: put the batch back, so the exit flush
                # still records it, and let the interrupt through.
                queue.extendleft(reversed(batch))
                raise
            finally:
                self._in_flight = None
            with self._done:
                self._written += len(batch)
                self._done.notify_all()

    def flush_at_exit(self, stall_s: float) -> None:
        """Flush while the sink makes progress; then hand what is left to the sink's ``at_exit``.

        A sink that writes nothing for ``stall_s`` (a database locked by another process, a
        server that hangs) does not hold the exit longer: the events not written yet — the
        queue, and a copy of the batch being written (ingest is idempotent) — go to the
        sink's ``at_exit(unwritten, writer_stuck)``, which keeps them for the next process.
        """
        written = -1
        while not self.flush(stall_s) and self._written != written:
            written = self._written
        unwritten: list[Event] = []
        in_flight = self._in_flight
        stuck = in_flight is not None and self._written < self._submitted
        if self._written < self._submitted:
            unwritten.extend(in_flight or ())
            pop = self._queue.popleft
            with contextlib.suppress(IndexError):
                while True:
                    unwritten.append(pop())
        hook = getattr(self.sink, "at_exit", None)
        if hook is None:
            self.dropped += len(unwritten)
            return
        try:
            hook(unwritten, stuck)
        except Exception as exc:  # noqa: BLE001 - the exit must go on
            self.dropped += len(unwritten)
            self._warn(exc, len(unwritten))

    def _warn(self, exc: BaseException, count: int) -> None:
        if self._warned:
            return
        self._warned = True
        print(
            f"riverrun: WARNING: runs are not being recorded to {self.destination}: "
            f"{str(exc).rstrip('.')}. Your flow keeps running and returns its result; "
            "the runs are missing from the store.",
            file=sys.stderr,
        )


# (the interval before, ours) while the writer has the interval shortened.
_shortened: tuple[float, float] | None = None


@contextlib.contextmanager
def _prompt_gil_handover() -> Iterator[None]:
    """Shorten the interpreter's switch interval for the block, then put it back.

    Left alone if it is already as short; not put back if someone changed it meanwhile.
    """
    global _shortened
    previous = sys.getswitchinterval()
    if previous <= _WRITER_SWITCH_INTERVAL_S:
        yield
        return
    sys.setswitchinterval(_WRITER_SWITCH_INTERVAL_S)
    _shortened = (previous, sys.getswitchinterval())
    try:
        yield
    finally:
        _restore_switch_interval()


def _restore_switch_interval() -> None:
    global _shortened
    shortened, _shortened = _shortened, None
    if shortened is not None and sys.getswitchinterval() == shortened[1]:
        sys.setswitchinterval(shortened[0])


# A child forked while the writer wrote has no writer: it gets the interval back at once.
os.register_at_fork(after_in_child=_restore_switch_interval)


_lock = threading.Lock()
_active: Recorder | None = None


def get_recorder(settings: Any = None) -> Recorder:
    """The recorder for the current settings' destination, created on first use.

    When the destination changes (a new ``RIVERRUN_HOME``), the previous recorder is flushed
    and closed first, so no event goes to the wrong store.
    """
    global _active
    if settings is None:
        from riverrun.settings import get_current_settings

        settings = get_current_settings()
    database_url = _database_url(settings)
    if settings.api_url:
        destination = str(settings.api_url)
    elif database_url is not None:
        destination = database_url
    else:
        destination = str(_database_file(settings))
    current = _active
    if current is not None and current.destination == destination:
        return current
    with _lock:
        if _active is not None and _active.destination == destination:
            return _active
        if _active is not None:
            _active.close()
        sink: Sink
        if settings.api_url:
            from riverrun._recording.remote import remote_sink

            sink = remote_sink(settings)
        else:
            from riverrun._recording.local import EmbeddedSink

            sink = EmbeddedSink(_database_file(settings), settings.store_busy_timeout_seconds,
                                settings.retention_days, settings.recording_exit_wait_seconds,
                                database_url)  # fmt: skip
        _active = Recorder(sink, destination)
        return _active


def _database_url(settings: Any) -> str | None:
    """``RIVERRUN_DATABASE_URL`` when it names a database that is not a SQLite file."""
    url = str(settings.database_url or "")
    return url if url and not url.startswith("sqlite") else None


def _database_file(settings: Any) -> Path:
    """The SQLite file runs are recorded into: ``RIVERRUN_DATABASE_URL``'s, or the home's."""
    url = str(settings.database_url or "")
    if url.startswith("sqlite"):
        from riverrun._store.dialect import sqlite_path

        return sqlite_path(url)
    return Path(settings.database_path)


def recorder_for(flow_ctx: Any) -> Recorder:
    """The recorder of the enclosing flow run, or the current settings' one outside a flow."""
    return flow_ctx.recorder if flow_ctx is not None else get_recorder()  # type: ignore[no-any-return]


def flush_active(timeout: float = 30.0) -> None:
    """Flush the active recorder, if any."""
    recorder = _active
    if recorder is not None:
        recorder.flush(timeout)


@atexit.register
def _flush_at_exit() -> None:
    recorder = _active
    if recorder is not None:
        from riverrun.settings import get_current_settings

        try:
            stall_s = float(get_current_settings().recording_exit_wait_seconds)
        except Exception:  # noqa: BLE001 - a broken profile must not cost the events
            stall_s = 5.0
        recorder.flush_at_exit(stall_s)
        if recorder.dropped:
            print(
                f"riverrun: WARNING: {recorder.dropped} event(s) of this process were not recorded "
                f"to {recorder.destination}.",
                file=sys.stderr,
            )
