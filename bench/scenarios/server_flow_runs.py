"""Scenario ``server_flow_runs_per_s``: flow runs created and brought to Completed through
the system's own client, against its own server on loopback.

``runs_per_s`` (both systems): ``--n`` runs, ``--in-flight`` at a time, each one created
Pending, then set Running, then Completed:

* Prefect: ``get_client()`` ``create_flow_run(flow, name, tags)`` (its client also POSTs
  ``/flows/`` on every call, to look the flow's id up), then ``set_flow_run_state(Running())``
  and ``set_flow_run_state(Completed())`` — four requests a run;
* riverrun: its client has no ``create_flow_run`` (its engine creates runs by posting
  events), so a run is created by one ``POST /api/events`` carrying its creation event,
  through the client's own HTTP transport (``backend.ingest``, what the engine's recorder
  calls), then ``set_flow_run_state(Running())`` and ``set_flow_run_state(Completed())``
  through ``get_client()`` — three requests a run.

``batched_runs_per_s`` (riverrun only): ``--batched-n`` more runs the way riverrun's engine
records them, three events a run (created, Running, Completed), ``--batch`` runs per
``POST /api/events``, one request at a time. Prefect has no batched path for flow runs.

The check counts, through the client, the Completed flow runs carrying this process's tag.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import _common as c


def extra(parser: Any) -> None:
    parser.add_argument("--in-flight", type=int, default=1)
    parser.add_argument(
        "--batched-n",
        type=int,
        default=-1,
        help="riverrun: runs through the batched event path (default 10 x N)",
    )
    parser.add_argument("--batch", type=int, default=100, help="runs per events batch")


async def per_call(system_name: str, n: int, in_flight: int, tag: str) -> float:
    """Create and complete ``n`` runs, ``in_flight`` at a time; return the seconds taken."""
    system = c.system_module(system_name)
    states = c.system_module(system_name, "states")
    gate = asyncio.Semaphore(in_flight)
    tags = ["bench", tag]

    if system_name == "prefect":

        @system.flow(name="bench-flow-runs")
        def bench_flow() -> None:
            """Never run: its name is what the client sends."""

        async def create(client: Any, i: int) -> Any:
            run = await client.create_flow_run(bench_flow, name=f"bench-{i:06d}", tags=tags)
            return run.id
    else:
        from riverrun._store.testing import flow_run_event

        backend = c.http_backend()

        async def create(client: Any, i: int) -> Any:
            event = flow_run_event(flow_name="bench-flow-runs", name=f"bench-{i:06d}", tags=tags)
            await asyncio.to_thread(backend.ingest, [event])
            return event["id"]

    async def one(client: Any, i: int) -> None:
        async with gate:
            run_id = await create(client, i)
            for state in (states.Running(), states.Completed()):
                result = await client.set_flow_run_state(run_id, state)
                if str(getattr(result.status, "value", result.status)).upper() != "ACCEPT":
                    raise RuntimeError(f"{state.type} refused for run {i}: {result}")

    async with system.get_client() as client:
        await one(client, -1)  # warm: connection, flow row, first-call imports
        start = time.perf_counter()
        await asyncio.gather(*(one(client, i) for i in range(n)))
        return time.perf_counter() - start


def batched(n: int, batch: int, tag: str) -> float:
    """riverrun: ``n`` runs as creation + Running + Completed events, ``batch`` runs a POST."""
    from riverrun._store.testing import flow_run_event, state_event

    backend = c.http_backend()
    start = time.perf_counter()
    for first in range(0, n, batch):
        events = []
        for i in range(first, min(n, first + batch)):
            run = flow_run_event(
                flow_name="bench-flow-runs", name=f"batched-{i:06d}", tags=["bench", tag]
            )
            t0 = run["created"]
            events += [
                run,
                state_event(run["id"], "RUNNING", timestamp=t0 + 1, start_time=t0 + 1),
                state_event(run["id"], "COMPLETED", timestamp=t0 + 2, end_time=t0 + 2),
            ]
        backend.ingest(events)
    return time.perf_counter() - start


async def completed_runs(system_name: str, tag: str) -> int:
    """Completed flow runs with ``tag``, counted through the client."""
    f = c.system_module(system_name, "client.schemas.filters")
    objects = c.system_module(system_name, "client.schemas.objects")
    flow_run_filter = f.FlowRunFilter(
        tags=f.FlowRunFilterTags(all_=[tag]),
        state=f.FlowRunFilterState(
            type=f.FlowRunFilterStateType(any_=[objects.StateType.COMPLETED])
        ),
    )
    async with c.system_module(system_name).get_client() as client:
        return int(await client.count_flow_runs(flow_run_filter=flow_run_filter))


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    tag = f"run-{uuid.uuid4().hex[:8]}"
    seconds = c.run_async(per_call(args.system, args.n, args.in_flight, tag))
    metrics: dict[str, Any] = {
        "runs_per_s": args.n / seconds,
        "per_call_s": seconds,
        "in_flight": args.in_flight,
    }
    counted = c.run_async(completed_runs(args.system, tag))
    expected = args.n + 1  # the warm-up run too
    check: dict[str, Any] = {"runs_expected": expected, "runs_completed": counted}
    passed = counted == expected
    batched_n = 10 * args.n if args.batched_n < 0 else args.batched_n
    if args.system == "riverrun" and batched_n:
        batch_tag = f"{tag}-batched"
        seconds = batched(batched_n, args.batch, batch_tag)
        metrics.update(batched_runs_per_s=batched_n / seconds, batched_s=seconds, batch=args.batch)
        batched_counted = c.run_async(completed_runs(args.system, batch_tag))
        check.update(batched_expected=batched_n, batched_completed=batched_counted)
        passed = passed and batched_counted == batched_n
    check["passed"] = passed
    return metrics, check


if __name__ == "__main__":
    c.main(body, extra)
