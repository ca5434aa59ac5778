"""The console handler: run log lines reach the terminal in bursts, one write per burst.

A write to stderr is a system call per line (stderr is line-buffered), which cost more than
the rest of a log call together: 10,000 lines spent ~140 ms in ``write``. Lines are queued
instead and written together by a small thread within ``linger_s`` of the first one; the
engine flushes at the end of every top-level flow or task run, and ``logging.shutdown``
at exit, so nothing is left behind and a run's last line still comes before whatever the
program prints after the run returns.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from typing import IO, Any

_handlers: weakref.WeakSet[ConsoleHandler] = weakref.WeakSet()


class ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A ``StreamHandler`` that writes queued lines in one go, within ``linger_s``.

    Args:
        stream: where to write (default ``sys.stderr``).
        linger_s: how long the first line of a burst waits for others to join it.
    """

    def __init__(self, stream: IO[str] | None = None, linger_s: float = 0.01) -> None:
        super().__init__(stream)
        self.linger_s = linger_s
        self._pending: list[str] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        _handlers.add(self)

    def emit(self, record: logging.LogRecord) -> None:
        # Called with ``self.lock`` held (Handler.handle), which also guards ``_pending``.
        try:
            line = self.format(record) + self.terminator
        except Exception:  # noqa: BLE001 - the stdlib's contract: report, never raise
            self.handleError(record)
            return
        self._pending.append(line)
        if len(self._pending) == 1:
            self._start_writer()
            self._wake.set()

    def flush(self) -> None:
        """Write every queued line now."""
        with self.lock:  # type: ignore[union-attr]
            lines, self._pending = self._pending, []
            if not lines:
                return
            try:
                self.stream.write("".join(lines))
                self.stream.flush()
            except (OSError, ValueError):
                # A closed or broken stream (a pipe whose reader left): drop the lines,
                # as StreamHandler would after reporting them.
                pass

    def _start_writer(self) -> None:
        thread = self._thread
        # A forked child inherits the attribute but not the thread.
        if thread is None or not thread.is_alive():
            thread = threading.Thread(
                target=_write_bursts,
                args=(weakref.ref(self), self._wake),
                name="riverrun-console",
                daemon=True,
            )
            self._thread = thread
            thread.start()


def _write_bursts(handler_ref: Any, wake: threading.Event) -> None:
    while True:
        wake.wait()
        wake.clear()
        handler = handler_ref()
        if handler is None:
            return
        # Linger so that a burst of lines becomes one write. A plain sleep: lines arriving
        # meanwhile must not cut it short (each would cost a thread switch), and whoever
        # needs them out sooner calls flush().
        linger_s = handler.linger_s
        del handler
        time.sleep(linger_s)
        handler = handler_ref()
        if handler is None:
            return
        handler.flush()
        del handler


def flush_console() -> None:
    """Write out every console handler's queued lines (end of a top-level run)."""
    for handler in list(_handlers):
        if handler._pending:
            handler.flush()


def _forget_in_child() -> None:
    # A forked child (a process-pool worker) inherits the lines its parent has yet to write;
    # the parent writes them, so the child must not write them again.
    for handler in list(_handlers):
        handler._pending = []
        handler._thread = None
        handler._wake = threading.Event()


os.register_at_fork(after_in_child=_forget_in_child)
