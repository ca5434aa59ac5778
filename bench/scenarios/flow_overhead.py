"""Scenario ``flow_overhead``: N empty flow runs, one after another, in one process.

Reports ``per_run_s`` (timed loop / N) after ``--warmup`` untimed runs; checks that the N
flow runs are recorded Completed, read back through the system's client.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import _common as c


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    system = c.system_module(args.system)

    @system.flow
    def empty_flow() -> Any:
        return c.current_flow_run_id(args.system)

    for _ in range(args.warmup):
        empty_flow()
    start = time.perf_counter()
    ids = [empty_flow() for _ in range(args.n)]
    elapsed = time.perf_counter() - start
    completed = c.run_async(count_completed_flow_runs(args.system, ids))
    check = {
        "flow_runs_expected": args.n,
        "flow_runs_completed": completed,
        "passed": completed == args.n,
    }
    return {"total_s": elapsed, "per_run_s": elapsed / args.n}, check


async def count_completed_flow_runs(system: str, ids: list[Any], settle: float = 60.0) -> int:
    """Count, through the client, how many of ``ids`` are recorded Completed."""
    filters = c.system_module(system, "client.schemas.filters")
    objects = c.system_module(system, "client.schemas.objects")
    deadline = time.perf_counter() + settle
    while True:
        total = 0
        async with c.system_module(system).get_client() as client:
            for i in range(0, len(ids), c.PAGE):
                runs = await client.read_flow_runs(
                    flow_run_filter=filters.FlowRunFilter(
                        id=filters.FlowRunFilterId(any_=ids[i : i + c.PAGE]),
                        state=filters.FlowRunFilterState(
                            type=filters.FlowRunFilterStateType(any_=[objects.StateType.COMPLETED])
                        ),
                    ),
                    limit=c.PAGE,
                )
                total += len(runs)
        if total == len(ids) or time.perf_counter() > deadline:
            return total
        await asyncio.sleep(0.5)


if __name__ == "__main__":
    c.main(body)
