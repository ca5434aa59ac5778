"""Scenarios ``task_seq`` and ``memory``: one flow calls a no-op task N times in sequence.

``per_task_s`` is the loop inside the flow divided by N; ``flow_s`` the whole flow call
(with whatever recording the system finishes before the call returns), and
``per_task_flow_s`` that divided by N;
``peak_rss_mb`` the process's peak RSS (the ``memory`` scenario runs this program with
``--warmup 0`` and reads that number). The check reads the N task runs back through the
system's client after the flow (see ``_common.check_task_runs``).
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
    def sequential(n: int) -> tuple[Any, float, int]:
        start = time.perf_counter()
        total = 0
        for i in range(n):
            total += noop(i)
        return c.current_flow_run_id(args.system), time.perf_counter() - start, total

    if args.warmup:
        sequential(min(args.n, 100))
    start = time.perf_counter()
    flow_run_id, loop_s, total = sequential(args.n)
    flow_s = time.perf_counter() - start
    metrics = {
        "per_task_s": loop_s / args.n,
        "per_task_flow_s": flow_s / args.n,
        "loop_s": loop_s,
        "flow_s": flow_s,
        "peak_rss_mb": c.peak_rss_mb(),
    }
    check = c.check_task_runs(args.system, flow_run_id, args.n)
    check["result_ok"] = total == args.n * (args.n - 1) // 2
    check["passed"] = check["passed"] and check["result_ok"]
    return metrics, check


if __name__ == "__main__":
    c.main(body)
