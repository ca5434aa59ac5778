"""Scenario ``subflows``: a flow calls a subflow N times.

``per_subflow_s`` is the parent's loop divided by N; the check reads the N child flow runs
back through the client: Completed, and linked to a parent task run.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import _common as c


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    system = c.system_module(args.system)

    @system.flow
    def child() -> Any:
        return c.current_flow_run_id(args.system)

    @system.flow
    def parent(n: int) -> tuple[list[Any], float]:
        start = time.perf_counter()
        ids = [child() for _ in range(n)]
        return ids, time.perf_counter() - start

    if args.warmup:
        parent(min(args.n, 5))
    ids, loop_s = parent(args.n)
    linked, completed = c.run_async(read_children(args.system, ids))
    check = {
        "child_runs_expected": args.n,
        "child_runs_completed": completed,
        "child_runs_linked_to_parent": linked,
        "passed": completed == args.n and linked == args.n,
    }
    return {"per_subflow_s": loop_s / args.n, "loop_s": loop_s}, check


async def read_children(system: str, ids: list[Any], settle: float = 60.0) -> tuple[int, int]:
    """Return (runs with a parent task run, runs Completed) among ``ids``."""
    filters = c.system_module(system, "client.schemas.filters")
    deadline = time.perf_counter() + settle
    while True:
        runs: list[Any] = []
        async with c.system_module(system).get_client() as client:
            for i in range(0, len(ids), c.PAGE):
                runs += await client.read_flow_runs(
                    flow_run_filter=filters.FlowRunFilter(
                        id=filters.FlowRunFilterId(any_=ids[i : i + c.PAGE])
                    ),
                    limit=c.PAGE,
                )
        completed = sum(1 for r in runs if r.state is not None and r.state.is_completed())
        linked = sum(1 for r in runs if r.parent_task_run_id is not None)
        if (completed == linked == len(ids)) or time.perf_counter() > deadline:
            return linked, completed
        await asyncio.sleep(0.5)


if __name__ == "__main__":
    c.main(body)
