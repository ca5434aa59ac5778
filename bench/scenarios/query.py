"""Scenario ``query``: ``read_flow_runs`` with four filters, sorted, on a seeded store.

Filters: name ``like_="3"``, tags ``all_=["bench", "odd"]``, state name
``any_=["Completed", "Failed"]``, start time ``after_`` the seed's midpoint; sort
``FlowRunSort.START_TIME_DESC``; limit 50. After ``--warmup`` untimed calls, ``--calls``
timed calls report ``median_s`` and ``p99_s`` (nearest rank: with 50 calls, the slowest).
The check verifies that the store holds ``--expect-runs`` flow runs (counted through the
client before timing), that the last answer is non-empty, every run matches every filter
and the runs come newest first.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from datetime import datetime
from typing import Any

import _common as c


def extra(parser: Any) -> None:
    parser.add_argument("--seed-info", required=True)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument(
        "--expect-runs",
        type=int,
        default=None,
        help="the number of flow runs the seeded store must hold",
    )


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    with open(args.seed_info) as f:
        after = datetime.fromisoformat(json.load(f)["after"])
    return c.run_async(
        measure(args.system, after, args.calls, max(args.warmup, 1), args.expect_runs)
    )


async def measure(
    system_name: str, after: datetime, calls: int, warmup: int, expect_runs: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    system = c.system_module(system_name)
    f = c.system_module(system_name, "client.schemas.filters")
    sorting = c.system_module(system_name, "client.schemas.sorting")
    flow_run_filter = f.FlowRunFilter(
        name=f.FlowRunFilterName(like_="3"),
        tags=f.FlowRunFilterTags(all_=["bench", "odd"]),
        state=f.FlowRunFilterState(name=f.FlowRunFilterStateName(any_=["Completed", "Failed"])),
        start_time=f.FlowRunFilterStartTime(after_=after),
    )
    times: list[float] = []
    runs: list[Any] = []
    async with system.get_client() as client:
        in_store = int(await client.count_flow_runs())
        for i in range(warmup + calls):
            start = time.perf_counter()
            runs = await client.read_flow_runs(
                flow_run_filter=flow_run_filter, sort=sorting.FlowRunSort.START_TIME_DESC, limit=50
            )
            if i >= warmup:
                times.append(time.perf_counter() - start)
    ordered = sorted(times)
    metrics = {
        "median_s": statistics.median(times),
        "p99_s": ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)],
        "rows": len(runs),
    }
    starts = [r.start_time for r in runs]
    newest_first = all(a >= b for a, b in zip(starts, starts[1:], strict=False))
    bad = [
        r.name
        for r in runs
        if not (
            "3" in r.name
            and {"bench", "odd"} <= set(r.tags)
            and r.state is not None
            and r.state.name in ("Completed", "Failed")
            and r.start_time is not None
            and r.start_time > after
        )
    ]
    seeded_ok = expect_runs is None or in_store == expect_runs
    check = {
        "rows": len(runs),
        "rows_not_matching": bad[:5],
        "newest_first": newest_first,
        "flow_runs_in_store": in_store,
        "flow_runs_expected": expect_runs,
        "passed": 0 < len(runs) <= 50 and not bad and newest_first and seeded_ok,
    }
    return metrics, check


if __name__ == "__main__":
    c.main(body, extra)
