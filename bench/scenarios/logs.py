"""Scenario ``logs``: one flow writes N lines with ``get_run_logger().info``.

``logs_s`` is the logging loop inside the flow; ``flow_s`` the whole flow call. The check
reads the flow run's log lines back through the client and counts the N bench lines.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import _common as c


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    system = c.system_module(args.system)

    @system.flow
    def chatty(n: int) -> tuple[Any, float]:
        logger = system.get_run_logger()
        start = time.perf_counter()
        for i in range(n):
            logger.info("bench line %d", i)
        return c.current_flow_run_id(args.system), time.perf_counter() - start

    if args.warmup:
        chatty(min(args.n, 100))
    start = time.perf_counter()
    flow_run_id, logs_s = chatty(args.n)
    flow_s = time.perf_counter() - start
    at_end, count, settle_s = c.run_async(count_logs(args.system, flow_run_id, args.n))
    check = {
        "log_lines_expected": args.n,
        "log_lines_at_flow_end": at_end,
        "log_lines_recorded": count,
        "settle_s": settle_s,
        "passed": count == args.n,
    }
    return {"logs_s": logs_s, "flow_s": flow_s, "per_line_s": logs_s / args.n}, check


async def count_logs(
    system: str, flow_run_id: Any, expected: int, settle: float = 300.0
) -> tuple[int, int, float]:
    """Count the flow run's ``bench line`` log records; poll until ``expected`` or timeout."""
    filters = c.system_module(system, "client.schemas.filters")
    log_filter = filters.LogFilter(flow_run_id=filters.LogFilterFlowRunId(any_=[flow_run_id]))

    async def count() -> int:
        found = offset = 0
        async with c.system_module(system).get_client() as client:
            while True:
                page = await client.read_logs(log_filter=log_filter, limit=c.PAGE, offset=offset)
                offset += len(page)
                found += sum(1 for log in page if log.message.startswith("bench line"))
                if len(page) < c.PAGE:
                    return found

    async def at_least(k: int) -> bool:
        async with c.system_module(system).get_client() as client:
            return len(await client.read_logs(log_filter=log_filter, limit=1, offset=k - 1)) == 1

    start = last_change = time.perf_counter()
    at_end = current = await count()
    polls = 0
    while current < expected and time.perf_counter() - start < settle:
        # One cheap request a second until enough lines exist, then a full count; a full
        # count every 10 s too, to stop waiting once nothing new arrives (lines lost).
        await asyncio.sleep(1.0)
        polls += 1
        if await at_least(expected) or polls % 10 == 0:
            now_count = await count()
            if now_count != current:
                current, last_change = now_count, time.perf_counter()
            elif time.perf_counter() - last_change >= c.STALL_S:
                break
    return at_end, current, round(time.perf_counter() - start, 3)


if __name__ == "__main__":
    c.main(body)
