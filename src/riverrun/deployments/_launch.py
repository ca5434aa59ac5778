"""Start a flow run's process: forked from a fork server when it can, else a fresh interpreter.

One ``Launcher`` per ``serve()`` process or ``ProcessWorker``. It keeps one fork server
(``_forkserver.py``) that has imported riverrun; each run is a fork of it (a few
milliseconds), so runs arriving back to back all start at once. The process handle it
returns (``ForkedProcess``) answers like ``subprocess.Popen``: ``pid``, ``poll``, ``wait``,
``send_signal``, ``terminate``, ``kill``.

When the fork server is missing the run still starts, the slow way (``python -m
riverrun.deployments._execute``), and never twice: a run is started cold only when the
status pipe shows that no child was forked for it. A fork server that died is replaced on the
next run; runs it had forked go on, and their end is seen through their status pipes (their
exit code is lost with it: ``LOST_EXIT_CODE``). A fork server that does not answer within
``FORK_WAIT_S`` is killed first.

POSIX only: where ``os.fork`` or ``socket.send_fds`` is missing (Windows), or with
``RIVERRUN_RUNNER_FORK_SERVER=false``, every run starts as a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Protocol

from riverrun.deployments._forkserver import HEADER

LOST_EXIT_CODE = -255  # no signal has this number: "exited, code unknown"
READY_WAIT_S = 30.0  # a fork server still importing: waiting beats a second cold import
FORK_WAIT_S = 10.0  # a fork server this slow to fork is hung: kill it
_EXIT_CODE_WAIT_S = 10.0  # a child gone, its exit code not yet reported by its fork server
_MAX_EARLY_DEATHS = 3  # fork servers that died before ready, in a row: stop respawning


class RunProcess(Protocol):
    """What the launcher's callers use of a run's process (``subprocess.Popen`` has it)."""

    @property
    def pid(self) -> int: ...
    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def send_signal(self, sig: int) -> None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


def exit_description(code: int) -> str:
    """How a run's process ended, for the message of a run it left unfinished."""
    if code == LOST_EXIT_CODE:
        return "exited (its exit code was lost: the fork server that started it had died)"
    return f"exited with code {code}"


def child_env() -> dict[str, str]:
    """The environment of a run's process: this one's, output unbuffered."""
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def fork_supported() -> bool:
    """Whether runs can be forked here: POSIX with fd passing, and not turned off."""
    from riverrun.settings import get_current_settings

    return (
        hasattr(os, "fork")
        and hasattr(socket, "send_fds")
        and bool(get_current_settings().runner_fork_server)
    )


class _ForkServer:
    """The parent's end of one fork server process."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock = ours
        self.process = subprocess.Popen(
            [sys.executable, "-m", "riverrun.deployments._forkserver", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=child_env(),
        )  # fmt: skip
        theirs.close()
        self.ready = False
        self.dead = False
        self.error: str | None = None
        self.exits: dict[int, int] = {}  # PID -> exit code, reported and not yet collected
        # PIDs given up on (LOST_EXIT_CODE) whose exit is still to be reported: that report
        # is dropped, or a later child given the same PID would take it for its own.
        self.given_up: set[int] = set()
        self._buffer = b""

    def pump(self, timeout: float = 0.0) -> None:
        """Read what the fork server said (waiting up to ``timeout`` for something)."""
        if self.dead:
            return
        readable, _, _ = select.select([self.sock], [], [], timeout)
        if not readable:
            return
        try:
            data = self.sock.recv(1 << 16)
        except OSError:
            data = b""
        if not data:
            self._died()
            return
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if "exit" in message:
                pid = int(message["exit"])
                if pid in self.given_up:
                    self.given_up.discard(pid)
                else:
                    self.exits[pid] = int(message["code"])
            elif message.get("ready"):
                self.ready = True
            elif "error" in message:
                self.error = str(message["error"])

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.ready and not self.dead and time.monotonic() < deadline:
            self.pump(min(0.2, max(0.0, deadline - time.monotonic())))
            if self.process.poll() is not None:
                self.pump()
                self._died()
        return self.ready and not self.dead

    def fork(self, job: dict[str, Any], out: int, err: int) -> tuple[int, int] | None:
        """Ask for a child running ``job``: its (PID, status pipe), or None if none was forked."""
        status_r, status_w = os.pipe()
        body = json.dumps(job).encode()
        try:
            socket.send_fds(self.sock, [HEADER.pack(len(body)) + body], [status_w, out, err])
        except OSError:
            self._died()
            os.close(status_r)
            return None
        finally:
            os.close(status_w)  # the child's copy is the only one left: its exit is EOF here
        pid = self._read_pid(status_r, FORK_WAIT_S)
        if pid is None and not _closed(status_r):
            # Hung (stopped, or starved): kill it so it can never fork this run later, then
            # see whether it had forked a child already (the child writes its PID first).
            self.kill()
            pid = self._read_pid(status_r, FORK_WAIT_S)
        if pid is None:
            os.close(status_r)
            return None
        os.set_blocking(status_r, False)
        return pid, status_r

    def _read_pid(self, fd: int, timeout: float) -> int | None:
        """The PID a child wrote to its status pipe; None if the pipe closed without one or
        nothing came within ``timeout``. Reads the fork server's reports meanwhile, so it is
        never blocked writing them."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            watched: list[Any] = [fd] if self.dead else [fd, self.sock]
            readable, _, _ = select.select(watched, [], [], left)
            if fd in readable:
                data = os.read(fd, 64)
                return int(data) if data.strip() else None
            if readable:
                self.pump()
        return None

    def _died(self) -> None:
        self.dead = True
        self.sock.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._died()

    def close(self) -> None:
        """Stop the fork server (its children go on)."""
        if not self.ready and self.process.poll() is None:
            self.kill()  # still importing: it has forked nothing, and would only finish first
            return
        if not self.dead:
            self._died()  # EOF on its socket: it exits
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _closed(fd: int) -> bool:
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable) and os.read(fd, 64) == b""


class ForkedProcess:
    """A run's process forked by a fork server, handled like a ``subprocess.Popen``."""

    def __init__(self, server: _ForkServer, pid: int, status: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._server = server
        self._status = status
        self._gone_at: float | None = None  # when its status pipe closed

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        self._server.pump()
        code = self._server.exits.pop(self.pid, None)
        if code is None and self._gone():
            assert self._gone_at is not None
            if self._server.dead:
                code = LOST_EXIT_CODE
            elif time.monotonic() - self._gone_at > _EXIT_CODE_WAIT_S:
                code = LOST_EXIT_CODE  # its fork server is alive but silent (stopped?)
                self._server.given_up.add(self.pid)
        if code is not None:
            self.returncode = code
            os.close(self._status)
        return self.returncode

    def _gone(self) -> bool:
        if self._gone_at is None:
            try:
                if os.read(self._status, 64) == b"":
                    self._gone_at = time.monotonic()
            except BlockingIOError:
                pass
        return self._gone_at is not None

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            code = self.poll()
            if code is not None:
                return code
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"flow run process {self.pid}", timeout or 0.0)
            waits = [self._status] + ([] if self._server.dead else [self._server.sock])
            left = 0.1 if deadline is None else max(0.0, min(0.1, deadline - time.monotonic()))
            select.select(waits, [], [], left)

    def send_signal(self, sig: int) -> None:
        if self.poll() is None and not self._gone():  # never signal a PID that may be reused
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Launcher:
    """Starts flow-run processes for ``serve()`` and ``ProcessWorker`` (see the module)."""

    def __init__(self) -> None:
        self._server: _ForkServer | None = None
        self._early_deaths = 0
        self._enabled: bool | None = None

    def start(self) -> None:
        """Start the fork server now, so it has imported by the first run."""
        if self._enabled is None:
            self._enabled = fork_supported()
        if self._enabled and self._server is None:
            self._server = _ForkServer()

    def _ready_server(self) -> _ForkServer | None:
        self.start()
        server = self._server
        if server is not None and server.dead and server.ready:
            # It died after serving (killed, or hung and killed): a new one. Waiting for its
            # imports costs a run no more than a cold start would, and a burst shares them.
            server.close()
            self._server = None
            self.start()
            server = self._server
        if server is None:
            return None
        if server.wait_ready(READY_WAIT_S):
            self._early_deaths = 0
            return server
        if not server.dead and server.process.poll() is None:
            return None  # still importing (a loaded machine): this run starts cold, later fork
        if server.error is not None:  # it will never be safe: stop trying
            print(f"riverrun: not forking flow runs: {server.error}.", file=sys.stderr)
            self._enabled = False
        self._early_deaths += 1
        if self._early_deaths >= _MAX_EARLY_DEATHS:
            self._enabled = False
        server.close()
        self._server = None
        return None

    def launch(
        self,
        flow_run_id: str,
        *,
        env: dict[str, str],
        cwd: str,
        quiet: bool = False,
        on_load_error: str = "fail",
    ) -> RunProcess:
        """Start the process that runs ``flow_run_id`` with exactly this environment and
        directory; ``quiet`` sends its output to /dev/null."""
        server = self._ready_server()
        if server is not None:
            forked = self._fork(server, flow_run_id, env, cwd, quiet, on_load_error)
            if forked is not None:
                return forked
        # Replace a dead fork server now: it imports while this run starts cold.
        if self._server is not None and self._server.dead:
            self._server.close()
            self._server = None
            self.start()
        output = subprocess.DEVNULL if quiet else None
        return subprocess.Popen(
            [sys.executable, "-m", "riverrun.deployments._execute", flow_run_id, on_load_error],
            cwd=cwd, env=env, stdout=output, stderr=output,
        )  # fmt: skip

    def _fork(
        self,
        server: _ForkServer,
        flow_run_id: str,
        env: dict[str, str],
        cwd: str,
        quiet: bool,
        on_load_error: str,
    ) -> ForkedProcess | None:
        job = {"id": flow_run_id, "on_load_error": on_load_error, "env": env, "cwd": cwd}
        null = os.open(os.devnull, os.O_WRONLY) if quiet else None
        try:
            # This process's own descriptors 1 and 2, as a Popen with stdout=None would give.
            forked = server.fork(job, 1 if null is None else null, 2 if null is None else null)
        except OSError:  # a closed descriptor 1 or 2: the cold start deals with it as Popen does
            forked = None
        finally:
            if null is not None:
                os.close(null)
        if forked is None:
            return None
        return ForkedProcess(server, *forked)

    def close(self) -> None:
        """Stop the fork server; the runs it started go on."""
        if self._server is not None:
            self._server.close()
            self._server = None


def terminate(process: RunProcess, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; returns once the process is gone."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_or_kill(process: RunProcess, deadline: float) -> None:
    """Wait for a process told to stop until ``deadline`` (monotonic), then kill it."""
    try:
        process.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
