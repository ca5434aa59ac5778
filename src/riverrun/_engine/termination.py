"""SIGTERM during a top-level synchronous flow run: recorded Crashed, at once.

The handler raises ``TerminationSignal`` in the main thread, as Prefect's does. CPython runs a
Python signal handler only between bytecodes; a SIGTERM that lands just before the main thread
enters a blocking call (``time.sleep(60)`` right after a ``print``) is noted, yet the call is not
interrupted, and the run would go on until the call returns. A relay thread closes that window:
it hears every signal through ``signal.set_wakeup_fd`` and, if the handler has not run shortly
after a SIGTERM, sends it again to the main thread alone, which interrupts the blocking call.
The same relay covers a SIGTERM the kernel gave to another thread (one that a library started).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

from riverrun.exceptions import TerminationSignal

# How long the relay lets the handler run before it interrupts the main thread again.
_RELAY_GRACE_SECONDS = 0.05

_relay_lock = threading.Lock()
_relay_write_fd: int | None = None
# The run whose handler is installed now: set once its handler has raised.
_current_handled: threading.Event | None = None


def install_termination_handler() -> Callable[[], None] | None:
    """Make SIGTERM raise ``TerminationSignal`` in the main thread; return the undo, or None.

    None when called off the main thread or where signals cannot be handled.
    """
    global _current_handled
    if threading.current_thread() is not threading.main_thread():
        return None
    handled = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if handled.is_set():  # the relay's repeat, arriving while the first is handled
            return
        handled.set()
        raise TerminationSignal(signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):
        return None
    previous_wakeup = _watch_wakeups()
    outer_handled, _current_handled = _current_handled, handled

    def restore() -> None:
        global _current_handled
        _current_handled = outer_handled
        if previous_wakeup is not None:
            signal.set_wakeup_fd(previous_wakeup)
        signal.signal(signal.SIGTERM, previous)

    return restore


def _watch_wakeups() -> int | None:
    """Point the wakeup fd at the relay; return the previous fd to put back, or None.

    None (the relay stays out) when someone else already listens, e.g. a running event loop.
    """
    global _relay_write_fd
    if not hasattr(signal, "pthread_kill"):
        return None
    with _relay_lock:
        if _relay_write_fd is None:
            read_fd, write_fd = os.pipe()
            os.set_blocking(write_fd, False)
            threading.Thread(
                target=_relay, args=(read_fd,), name="riverrun-signal-relay", daemon=True
            ).start()
            _relay_write_fd = write_fd
    try:
        previous = signal.set_wakeup_fd(_relay_write_fd, warn_on_full_buffer=False)
    except (ValueError, OSError):
        return None
    if previous not in (-1, _relay_write_fd):
        signal.set_wakeup_fd(previous)
        return None
    return -1


def _relay(read_fd: int) -> None:
    main = threading.main_thread().ident
    while True:
        try:
            heard = os.read(read_fd, 64)
        except OSError:
            return
        handled = _current_handled
        if handled is None or signal.SIGTERM not in heard or main is None:
            continue
        if not handled.wait(_RELAY_GRACE_SECONDS) and _current_handled is handled:
            # The main thread's own delivery also writes here again: the loop repeats until the
            # handler has run or the run is over.
            signal.pthread_kill(main, signal.SIGTERM)
