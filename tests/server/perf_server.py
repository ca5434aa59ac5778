"""Measure the server (not a test): start to healthy, idle RSS, ingest rates over HTTP, and the
seed guide's flow-run query p50/p99 over 100,000 runs through HTTP, on SQLite and PostgreSQL.

    .venv/bin/python tests/server/perf_server.py            # SQLite and PostgreSQL
    .venv/bin/python tests/server/perf_server.py sqlite     # one of them
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from riverrun._internal.clock import now_us
from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun._store.testing import flow_run_event, log_event, state_event, task_run_lifecycle
from riverrun.client._http import HttpBackend
from riverrun.client.schemas import filters as f
from riverrun.client.schemas.sorting import FlowRunSort
from riverrun.server.testing import ServerProcess, scratch_postgres

N_RUNS = 100_000


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _seed(url: str) -> None:
    """100,000 flow runs (created, running, final), as perf_store.py seeds them."""
    rng = random.Random(1)
    now = now_us()
    store = Store(url)
    events: list[dict[str, Any]] = []
    for i in range(N_RUNS):
        start = now - rng.randrange(0, 30 * 86_400_000_000)
        run = flow_run_event(flow_name=rng.choice(["vtasks.gcal.summary", "vtasks.backup", "etl"]),
                             name=f"run-{i}", tags=[rng.choice(["env:pro", "env:pre"]),
                                                    rng.choice(["a", "b", "c"])],
                             created=start - 1000)  # fmt: skip
        final = rng.choice(["COMPLETED", "COMPLETED", "FAILED"])
        events += [run, state_event(run["id"], "RUNNING", timestamp=start, start_time=start),
                   state_event(run["id"], final, timestamp=start + 10, end_time=start + 10)]  # fmt: skip
    for i in range(0, len(events), 5000):
        store.ingest(events[i : i + 5000])
    if not store.is_sqlite:
        with store.begin() as conn:
            conn.execute(store.text("ANALYZE"))
    store.dispose()


def _runs_per_second(api: str, seconds: float = 5.0, per_batch: int = 100) -> float:
    """Flow runs created, started and completed (3 events each) per second via /events."""
    done, began = 0, time.perf_counter()
    with httpx.Client(timeout=60) as client:
        while time.perf_counter() - began < seconds:
            events = []
            for _ in range(per_batch):
                run = flow_run_event(flow_name="perf-runs")
                t0 = run["created"]
                events += [run, state_event(run["id"], "RUNNING", timestamp=t0 + 1, start_time=t0 + 1),
                           state_event(run["id"], "COMPLETED", timestamp=t0 + 2, end_time=t0 + 2)]  # fmt: skip
            client.post(f"{api}/events", json={"events": events}).raise_for_status()
            done += per_batch
    return done / (time.perf_counter() - began)


def _events_per_second(api: str, seconds: float = 5.0) -> float:
    """Mixed events (a run, 10 task runs, 10 logs: ~52 events a run) per second, 1,000 a batch."""
    sent, began = 0, time.perf_counter()
    with httpx.Client(timeout=60) as client:
        while time.perf_counter() - began < seconds:
            events: list[dict[str, Any]] = []
            while len(events) < 1000:
                run = flow_run_event(flow_name="perf-events")
                events.append(run)
                for _ in range(10):
                    events += task_run_lifecycle(run["id"], run["created"])
                    events.append(log_event(run["id"], "a log line of ordinary length, say"))
            client.post(f"{api}/events", json={"events": events}).raise_for_status()
            sent += len(events)
    return sent / (time.perf_counter() - began)


def _guide_query(api: str, rounds: int = 300) -> tuple[float, float, int]:
    backend = HttpBackend(SimpleNamespace(api_url=api, api_key=None))  # type: ignore[arg-type]
    flt = f.FlowRunFilter(
        name=f.FlowRunFilterName(like_="run-1"),
        tags=f.FlowRunFilterTags(all_=["env:pro"]),
        state=f.FlowRunFilterState(name=f.FlowRunFilterStateName(any_=["Completed"])),
        start_time=f.FlowRunFilterStartTime(after_=datetime.now(timezone.utc) - timedelta(days=1)),
    )
    times, found = [], 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        found = len(backend.read_flow_runs(flow_run_filter=flt, sort=FlowRunSort.START_TIME_DESC,
                                           limit=50))  # fmt: skip
        times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000, found


def measure(kind: str, home: Path, url: str | None) -> None:
    db_url = url or sqlite_url(home / "riverrun.db")
    Store(db_url).engine.dispose()  # an existing, migrated database
    starts = []
    for _ in range(3):
        with ServerProcess(home, url, args=["--log-level", "warning"]) as server:
            assert server.started_in is not None
            starts.append(server.started_in)
    with ServerProcess(home, url, args=["--log-level", "warning"]) as server:
        assert server.pid is not None
        httpx.get(f"{server.api_url}/version")
        rss = _rss_mib(server.pid)
        runs = _runs_per_second(server.api_url)
        events = _events_per_second(server.api_url)
    _seed(db_url)
    with ServerProcess(home, url, args=["--log-level", "warning"]) as server:
        p50, p99, found = _guide_query(server.api_url)
    print(f"[{kind}] start to healthy: median {statistics.median(starts):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in starts)}); idle RSS {rss:.0f} MiB")
    print(f"[{kind}] flow runs created+completed over HTTP: {runs:,.0f}/s; "
          f"events ingested: {events:,.0f}/s")
    print(f"[{kind}] guide query over {N_RUNS:,} runs via HTTP ({found} found): "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms")


def main() -> None:
    kinds = sys.argv[1:] or ["sqlite", "postgres"]
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp:
            if kind == "sqlite":
                measure(kind, Path(tmp), None)
            else:
                with scratch_postgres("riverrun_perf") as url:
                    measure(kind, Path(tmp), url)


if __name__ == "__main__":
    main()
