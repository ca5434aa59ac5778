"""The scheduler at scale: N deployments, each on a 1-minute cron, in one work pool.

Steps, on the embedded SQLite file (``--database sqlite``) or a scratch PostgreSQL database
(``--database postgres``), through the store's own operations, as the server's services call
them:

1. create N deployments (``create_deployment`` with one ``* * * * *`` schedule each);
2. the first scheduler pass (``schedule_deployment_runs``) materialises every deployment's
   upcoming runs (Prefect's bounds: at least 3 runs and 1 hour ahead): time and runs created;
3. a second pass, the steady state (it only tops up: one run a deployment for each minute
   the first pass took), and a pass as of a minute later (one new run per deployment, what
   every minute's pass does); CPU time beside wall time for each pass;
4. one worker claims due runs from the pool (``claim_work_pool_runs``, long-polling, 100 a
   claim) across the next minute boundary: lateness = claim time - expected start, p50/p99,
   over the N runs due at that minute. The claimed runs are not executed: this measures the
   scheduler and the claim, not process start-up (``bench/workers.py`` measures that).

riverrun only: Prefect's scheduler service materialises 100 deployments a loop, every 60 s, so
10,000 deployments need its server for over an hour before the first minute is complete.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from _common import main

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


@contextmanager
def _database(kind: str, home: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{home}/riverrun.db"
        return
    import psycopg

    name = f"bench_scheduler_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from riverrun._store.service import open_store

    home = os.environ.get("RIVERRUN_HOME") or os.path.expanduser("~/.riverrun")
    os.makedirs(home, exist_ok=True)
    if args.claim_only:  # the deployments and their runs of an earlier run of this program
        store = open_store(f"sqlite:///{home}/riverrun.db")
        t0, c0 = time.perf_counter(), time.process_time()
        # Without the pass, the runs an earlier pass made up to an hour ahead are claimed.
        topped_up = 0 if args.skip_pass else store.schedule_deployment_runs()
        metrics = {"deployments": args.n, "pass_s": time.perf_counter() - t0,
                   "pass_cpu_s": time.process_time() - c0, "pass_created": topped_up}  # fmt: skip
        claimed = _claim_a_minute(store, args.n)
        return {**metrics, **claimed}, {"passed": claimed["runs_claimed_at_the_minute"] == args.n}
    with _database(args.database, home) as url:
        store = open_store(url)
        metrics = _materialise(store, args.n)
        claimed = _claim_a_minute(store, args.n)
    check = {
        # The second pass creates a run a deployment for each minute the first one took.
        "passed": metrics["runs_materialised"] >= 3 * args.n
        and claimed["runs_claimed_at_the_minute"] == args.n,
        "runs_claimed_at_the_minute": claimed["runs_claimed_at_the_minute"],
    }
    return {**metrics, **claimed}, check


def _materialise(store: Any, n: int) -> dict[str, Any]:
    """Create the deployments and time the scheduler's passes over them."""
    from riverrun.schemas.actions import DeploymentScheduleCreate, WorkPoolCreate
    from riverrun.schemas.schedules import CronSchedule

    store.create_work_pool(WorkPoolCreate(name="bench-pool", type="process"))
    flow_id = store.create_flow_from_name("bench-scheduled")
    every_minute = [DeploymentScheduleCreate(schedule=CronSchedule(cron="* * * * *"))]
    t0 = time.perf_counter()
    for i in range(n):
        store.create_deployment(
            flow_id, f"dep-{i}", schedules=every_minute, work_pool_name="bench-pool"
        )
    create_s = time.perf_counter() - t0
    # CPU time beside wall time: this process's CPU does not depend on the machine's load
    # (on PostgreSQL the server's own work is not in it).
    t0, c0 = time.perf_counter(), time.process_time()
    created = store.schedule_deployment_runs()
    materialise_s, materialise_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    topped_up = store.schedule_deployment_runs()
    steady_s, steady_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    # As of a minute later: one new run per deployment for each minute since the last pass.
    t0, c0 = time.perf_counter(), time.process_time()
    minute_on = store.schedule_deployment_runs(now=int((time.time() + 60) * 1_000_000))
    minute_s, minute_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {
        "deployments": n, "create_deployments_s": create_s,
        "materialise_s": materialise_s, "materialise_cpu_s": materialise_cpu_s,
        "runs_materialised": created,
        "second_pass_s": steady_s, "second_pass_cpu_s": steady_cpu_s,
        "second_pass_created": topped_up,
        "minute_on_pass_s": minute_s, "minute_on_pass_cpu_s": minute_cpu_s,
        "minute_on_pass_created": minute_on,
    }  # fmt: skip


def _claim_a_minute(store: Any, n: int) -> dict[str, Any]:
    """One claimer takes the runs due at the next minute boundary; their lateness."""
    from riverrun._store import tables as t

    now = time.time()
    boundary = (int(now // 60) + 1) * 60
    # On a loaded machine the passes above take longer than a minute, and the runs of the
    # minutes they took are a backlog the claimer would take first (oldest first), never
    # reaching the minute measured. They are skipped, as catchup="none" would skip them.
    fr = t.flow_run.c
    with store.begin() as conn:
        backlog = conn.execute(
            t.flow_run.update()
            .where(fr.state_type == "SCHEDULED", fr.expected_start_time < boundary * 1_000_000)
            .values(state_type="CANCELLED", state_name="Skipped")
        ).rowcount
    lateness: list[float] = []
    deadline = time.monotonic() + (boundary - now) + 90
    c0 = time.process_time()
    while len(lateness) < n and time.monotonic() < deadline:
        for claimed in store.claim_work_pool_runs(
            "bench-pool", "bench-worker", limit=100, wait=5.0
        ):
            expected = claimed.flow_run.expected_start_time
            if expected is not None and int(expected.timestamp()) == boundary:
                lateness.append(time.time() - expected.timestamp())
    return {
        "backlog_skipped": backlog,
        "claim_cpu_s": time.process_time() - c0,
        "claim_lateness_p50_s": _pct(lateness, 0.5) if lateness else None,
        "claim_lateness_p99_s": _pct(lateness, 0.99) if lateness else None,
        "runs_claimed_at_the_minute": len(lateness),
        "minute": datetime.fromtimestamp(boundary, timezone.utc).isoformat(),
        "load_1min_at_end": os.getloadavg()[0],
    }


def _extra(parser: Any) -> None:
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--claim-only", action="store_true",
        help="reuse RIVERRUN_HOME's SQLite file from an earlier run: one pass, then the claim",
    )  # fmt: skip
    parser.add_argument("--skip-pass", action="store_true", help="with --claim-only: no pass")


if __name__ == "__main__":
    main(body, _extra)
