"""Run one scenario program once, in a fresh subprocess with a fresh home, and read its result.

Also: the interpreter of each system (creating Prefect's virtualenv when missing), a clean
environment (no ``PREFECT_*``/``RIVERRUN_*`` from the caller; homes in temp dirs, never
``~/.prefect`` or ``~/.riverrun``), counting rows in a store's SQLite file after a process
exits, and seeding. Servers on loopback and PostgreSQL databases are in ``servers.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.plan import Case

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SCENARIOS = BENCH / "scenarios"
PREFECT_VENV = BENCH / ".venv-prefect"
PREFECT_VERSION = "3.9.1"
INSTALL_PREFECT = REPO.parent / "shared" / "peers" / "install-prefect"
DB_FILE = {"riverrun": "riverrun.db", "prefect": "prefect.db"}
HOME_VAR = {"riverrun": "RIVERRUN_HOME", "prefect": "PREFECT_HOME"}
API_VAR = {"riverrun": "RIVERRUN_API_URL", "prefect": "PREFECT_API_URL"}
DB_VAR = {"riverrun": "RIVERRUN_DATABASE_URL", "prefect": "PREFECT_API_DATABASE_CONNECTION_URL"}


def python_for(system: str) -> str:
    """The interpreter that runs ``system``'s scenario programs."""
    if system == "riverrun":
        return sys.executable
    return str(PREFECT_VENV / "bin" / "python")


def ensure_prefect() -> None:
    """Create ``bench/.venv-prefect`` with prefect==3.9.1 when it is missing.

    Uses ``../shared/peers/install-prefect`` (relative to the repo root): a plain
    ``pip install prefect==3.9.1`` fails on these machines because of a certifi pin.
    """
    probe = [
        python_for("prefect"),
        "-c",
        "import prefect, prefect_dask, prefect_ray, sys; "
        f"sys.exit(prefect.__version__ != {PREFECT_VERSION!r})",
    ]
    if Path(probe[0]).exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return
    if not INSTALL_PREFECT.exists():
        raise SystemExit(
            f"{INSTALL_PREFECT} not found; install Prefect {PREFECT_VERSION} into "
            f"{PREFECT_VENV} yourself, or run with --systems riverrun"
        )
    print(f"creating {PREFECT_VENV} with prefect=={PREFECT_VERSION} ...", file=sys.stderr)
    # The dask_map / ray_map scenarios run Prefect's own Dask and Ray runners.
    extras = {**os.environ, "PREFECT_EXTRAS": "prefect-dask==0.3.7 prefect-ray"}
    subprocess.run(
        [str(INSTALL_PREFECT), str(PREFECT_VENV), PREFECT_VERSION], check=True, cwd=REPO, env=extras
    )


def system_version(system: str) -> str | None:
    """``riverrun.__version__`` / ``prefect.__version__`` read by that system's interpreter."""
    proc = subprocess.run(
        [python_for(system), "-c", f"import {system}; print({system}.__version__)"],
        capture_output=True,
        text=True,
        env=clean_env(system, None),
    )
    return proc.stdout.strip() or None


def git_commit() -> str | None:
    """The repository's current commit (what riverrun code was measured)."""
    proc = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    )
    return proc.stdout.strip() or None


def python_version(system: str) -> str:
    """The Python version of ``system``'s interpreter."""
    proc = subprocess.run(
        [python_for(system), "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip()


def clean_env(
    system: str, home: Path | None, api_url: str | None = None, db_url: str | None = None
) -> dict[str, str]:
    """The environment of a scenario process: the caller's, minus every riverrun/Prefect
    setting, plus a home of its own (and the API URL in the remote scenarios, the database
    URL where it is PostgreSQL).

    Bytecode caching is left on, as on a user's machine. Prefect's anonymous telemetry is switched off: it phones home, and on a fresh home its
    first write races the temporary server's own ("database is locked").
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RIVERRUN_"))}
    env["PYTHONUNBUFFERED"] = "1"
    # Users' interpreters cache bytecode; the warm-up run fills the caches for both systems.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if system == "prefect":
        env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
        env["DO_NOT_TRACK"] = "1"
    if home is not None:
        env[HOME_VAR[system]] = str(home)
    if api_url is not None:
        env[API_VAR[system]] = api_url
    if db_url is not None:
        env[DB_VAR[system]] = db_url
    return env


@contextmanager
def temp_home(system: str, template: Path | None = None) -> Iterator[Path]:
    """A fresh home directory (a copy of ``template`` if given), removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix=f"bench-{system}-"))
    home = root / "home"
    try:
        if template is not None:
            shutil.copytree(template, home)
        else:
            home.mkdir()
        yield home
    finally:
        shutil.rmtree(root, ignore_errors=True)


def parse_result(stdout: str) -> dict[str, Any] | None:
    """The program's result line (the last line starting ``{"bench_result"``), if any."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith('{"bench_result"'):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def count_after_exit(system: str, home: Path) -> dict[str, Any]:
    """Count flow and task runs, by state type, in the store's SQLite file.

    Read straight from the file after the process has exited, so it shows what a user's
    script really left behind (no temporary server is running any more to ask).
    """
    db = home / DB_FILE[system]
    if not db.exists():
        return {"db_found": False}
    out: dict[str, Any] = {"db_found": True}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for table in ("flow_run", "task_run"):
            rows = conn.execute(
                f"SELECT upper(state_type), count(*) FROM {table} GROUP BY upper(state_type)"
            ).fetchall()
            out[table] = {str(state): count for state, count in rows}
    return out


def new_record(case: Case, system: str, n: int | None, warmup: bool) -> dict[str, Any]:
    """The fields every run's record starts with."""
    return {
        "case": case.key,
        "scenario": case.scenario,
        "n": n,
        "system": system,
        "warmup": warmup,
        "remote": case.remote,
        "database": case.database,
    }


def run_program(
    case: Case,
    system: str,
    n: int | None,
    home: Path,
    *,
    warmup: bool,
    extra_args: tuple[str, ...] = (),
    api_url: str | None = None,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Run ``case``'s program once for ``system`` and return the run's record.

    ``status`` is ``ok``, ``failed`` (the program's check failed, or it crashed),
    ``timeout`` or ``error`` (no result line). ``metrics.wall_s`` is the whole process,
    measured here.
    """
    cmd = [python_for(system), str(SCENARIOS / case.program), "--system", system]
    if n is not None:
        cmd += ["--n", str(n)]
    cmd += [*case.args, *extra_args]
    record = new_record(case, system, n, warmup)
    workdir = home.parent
    start = time.perf_counter()
    # Its own session, so that on timeout the whole group goes, Prefect's temporary server too.
    proc = subprocess.Popen(
        cmd,
        env=clean_env(system, home, api_url, db_url),
        cwd=workdir,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=case.timeout)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        record.update(
            status="timeout", metrics={}, check={}, error=f"killed after {case.timeout:.0f} s"
        )
        return record
    except BaseException:
        stop_group(proc)
        raise
    wall = time.perf_counter() - start
    stop_group(proc)  # a server the program left behind
    result = parse_result(stdout)
    if result is None:
        record.update(
            status="error",
            metrics={"wall_s": wall},
            check={},
            error=f"exit {proc.returncode}, no result line; stderr: " + stderr[-2000:],
        )
        return record
    metrics = dict(result.get("metrics") or {})
    metrics["wall_s"] = wall
    check = dict(result.get("check") or {})
    ok = bool(result.get("ok")) and proc.returncode == 0
    if case.after_exit:
        after = count_after_exit(system, home)
        check["after_exit"] = after
        task_runs = after.get("task_run", {}).get("COMPLETED", 0)
        flow_runs = after.get("flow_run", {}).get("COMPLETED", 0)
        metrics["task_runs_after_exit"] = task_runs
        metrics["flow_runs_after_exit"] = flow_runs
        if case.scenario == "first_run":
            # The one flow run and its one task run must be on disk when the script ends.
            check["recorded_after_exit"] = flow_runs == 1 and task_runs == 1
            ok = ok and check["recorded_after_exit"]
    record.update(
        status="ok" if ok else "failed",
        metrics=metrics,
        check=check,
        error=result.get("error") if not ok else None,
    )
    if not ok and proc.returncode != 0 and not record["error"]:
        record["error"] = stderr[-2000:]
    return record


def stop_group(proc: subprocess.Popen[str], grace: float = 10.0) -> None:
    """End the process group ``proc`` leads (SIGTERM, then SIGKILL after ``grace`` s)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


SEED_METHOD = {"riverrun": "flows", "prefect": "models"}


def seed_home(
    case: Case, system: str, n: int, home: Path, db_url: str | None = None
) -> dict[str, Any]:
    """Seed ``home`` (or the database at ``db_url``) with ``n`` flow runs (untimed setup;
    see ``scenarios/seed.py``). On SQLite the rows are counted in the file afterwards; on
    PostgreSQL the query program counts them through the API before it measures."""
    method = case.seed_method.get(system, SEED_METHOD[system])
    seed_case = Case("seed", "seed.py", n, ("seed_s",), timeout=1800.0)
    record = run_program(
        seed_case,
        system,
        n,
        home,
        warmup=False,
        db_url=db_url,
        extra_args=("--method", method, "--out", str(home / "bench-seed.json")),
    )
    record.update(case=case.key, method=method)
    if db_url is not None:
        return record
    counted = count_after_exit(system, home)
    total = sum(counted.get("flow_run", {}).values())
    record.update(seeded_flow_runs=total)
    if record["status"] == "ok" and total != n:
        record.update(status="failed", error=f"seeded {total} flow runs, expected {n}")
    return record
