"""What the fault-injection tests share: flow processes, a scripted server, counting events.

Every test counts what was emitted against what ended up stored, spooled or set aside with
the server's answer: zero lost is the assertion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from riverrun.server.testing import free_port

# A flow of ``n`` tasks, each logging a line; with a gate file it stops halfway until the
# gate appears (after writing ``halfway`` beside it), so a test can break something mid-run.
FLOW = textwrap.dedent(
    """
    import pathlib, sys, time
    from riverrun import flow, task, get_run_logger

    n = int(sys.argv[1])
    gate = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else None

    @task
    def step(i):
        get_run_logger().info(f"line {i}")
        return i

    @flow(name="fault-job")
    def job():
        for i in range(n // 2):
            step(i)
        if gate is not None:
            (gate.parent / "halfway").write_text("yes")
            deadline = time.monotonic() + 120
            while not gate.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        for i in range(n // 2, n):
            step(i)
        return n

    print("result", job())
    """
)


def flow_env(home: Path, tmpdir: Path | None = None, **settings: str) -> dict[str, str]:
    """The environment of a flow process: its own RIVERRUN_HOME (and TMPDIR), plus
    ``RIVERRUN_*`` settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
    env["RIVERRUN_HOME"] = str(home)
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    env.update({f"RIVERRUN_{k.upper()}": v for k, v in settings.items()})
    return env


def start_flow(workdir: Path, home: Path, n: int, gate: Path | None = None,
               tmpdir: Path | None = None, **settings: str) -> subprocess.Popen[str]:  # fmt: skip
    """Start ``FLOW`` with ``n`` tasks in a subprocess."""
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "job.py"
    script.write_text(FLOW)
    args = [sys.executable, str(script), str(n)] + ([str(gate)] if gate else [])
    return subprocess.Popen(args, env=flow_env(home, tmpdir, **settings), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def run_flow(workdir: Path, home: Path, n: int, tmpdir: Path | None = None,
             **settings: str) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Run ``FLOW`` to the end (at most two minutes)."""
    proc = start_flow(workdir, home, n, tmpdir=tmpdir, **settings)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def riverrun_cli(home: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run a ``riverrun`` command with a home and settings."""
    code = "import sys; from riverrun._cli.main import app; sys.exit(app())"
    return subprocess.run([sys.executable, "-c", code, *args], env=flow_env(home, **settings),
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def wait_until(condition: Callable[[], object], what: str, timeout: float = 60.0,
               proc: subprocess.Popen[str] | None = None) -> None:  # fmt: skip
    """Poll ``condition`` until it is true; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the process exited before {what}: {proc.communicate()[1]}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def spooled_events(directory: Path) -> list[dict[str, Any]]:
    """Events in the spool files of ``directory`` (pending ones: lists; rejected: with answer)."""
    events: list[dict[str, Any]] = []
    if not directory.exists():
        return events
    for path in sorted(directory.glob("*.json")):
        document = json.loads(path.read_text())
        events.extend(document["events"] if isinstance(document, dict) else document)
    return events


def expected_lines(n: int) -> set[str]:
    """The log lines ``FLOW`` with ``n`` tasks emits."""
    return {f"line {i}" for i in range(n)}


class ScriptedServer:
    """A real HTTP server on loopback that answers ``POST /api/events`` as a test scripts it.

    ``answer(body)`` returns ``(status, headers, json_body)``; a 2xx stores the batch's events
    (by ID, so a replay stores nothing twice). Every request is kept in ``requests`` with the
    time it arrived.
    """

    def __init__(self, answer: Callable[[dict[str, Any]], tuple[int, dict[str, str], Any]]) -> None:
        self.answer = answer
        self.stored: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[float, int, int]] = []  # (monotonic time, events, status)
        self.lock = threading.Lock()
        self.port = free_port()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                body = json.loads(raw) if raw else {}
                status, headers, payload = server.answer(body)
                events = body.get("events", [])
                with server.lock:
                    server.requests.append((time.monotonic(), len(events), status))
                    if status < 300:
                        for event in events:
                            server.stored[event["id"]] = event
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"content-type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @contextmanager
    def running(self) -> Iterator[ScriptedServer]:
        self._thread.start()
        try:
            yield self
        finally:
            self._httpd.shutdown()
            self._httpd.server_close()


def recorded(api_url: str, key: str | None = None) -> dict[str, Any]:
    """Every flow run, task run and log line a server holds."""
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=api_url + "/", timeout=30, headers=headers) as api:
        return {name: api.post(f"{name}/filter", json={"limit": 10_000}).json()
                for name in ("flow_runs", "task_runs", "logs")}  # fmt: skip


def assert_runs_complete(found: dict[str, Any], runs: int, n: int) -> None:
    """``runs`` completed runs of ``FLOW`` with ``n`` tasks, every task and log line present."""
    assert [r["state_type"] for r in found["flow_runs"]] == ["COMPLETED"] * runs
    assert len(found["task_runs"]) == runs * n
    assert all(t["state_type"] == "COMPLETED" for t in found["task_runs"])
    lines = sorted(log["message"] for log in found["logs"] if log["message"].startswith("line "))
    assert lines == sorted(f"line {i}" for i in range(n) for _ in range(runs))


def stored(db: Path) -> dict[str, Any]:
    """What an embedded store file holds, shaped as ``recorded`` returns it."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return {
            "flow_runs": [
                {"state_type": s} for (s,) in conn.execute("SELECT state_type FROM flow_run")
            ],
            "task_runs": [
                {"state_type": s} for (s,) in conn.execute("SELECT state_type FROM task_run")
            ],
            "logs": [{"message": m} for (m,) in conn.execute("SELECT message FROM log")],
        }
    finally:
        conn.close()


@contextmanager
def small_disk(mountpoint: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``mountpoint`` (the tests run as root, as CI does)."""
    mountpoint.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mountpoint)], check=True
    )
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill ``disk`` with one file until no space is left, then free ``leave`` bytes of it."""
    filler = disk / "filler"
    with filler.open("ab", buffering=0) as handle:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while handle.write(b"\0" * size):
                    pass
            except OSError:
                continue
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler
