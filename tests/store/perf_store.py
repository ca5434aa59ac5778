"""Measure the store (not a test; run by hand): ``python tests/store/perf_store.py [URL]``.

Ingests 100,000 task runs (created, running, completed) through the embedded writer, then
100,000 flow runs, and times the seed guide's query (name like_, tag all_, state name any_,
start_time after_, START_TIME_DESC, limit 50).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from riverrun._internal.clock import now_us
from riverrun._store.dialect import sqlite_path, sqlite_url
from riverrun._store.embedded import EmbeddedWriter
from riverrun._store.service import Store
from riverrun._store.testing import flow_run_event, state_event, task_run_lifecycle
from riverrun.schemas import filters as f
from riverrun.schemas.sorting import FlowRunSort

N = int(os.environ.get("RIVERRUN_PERF_N", "100000"))


def ingest_task_runs(write: object) -> None:
    run = flow_run_event()
    t0 = now_us()
    events = [run]
    for i in range(N):
        events.extend(task_run_lifecycle(run["id"], t0 + i * 100))
    start = time.perf_counter()
    for i in range(0, len(events), 2000):
        write(events[i : i + 2000])  # type: ignore[operator]
    took = time.perf_counter() - start
    print(f"ingest: {N:,} task runs ({len(events):,} events, ~{4 * N:,} rows) in {took:.2f} s "
          f"= {len(events) / took:,.0f} events/s")  # fmt: skip


def ingest_flow_runs(write: object) -> None:
    rng = random.Random(1)
    now = now_us()
    events = []
    for i in range(N):
        start = now - rng.randrange(0, 30 * 86_400_000_000)
        run = flow_run_event(
            flow_name=rng.choice(["vtasks.gcal.summary", "vtasks.backup", "etl"]),
            name=f"run-{i}",
            tags=[rng.choice(["env:pro", "env:pre"]), rng.choice(["a", "b", "c"])],
            created=start - 1000,
        )
        events.append(run)
        events.append(state_event(run["id"], "RUNNING", timestamp=start, start_time=start))
        final = rng.choice(["COMPLETED", "COMPLETED", "FAILED"])
        events.append(state_event(run["id"], final, timestamp=start + 10, end_time=start + 10))
    for i in range(0, len(events), 5000):
        write(events[i : i + 5000])  # type: ignore[operator]


def query(store: Store) -> None:
    flt = f.FlowRunFilter(
        name=f.FlowRunFilterName(like_="run-1"),
        tags=f.FlowRunFilterTags(all_=["env:pro"]),
        state=f.FlowRunFilterState(name=f.FlowRunFilterStateName(any_=["Completed"])),
        start_time=f.FlowRunFilterStartTime(after_=datetime.now(timezone.utc) - timedelta(days=1)),
    )
    times = []
    for _ in range(200):
        start = time.perf_counter()
        found = store.read_flow_runs(flow_run_filter=flt, sort=FlowRunSort.START_TIME_DESC,
                                     limit=50)  # fmt: skip
        times.append(time.perf_counter() - start)
    times.sort()
    print(
        f"query: {len(found)} runs; median {statistics.median(times) * 1000:.1f} ms, "
        f"p99 {times[int(len(times) * 0.99) - 1] * 1000:.1f} ms"
    )


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        url = url or sqlite_url(Path(tmp) / "perf.db")
        store = Store(url)
        if url.startswith("sqlite"):
            writer = EmbeddedWriter(sqlite_path(url))
            write = writer.ingest
        else:
            write = store.ingest
        if os.environ.get("RIVERRUN_PERF_TASKS", "1") != "0":
            ingest_task_runs(write)
        ingest_flow_runs(write)
        if not url.startswith("sqlite"):
            from sqlalchemy import text

            with store.begin() as conn:  # fresh statistics, as autovacuum would provide
                conn.execute(text("ANALYZE"))
        query(store)
        store.dispose()


if __name__ == "__main__":
    main()
