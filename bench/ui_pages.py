"""Web UI page times: every page's server time on a store of 100,000 flow runs and a
10,000-task run, and Chromium's time to interactive and JS heap on that run's page.

```
python -m bench.ui_pages                         # SQLite, 100,000 runs, 15 timed loads a page
python -m bench.ui_pages --postgres              # the same on a scratch PostgreSQL database
python -m bench.ui_pages --chromium              # plus the 10,000-task page in real Chromium
python -m bench.ui_pages --home /tmp/ui-bench    # keep (and reuse) the seeded store
```

Seeding (untimed) ingests the events the engine would send, through the store's own
``ingest``, 5,000 runs per transaction: runs spread evenly over the last 30 days, 40 flows,
tags from a pool of ~450 (``env:*``, ``team:*``, ``customer-*``), 85 % Completed, 10 % Failed,
the rest Crashed or Running, a few log lines on one run in ten; then one Completed run of
10,000 task runs with one log line each. Each page is loaded once untimed, then ``--repeats``
times in-process (the whole ASGI app: routing, store queries, templates; no network); a
row is the page's p50 and p95 (nearest rank). Chromium loads the 10,000-task page from a
real ``riverrun server`` on loopback: time to interactive is navigation start to the first
timeline row drawn with the page's scripts run; the heap is V8's used size after it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DAY_US = 86_400_000_000
FLOWS = [f"etl.{kind}-{i}" for kind in ("extract", "load", "report", "sync") for i in range(10)]


def seed(url: str, runs: int, tasks: int, batch: int = 5000) -> dict[str, Any]:
    """Fill the store at ``url``; what the pages are pointed at (the big run, a failed run)."""
    from riverrun._internal.clock import now_us
    from riverrun._internal.ids import new_id
    from riverrun._store import testing as ev
    from riverrun._store.service import open_store

    store = open_store(url)
    now = now_us()
    step = 30 * DAY_US // runs
    flow_ids = {name: new_id() for name in FLOWS}
    failed = ""
    for lo in range(0, runs, batch):
        events: list[dict[str, Any]] = []
        for i in range(lo, min(runs, lo + batch)):
            start = now - (runs - i) * step
            flow = FLOWS[i % len(FLOWS)]
            tags = [
                ("env:pro", "env:dev", "env:pre")[i % 3],
                f"team:{i % 50}",
                f"customer-{i % 400}",
            ]
            run = ev.flow_run_event(flow_name=flow, flow_id=flow_ids[flow], name=f"ui-{i:06d}", tags=tags,
                                    created=start, expected_start_time=start)  # fmt: skip
            final = "FAILED" if i % 10 == 0 else "CRASHED" if i % 97 == 0 else "COMPLETED"
            events += [
                run,
                ev.state_event(
                    run["id"], "RUNNING", timestamp=start, start_time=start, run_count=1
                ),
            ]
            if i % 211 != 0 or i > runs - 1000:  # a few still running, never the newest
                events.append(
                    ev.state_event(
                        run["id"], final, timestamp=start + 900_000, end_time=start + 900_000
                    )
                )
            if i % 10 == 0:
                failed = str(run["id"])
                events += [ev.log_event(run["id"], f"batch {j} of run {i}: {'boom' if j == 2 else 'ok'}",
                                        level=40 if j == 2 else 20, timestamp=start + j) for j in range(3)]  # fmt: skip
        store.ingest(events)
    big = _big_run(store, tasks, now)
    if url.startswith("postgresql"):
        # What autovacuum does within a minute of a bulk load: without it the planner holds
        # no statistics for the expression indexes and guessed 19 rows for a 30-day window
        # of 99,986 (a bitmap scan and a sort of all of them instead of reading 10,001 in
        # index order).
        with store.begin() as conn:
            conn.execute(store.text("ANALYZE"))
    store.dispose()
    return {"big": big, "failed": failed}


def _big_run(store: Any, tasks: int, now: int, kinds: int = 20) -> str:
    from riverrun._store import testing as ev

    start = now - 3_600_000_000
    run = ev.flow_run_event(flow_name="big.fanout", state_type="COMPLETED", state_name="Completed",
                            created=start, start_time=start)  # fmt: skip
    run["state"]["end_time"] = start + tasks * 1000 + 1000
    events: list[dict[str, Any]] = [run]
    for i in range(tasks):
        at = start + i * 1000
        task = ev.task_run_event(run["id"], task_key=f"step{i % kinds}-k", name=f"big.fanout.step{i % kinds}-{i // kinds}",
                                 state_type="COMPLETED", created=at, dynamic_key=str(i // kinds))  # fmt: skip
        task["state"]["start_time"] = at
        task["state"]["end_time"] = at + 900
        events += [task, ev.log_event(run["id"], f"step {i % kinds} item {i // kinds} done",
                                      task_run_id=task["id"], timestamp=at + 1)]  # fmt: skip
    store.ingest(events)
    return str(run["id"])


def pages(marks: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, URL) of every page timed."""
    big, failed = marks["big"], marks["failed"]
    return [
        ("dashboard 24h", "/"), ("dashboard 30d", "/?window=30d"), ("runs", "/runs"),
        ("runs failed 30d", "/runs?state=FAILED&window=30d"),
        ("runs tag in/out", "/runs?tag=team:7&xtag=env:dev&window=30d"),
        ("runs next page", None), ("flow typeahead", "/ui/suggest?what=flow&q=sync"),
        ("tag typeahead", "/ui/suggest?what=tag&q=cust"),
        ("tag typeahead, no match", "/ui/suggest?what=tag&q=zzz"), ("flows", "/flows"),
        ("flow run 10k tasks", f"/flow-runs/{big}"), ("10k tasks tab", f"/flow-runs/{big}?tab=tasks"),
        ("10k log search", f"/flow-runs/{big}/logs?q=item%2042"), ("failed run", f"/flow-runs/{failed}"),
        ("deployments", "/deployments"), ("automations", "/automations"), ("bulk preview", "/runs/bulk?action=cancel&state=RUNNING&window=30d"),
    ]  # fmt: skip


def _nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 1)) - 1))]


def time_pages(url: str, marks: dict[str, Any], repeats: int) -> list[dict[str, Any]]:
    """Each page's server time in ms (p50, p95) through the whole app, in-process."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from riverrun.server.app import create_app
    from riverrun.server.config import ServerConfig

    rows = []
    with TestClient(create_app(ServerConfig(database_url=url))) as client:
        # The second page of the runs list: its cursor comes from the first page.
        html = client.get("/runs").text
        start = html.find('href="/runs?before=')
        second = (
            html[start + 6 : html.find('"', start + 6)].replace("&amp;", "&")
            if start >= 0
            else "/runs"
        )
        for name, path in pages(marks):
            path = path or second
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
            times = []
            for _ in range(repeats):
                began = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - began) * 1000)
            rows.append({"page": name, "url": path, "p50_ms": round(_nearest_rank(times, 0.5), 1),
                         "p95_ms": round(_nearest_rank(times, 0.95), 1), "n": repeats})  # fmt: skip
            print(
                f"  {name:<22} p50 {rows[-1]['p50_ms']:>7.1f} ms  p95 {rows[-1]['p95_ms']:>7.1f} ms",
                flush=True,
            )
    return rows


def chromium(home: Path, marks: dict[str, Any], loads: int = 5) -> dict[str, Any]:
    """Time to interactive and JS heap of the 10,000-task run page in real Chromium."""
    from playwright.sync_api import sync_playwright

    from riverrun.server.testing import ServerProcess

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    tti, heap = [], []
    with ServerProcess(home) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        for _ in range(loads + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            context.route(
                "**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort()
            )
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{server.port}/flow-runs/{marks['big']}", wait_until="load")
            page.locator("#gantt .g-row").first.wait_for()
            tti.append(page.evaluate("performance.now()"))
            cdp = context.new_cdp_session(page)
            heap.append(cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6)
            context.close()
        browser.close()
    tti, heap = tti[1:], heap[1:]  # the first load warms the server
    return {"tti_p50_ms": round(_nearest_rank(tti, 0.5), 1), "tti_max_ms": round(max(tti), 1),
            "heap_mb": round(max(heap), 2), "loads": loads}  # fmt: skip


@contextmanager
def database(args: argparse.Namespace, home: Path) -> Iterator[str]:
    from riverrun._store.dialect import sqlite_url

    if not args.postgres:
        yield sqlite_url(home / "riverrun.db")
        return
    from riverrun.server.testing import scratch_postgres

    with scratch_postgres("riverrun_ui_bench") as url:
        yield url


def main(argv: list[str] | None = None) -> int:
    """Seed, time every page, print (and with ``--json``, write) the rows."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.ui_pages", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--postgres", action="store_true", help="a scratch PostgreSQL database, not SQLite"
    )
    parser.add_argument(
        "--chromium", action="store_true", help="also the 10,000-task page in Chromium"
    )
    parser.add_argument(
        "--home", type=Path, help="a RIVERRUN_HOME to keep; reused when already seeded"
    )
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args(argv)
    import tempfile

    home = args.home or Path(tempfile.mkdtemp(prefix="ui-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    with database(args, home) as url:
        marker = (
            home / f"ui-bench-{'pg' if args.postgres else 'sqlite'}-{args.runs}-{args.tasks}.json"
        )
        if marker.exists() and not args.postgres:
            marks = json.loads(marker.read_text())
            print(f"reusing the seeded store in {home}", flush=True)
        else:
            began = time.perf_counter()
            marks = seed(url, args.runs, args.tasks)
            marker.write_text(json.dumps(marks))
            print(
                f"seeded {args.runs:,} runs and a {args.tasks:,}-task run in {time.perf_counter() - began:.0f} s",
                flush=True,
            )
        result: dict[str, Any] = {"database": "postgresql" if args.postgres else "sqlite", "runs": args.runs,
                                  "tasks": args.tasks, "pages": time_pages(url, marks, args.repeats)}  # fmt: skip
        if args.chromium and not args.postgres:
            result["chromium"] = chromium(home, marks)
            print(f"  chromium 10k-task page: {result['chromium']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
