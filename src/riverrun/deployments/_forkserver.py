"""The fork server ("zygote"): a process that has imported what a flow run needs, and forks
one child per run. ``python -m riverrun.deployments._forkserver FD``; the parent's side is
``_launch.py``.

Why: a fresh interpreter per run pays Python's start-up and riverrun's imports (~0.5 s of
CPU here, several seconds of wall time on a loaded machine); a fork costs a few
milliseconds, and runs arriving back to back each get one at once, where a single warm spare
left the second run to a cold start.

Fork safety: this process starts no thread, opens no store or database connection and runs
no event loop (it checks ``threading.active_count()`` before it says it is ready), so a child
inherits no lock held by another thread and no connection it shares. Each child opens its
own store or HTTP client when its run starts.

The protocol, on one Unix socket (``FD``) to the parent:

- zygote → parent: ``{"ready": true}`` once imported; then ``{"exit": PID, "code": N}``
  for each child reaped (N as ``Popen.returncode``: negative for a signal).
- parent → zygote: a 4-byte big-endian length and that many bytes of JSON (``{"id",
  "on_load_error", "env", "cwd"}``), sent with three file descriptors: the write end of a
  *status pipe*, and the child's stdout and stderr. The parent sends the next request only
  once it has this one's answer.

The child writes its PID to the status pipe before anything else, and holds the pipe open
until it exits: the parent learns the child's PID from it, sees the child's end as EOF even
when this zygote has died meanwhile, and knows that a pipe closed with no PID means no child
was forked (so starting the run another way cannot run it twice).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import traceback
from typing import Any

HEADER = struct.Struct(">I")


def _preload() -> None:
    """Import what a run needs and build its models (not user code: each run loads its flow's
    module afresh, so an edited file takes effect on the next run, as with a new process)."""
    import riverrun._recording.run_process  # noqa: F401
    import riverrun._recording.spool  # noqa: F401
    import riverrun.client._transport  # noqa: F401
    import riverrun.client.orchestration  # noqa: F401
    import riverrun.deployments._execute  # noqa: F401
    import riverrun.deployments.loading  # noqa: F401
    import riverrun.flows  # noqa: F401
    import riverrun.utilities.callables  # noqa: F401
    from riverrun.schemas import objects
    from riverrun.settings import get_current_settings

    # The backend the runs will use, imported (not opened: no connection may cross a fork).
    if get_current_settings().api_url:
        import riverrun._recording.remote  # noqa: F401
        from riverrun.client._http import preload

        preload()
    else:
        import riverrun._recording.local  # noqa: F401
        import riverrun._store.bulk_sqlite  # noqa: F401
        import riverrun._store.embedded  # noqa: F401
        import riverrun._store.integrity  # noqa: F401
        import riverrun._store.local_runs  # noqa: F401
        import riverrun._store.migrate  # noqa: F401
        import riverrun._store.retention  # noqa: F401
        import riverrun._store.service  # noqa: F401
    # The schemas defer building their validators to first use: a run reads a flow run and
    # its deployment at once (a few ms each, tens under load, paid once here instead).
    objects.FlowRun.model_rebuild()
    objects.Deployment.model_rebuild()


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall((json.dumps(message) + "\n").encode())


def _receive(sock: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """The next request and its file descriptors, or None when the parent has gone."""
    data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 3)
    if not data:
        for fd in fds:
            os.close(fd)
        return None
    while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack(data[:4])[0]:
        more = sock.recv(1 << 16)
        if not more:
            return None
        data += more
    (size,) = HEADER.unpack(data[:4])
    return json.loads(data[HEADER.size : HEADER.size + size]), list(fds)


def _reap(sock: socket.socket, children: set[int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        children.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        try:
            _send(sock, {"exit": pid, "code": code})
        except OSError:
            pass  # the parent has gone: nobody to tell


def serve_forks(fd: int) -> tuple[dict[str, Any], list[int]] | None:
    """Fork a child per request until the parent closes the socket.

    Returns, in a child, its job and descriptors (the caller runs it); in the zygote, None
    once the parent has gone (the children it forked go on, as a launcher's children do).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the runs and the parent
    sock = socket.socket(fileno=fd)
    _preload()
    if threading.active_count() > 1:
        names = ", ".join(t.name for t in threading.enumerate())
        _send(sock, {"error": f"threads started while importing ({names}): forking is unsafe"})
        return None
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so SIGCHLD writes to wake_w
    children: set[int] = set()
    watched: list[Any] = [sock, wake_r]
    _send(sock, {"ready": True})
    while True:
        readable, _, _ = select.select(watched, [], [])
        if wake_r in readable:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            _reap(sock, children)
        if sock not in readable:
            continue
        try:
            request = _receive(sock)
        except (OSError, ValueError):
            request = None
        if request is None:
            return None
        job, fds = request
        pid = os.fork()
        if pid == 0:
            os.write(fds[0], f"{os.getpid()}\n".encode())  # first: the parent waits for it
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for own in (wake_r, wake_w):
                os.close(own)
            sock.close()
            return job, fds
        children.add(pid)
        for passed in fds:
            os.close(passed)


def run_child(job: dict[str, Any], fds: list[int]) -> int:
    """In a forked child: take the run's output, environment and directory, then run it."""
    status, out, err = fds
    os.set_inheritable(status, False)  # held until exit; the run's subprocesses do not get it
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(out, 1)
    os.dup2(err, 2)
    for fd in (out, err):
        if fd > 2:
            os.close(fd)
    os.environ.clear()
    os.environ.update(job["env"])
    os.chdir(job["cwd"])
    sys.argv = [sys.argv[0], job["id"]]
    from riverrun.deployments._execute import execute

    return execute(job["id"], job.get("on_load_error", "fail"))


def _exit_child(code: int) -> None:
    """End a child as an interpreter would (its threads joined, atexit handlers run: the
    recorder's flush, logging's), but without tearing down the heap it shares with the fork
    server: that finalisation touched every inherited page and cost ~0.35 s of CPU a run,
    three times the run's own start."""
    try:
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def main(argv: list[str]) -> int:
    try:
        forked = serve_forks(int(argv[1]))
    except (BrokenPipeError, ConnectionResetError):
        return 0  # the parent went away (even before we were ready): nothing left to do
    if forked is None:
        return 0
    code = 1
    try:
        code = run_child(*forked)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported as an interpreter would, exit code 1
        traceback.print_exc()
    _exit_child(code)
    return code  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv))
