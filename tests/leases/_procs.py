"""Real flow processes for the lease tests: start one, wait for its run, kill it, read runs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# A flow that says its run ID once its body runs, then sleeps (or ignores SIGTERM, or waits
# for a file).
# Its on_cancellation hook leaves a file beside the script.
FLOW = textwrap.dedent(
    """
    import pathlib, sys, time
    from riverrun import flow, get_run_logger
    from riverrun.runtime import flow_run

    mode = sys.argv[1]
    here = pathlib.Path(__file__).parent

    def hook(flow_, run, state):
        (here / "cancel-hook").write_text(state.name)

    @flow(name="leased-job", on_cancellation=[hook])
    def job(seconds: float = 60.0):
        print("READY", flow_run.id, flush=True)
        if mode == "sleep":
            time.sleep(seconds)
        elif mode == "ignore-term":
            import signal
            signal.signal(signal.SIGTERM, lambda *_: None)  # a run that will not stop
            while True:
                time.sleep(0.05)
        elif mode == "wait-file":
            log = get_run_logger()
            for i in range(20):
                log.info(f"before {i}")
            gate = here / "go"
            deadline = time.monotonic() + 120
            while not gate.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            for i in range(20):
                log.info(f"after {i}")
        return "done"

    job(float(sys.argv[2]) if len(sys.argv) > 2 else 60.0, return_state=True)
    print("EXITED", flush=True)
    """
)


def env_for(home: Path, **settings: str) -> dict[str, str]:
    """A flow process's environment: this home, these ``RIVERRUN_*`` settings, nothing else."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
    env["RIVERRUN_HOME"] = str(home)
    env.update({f"RIVERRUN_{k.upper()}": v for k, v in settings.items()})
    return env


def start_flow(workdir: Path, home: Path, mode: str = "sleep", *args: str,
               **settings: str) -> subprocess.Popen[str]:  # fmt: skip
    """Start ``FLOW`` in a subprocess."""
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "job.py"
    script.write_text(FLOW)
    return subprocess.Popen([sys.executable, str(script), mode, *args], env=env_for(home, **settings),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


@contextmanager
def flow_process(workdir: Path, home: Path, mode: str = "sleep", *args: str,
                 **settings: str) -> Iterator[subprocess.Popen[str]]:  # fmt: skip
    """``start_flow``, killed (if still running) and reaped at the end."""
    proc = start_flow(workdir, home, mode, *args, **settings)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def read_ready(proc: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The run ID the flow process prints once its body runs."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("READY "):
            return line.split()[1]
        if not line and proc.poll() is not None:
            raise AssertionError(
                f"the flow process exited early: {proc.stderr.read() if proc.stderr else ''}"
            )
    raise AssertionError("the flow process never started its body")


def wait_until(condition: Callable[[], object], what: str, timeout: float = 60.0) -> float:
    """Poll ``condition`` until true (fail naming ``what`` after ``timeout`` s); seconds taken."""
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < timeout, (
            f"timed out after {timeout:g} s waiting for {what}"
        )
        time.sleep(0.05)
    return time.monotonic() - began


def row(home: Path, run_id: str) -> dict[str, object] | None:
    """The run's row in the embedded file, read with plain sqlite3 (no riverrun check runs)."""
    db = home / "riverrun.db"
    if not db.exists():
        return None
    conn = sqlite3.connect(db)
    try:
        conn.row_factory = sqlite3.Row
        try:
            found = conn.execute("SELECT * FROM flow_run WHERE id = ?", [run_id]).fetchone()
        except sqlite3.OperationalError:
            return None  # the file is being created by the flow process
        return None if found is None else dict(found)
    finally:
        conn.close()


def cli(home: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """A ``riverrun`` command in its own process."""
    code = "import sys; from riverrun._cli.main import app; sys.exit(app())"
    return subprocess.run([sys.executable, "-c", code, *args], env=env_for(home, **settings),
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def inspect(home: Path, run_id: str, **settings: str) -> dict[str, object]:
    """``riverrun flow-run inspect ID --json`` from a new process."""
    done = cli(home, "flow-run", "inspect", run_id, "--json", **settings)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]
