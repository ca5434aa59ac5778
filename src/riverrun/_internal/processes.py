"""This host's processes: who we are (host, PID, start time) and whether a PID still lives.

A PID alone names a process only while it runs: once it exits the kernel may hand the number
to another. The start time tells the two apart (Linux: field 22 of ``/proc/<pid>/stat``, in
clock ticks after boot, stable for a process's life). Where there is no ``/proc`` the start
time is None and only the PID is checked.
"""

from __future__ import annotations

import os
import socket

_self: tuple[int, tuple[str, int, int | None]] | None = None


def process_started(pid: int) -> int | None:
    """When process ``pid`` started (opaque, comparable only with itself), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = raw[raw.rfind(b")") + 2 :].split()
    try:
        return int(fields[19])  # field 22 overall: 3 (state) is fields[0]
    except (IndexError, ValueError):
        return None


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return False
    return raw[raw.rfind(b")") + 2 :][:1] in (b"Z", b"X")


def is_alive(pid: int, started: int | None) -> bool:
    """Whether process ``pid`` still runs and is the one that started at ``started``.

    An exited process not yet reaped by its parent (a zombie) counts as gone.
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    if _zombie(pid):
        return False
    if started is not None:
        now = process_started(pid)
        if now is not None and now != started:
            return False  # the PID was reused by a newer process
    return True


def this_process() -> tuple[str, int, int | None]:
    """``(hostname, pid, start time)`` of this process (recomputed after a fork)."""
    global _self
    pid = os.getpid()
    if _self is None or _self[0] != pid:
        _self = (pid, (socket.gethostname(), pid, process_started(pid)))
    return _self[1]
