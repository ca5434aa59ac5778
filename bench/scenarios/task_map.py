"""Scenario ``task_map``: ``task.map`` over N items with the default task runner.

Times ``noop.map(range(N))`` plus waiting on every result, inside the flow; checks the
results and the N task runs recorded Completed.
"""

from __future__ import annotations

import time
from typing import Any

import _common as c


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    system = c.system_module(args.system)

    @system.task
    def noop(i: int) -> int:
        return i

    @system.flow
    def mapped(n: int) -> tuple[Any, float, int]:
        start = time.perf_counter()
        futures = noop.map(range(n))
        total = sum(future.result() for future in futures)
        return c.current_flow_run_id(args.system), time.perf_counter() - start, total

    if args.warmup:
        mapped(min(args.n, 100))
    start = time.perf_counter()
    flow_run_id, map_s, total = mapped(args.n)
    flow_s = time.perf_counter() - start
    metrics = {"per_task_s": map_s / args.n, "map_s": map_s, "flow_s": flow_s}
    check = c.check_task_runs(args.system, flow_run_id, args.n)
    check["result_ok"] = total == args.n * (args.n - 1) // 2
    check["passed"] = check["passed"] and check["result_ok"]
    return metrics, check


if __name__ == "__main__":
    c.main(body)
