"""Time to mark a killed flow run ``Crashed``: riverrun remote and embedded, beside Prefect 3.

Each case starts a flow process whose body sleeps, waits until its run is recorded running,
sends it SIGKILL and measures how long until the run reads ``Crashed``:

- ``remote``: against ``riverrun server start`` on SQLite with default settings (30 s lease,
  a sweep every 5 s): the server's lease sweeper does it;
- ``embedded``: no server; the next riverrun process that opens the store does it, so the time
  is that of the next ``riverrun flow-run inspect ID`` (a new process) after the kill;
- ``prefect``: Prefect 3.9.1 with its defaults (no worker, no automation, its temporary
  server): the run is read for ``--prefect-wait`` seconds (default 60); Prefect marks nothing
  (its crash detection for a plain process needs ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` plus an
  automation on missed heartbeats, or a worker), so the answer is its state at the end.

Usage: ``python bench/crash_detection.py [remote] [embedded] [prefect]`` (default: all three)
with riverrun's interpreter; ``PREFECT_PYTHON`` names Prefect's (default
``/work/prefect-venv/bin/python``). Prints one JSON line per case. Bounded: ~1 minute each.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

FLOW = textwrap.dedent(
    """
    import sys, time
    from {system} import flow
    from {system}.runtime import flow_run

    @flow(name="crash-bench")
    def job():
        print("READY", flow_run.id, flush=True)
        time.sleep(600)

    job()
    """
)

READ_PREFECT = textwrap.dedent(
    """
    import sys
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as c:
        print(c.read_flow_run(sys.argv[1]).state.type.value)
    """
)


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIVERRUN_", "PREFECT_"))}
    env["RIVERRUN_HOME"] = str(home)
    env.update(extra)
    return env


def _start(python: str, system: str, workdir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    script = workdir / f"{system}_job.py"
    script.write_text(FLOW.format(system=system))
    proc = subprocess.Popen([python, str(script)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("READY "):
            return proc, line.split()[1]
    raise RuntimeError(f"the {system} flow process never started its body")


def _riverrun_state(run_id: str, env: dict[str, str]) -> str:
    code = "import sys; from riverrun._cli.main import app; sys.exit(app())"
    done = subprocess.run([sys.executable, "-c", code, "flow-run", "inspect", run_id, "--json"],
                          env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    return str(json.loads(done.stdout)["state_type"]) if done.returncode == 0 else "?"


def _wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def remote(tmp: Path) -> dict[str, object]:
    from riverrun._store.dialect import sqlite_url
    from riverrun._store.service import Store
    from riverrun.server.testing import ServerProcess

    with ServerProcess(tmp / "server") as server:
        store = Store(sqlite_url(server.home / "riverrun.db"))
        proc, run_id = _start(sys.executable, "riverrun", tmp, _env(tmp / "flow", RIVERRUN_API_URL=server.api_url))

        def leased() -> bool:
            try:
                return store.read_flow_run(run_id).state_name == "Running"
            except Exception:
                return False

        _wait(leased, 30)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed = time.monotonic()
        crashed = _wait(lambda: store.read_flow_run(run_id).state_name == "Crashed", 90)
        took = time.monotonic() - killed
        store.dispose()
    return {"case": "remote (server on SQLite, default settings)", "crashed": crashed, "seconds": round(took, 2)}


def embedded(tmp: Path) -> dict[str, object]:
    import sqlite3

    home = tmp / "embedded"
    env = _env(home)
    proc, run_id = _start(sys.executable, "riverrun", tmp, env)

    def recorded() -> bool:
        try:
            conn = sqlite3.connect(home / "riverrun.db")
            row = conn.execute("SELECT pid FROM flow_run WHERE id = ?", [run_id]).fetchone()
            conn.close()
            return row is not None and row[0] is not None
        except sqlite3.Error:
            return False

    _wait(recorded, 30)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = time.monotonic()
    state = _riverrun_state(run_id, env)
    took = time.monotonic() - killed
    return {"case": "embedded (the next CLI process)", "crashed": state == "CRASHED", "seconds": round(took, 2)}


def prefect(tmp: Path, wait_s: float) -> dict[str, object]:
    python = os.environ.get("PREFECT_PYTHON", "/work/prefect-venv/bin/python")
    home = tmp / "prefect-home"
    env = _env(home, PREFECT_HOME=str(home))
    proc, run_id = _start(python, "prefect", tmp, env)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = time.monotonic()
    script = tmp / "read_prefect.py"
    script.write_text(READ_PREFECT)
    state = "RUNNING"
    while time.monotonic() - killed < wait_s:
        state = subprocess.run([python, str(script), run_id], env=env, capture_output=True,
                               text=True, timeout=120).stdout.strip()  # fmt: skip
        if state != "RUNNING":
            break
    return {"case": "prefect 3.9.1 (defaults, no worker/automation)", "crashed": state == "CRASHED",
            "state_after_s": round(time.monotonic() - killed, 1), "state": state}  # fmt: skip


def main() -> None:
    cases = sys.argv[1:] or ["remote", "embedded", "prefect"]
    wait_s = float(os.environ.get("PREFECT_WAIT", "60"))
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for case in cases:
            result = prefect(tmp, wait_s) if case == "prefect" else globals()[case](tmp)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
