"""Each system's own server on loopback, for the remote and server scenarios.

Starting one (``riverrun server start`` / ``prefect server start``) and timing it to the
first 200 from ``/api/health``; the resident memory of its whole process tree; scratch
PostgreSQL databases (created and dropped here) and the URL each system reads one from.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.plan import Case
from bench.runner import PREFECT_VENV, clean_env, new_record, python_for, stop_group

# The local PostgreSQL server (trust auth) that holds the scratch databases.
PG_ADMIN = os.environ.get(
    "BENCH_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres@127.0.0.1:5432")
# Each system's driver for the same database: riverrun's store is synchronous (psycopg),
# Prefect's server asynchronous (asyncpg).
PG_DRIVER = {"riverrun": "postgresql+psycopg", "prefect": "postgresql+asyncpg"}
POLL_S = 0.02  # health polling: the start time's resolution


@dataclass(frozen=True)
class Served:
    """A running server: its API URL, the process the harness launched, how long it took.

    Attributes:
        url: the API base URL (``http://127.0.0.1:PORT/api``).
        pid: the launched process (the root of the server's process tree).
        started_s: seconds from launch to the first 200 from ``/api/health``.
    """

    url: str
    pid: int
    started_s: float


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(system: str, port: int) -> list[str] | None:
    """The command that serves ``system``'s API on loopback ``port``; ``None`` if it has none.

    riverrun's server (``riverrun server start``, module ``riverrun._cli.server``) is
    detected at run time, so the remote scenarios start measuring it once it lands.
    """
    where = ["--host", "127.0.0.1", "--port", str(port)]
    if system == "prefect":
        return [str(PREFECT_VENV / "bin" / "prefect"), "server", "start", *where]
    probe = subprocess.run(
        [
            python_for(system),
            "-c",
            "import importlib.util as u, sys; "
            "sys.exit(u.find_spec('riverrun._cli.server') is None)",
        ],
        capture_output=True,
    )
    script = Path(python_for(system)).parent / "riverrun"
    if probe.returncode != 0 or not script.exists():
        return None
    return [str(script), "server", "start", *where]


def database_url(system: str, name: str) -> str:
    """The URL ``system`` reads the scratch PostgreSQL database ``name`` from."""
    return f"{PG_DRIVER[system]}://{PG_SERVER}/{name}"


def _pg(statement: str, dbname: str = "postgres") -> None:
    import psycopg  # the harness's interpreter has riverrun's postgres extra

    dsn = (
        PG_ADMIN
        if dbname == "postgres"
        else PG_ADMIN.replace("dbname=postgres", f"dbname={dbname}")
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


@contextmanager
def scratch_database(system: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for ``system``; yields its name, drops it after."""
    name = f"bench_{system}_{uuid.uuid4().hex[:10]}"
    _pg(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def analyze(name: str) -> None:
    """Refresh the planner's statistics after a bulk load (autovacuum would, a while later)."""
    _pg("ANALYZE", dbname=name)


@contextmanager
def server(
    system: str, home: Path, startup_timeout: float = 120.0, db_url: str | None = None
) -> Iterator[Served]:
    """Start ``system``'s own server on a free loopback port, serving ``home`` (or
    ``db_url``); yield it once ``/api/health`` answers 200.

    Waits (bounded); stops the server (its own process group) on exit.
    """
    port = free_port()
    cmd = server_command(system, port)
    if cmd is None:
        raise NotImplementedError(f"no {system} server to start yet")
    env = clean_env(system, home, db_url=db_url)
    env["PREFECT_UI_ENABLED"] = "false"  # the API alone is measured
    log_path = home.parent / "server.log"
    log = log_path.open("a")
    url = f"http://127.0.0.1:{port}/api"
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy

    def log_tail() -> str:
        return log_path.read_text(errors="replace")[-1500:]

    began = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=home.parent, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{system} server exited with {proc.returncode}: " + log_tail())
            try:
                with direct.open(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - began > startup_timeout:
                raise RuntimeError(
                    f"{system} server not healthy after {startup_timeout:.0f} s: " + log_tail()
                )
            time.sleep(POLL_S)
        yield Served(url, proc.pid, time.perf_counter() - began)
    finally:
        stop_group(proc, grace=30)  # type: ignore[arg-type]
        log.close()


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The fields after the command (in parentheses, may hold spaces): state, ppid.
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it (read from ``/proc``)."""
    children = _children()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_mib(pid: int) -> float:
    """The resident set size of one process in MiB (0 if it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss_mib(pid: int) -> tuple[float, int]:
    """RSS summed over ``pid``'s process tree (pages shared between processes count once
    per process, as ``ps`` shows them), and how many processes that is."""
    tree = process_tree(pid)
    return sum(rss_mib(p) for p in tree), len(tree)


def settled_rss_mib(
    pid: int,
    window: int = 6,
    tolerance_mib: float = 1.0,
    interval: float = 0.5,
    timeout: float = 30.0,
) -> tuple[float, int, float]:
    """The tree's RSS once idle: sampled every ``interval`` s until the last ``window``
    samples lie within ``tolerance_mib`` (or ``timeout`` passes).

    Returns the last sample, the number of processes, and the seconds it took to settle.
    """
    began = time.perf_counter()
    samples: list[float] = []
    count = 0
    while True:
        value, count = tree_rss_mib(pid)
        samples.append(value)
        recent = samples[-window:]
        settled = len(recent) == window and max(recent) - min(recent) <= tolerance_mib
        if settled or time.perf_counter() - began > timeout:
            return value, count, time.perf_counter() - began
        time.sleep(interval)


def postgres_problem() -> str | None:
    """Why the local PostgreSQL server cannot hold scratch databases, or ``None``."""
    try:
        _pg("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means: skip the PostgreSQL cases
        return f"no PostgreSQL server at {PG_SERVER} ({type(exc).__name__}: {exc})"
    return None


def launch(
    case: Case, system: str, home: Path, *, warmup: bool, db_url: str | None = None
) -> dict[str, Any]:
    """One run of a ``launch`` case: start ``system``'s server on ``home`` (or ``db_url``),
    time it to healthy and, for ``idle_rss_mb``, read its process tree's settled RSS.

    Returns a record like ``runner.run_program``'s (``wall_s``: launch to stopped).
    """
    record = new_record(case, system, None, warmup)
    began = time.perf_counter()
    try:
        with server(system, home, startup_timeout=case.timeout, db_url=db_url) as served:
            metrics: dict[str, Any] = {"start_s": served.started_s}
            if "idle_rss_mb" in case.metrics:
                rss, processes, settle_s = settled_rss_mib(served.pid)
                metrics.update(idle_rss_mb=rss, settle_s=settle_s)
            else:
                rss, processes = tree_rss_mib(served.pid)
                metrics.update(rss_at_healthy_mb=rss)
            metrics["processes"] = processes
    except (RuntimeError, NotImplementedError) as exc:
        record.update(status="error", metrics={}, check={}, error=str(exc))
        return record
    metrics["wall_s"] = time.perf_counter() - began
    record.update(status="ok", metrics=metrics, check={"healthy": True, "passed": True}, error=None)
    return record
