"""Scenario ``server_events_per_s``: events ingested per second by the system's own server.

``--n`` events go out in batches of ``--batch`` (one ``POST /api/events`` each, one at a
time) through the client's own HTTP layer; the clock stops when all of them can be read
back through the API, so an ingest that only queues counts its write too:

* riverrun: what its engine sends — per flow run, its creation event and ten task runs
  (created, Running, Completed) each with a log line: 41 events a run, written in the
  request's transaction (``backend.ingest``);
* Prefect: its own event schema (name, resource, small payload) — the path its task-run
  states also take. ``POST /api/events`` (``--method post``, through ``get_client()``'s
  HTTP client) queues them in the server's memory; its event persister writes them to the
  ``events`` table in the background. ``--method websocket`` sends them one message each
  through ``PrefectEventsClient`` (``/api/events/in``), what ``emit_event`` uses.

``events_per_s`` is N over the time from the first request to the start of the first read
that finds all N (polled every 0.1 s);
``accepted_per_s`` N over the time until the last request returned. The check counts them
through the API (riverrun: flow runs, task runs and log lines; Prefect: events with this
process's resource id, from ``/api/events/filter``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import _common as c

TASKS_PER_RUN = 10
EVENTS_PER_RUN = 1 + TASKS_PER_RUN * 4


def extra(parser: Any) -> None:
    parser.add_argument("--batch", type=int, default=1000, help="events per request")
    parser.add_argument("--method", choices=["post", "websocket"], default="post")
    parser.add_argument(
        "--settle",
        type=float,
        default=120.0,
        help="longest wait, in seconds, for the events to be readable",
    )


def riverrun_batches(n: int, batch: int, tag: str) -> list[list[dict[str, Any]]]:
    """``n`` events (rounded down to whole runs), in batches of about ``batch``."""
    from riverrun._store.testing import flow_run_event, log_event, task_run_lifecycle

    batches: list[list[dict[str, Any]]] = [[]]
    for i in range(n // EVENTS_PER_RUN):
        run = flow_run_event(
            flow_name="bench-events",
            name=f"events-{i:06d}",
            tags=["bench", tag],
            state_type="COMPLETED",
        )
        events = [run]
        for _ in range(TASKS_PER_RUN):
            events += task_run_lifecycle(run["id"], run["created"])
            events.append(log_event(run["id"], "a log line of ordinary length, say"))
        if len(batches[-1]) + len(events) > batch and batches[-1]:
            batches.append([])
        batches[-1].extend(events)
    return batches


async def riverrun_recorded(tag: str, runs: int) -> dict[str, int]:
    """Flow runs and task runs under ``tag``, and log lines of its first and last run."""
    import riverrun
    from riverrun.schemas import filters as f

    runs_filter = f.FlowRunFilter(tags=f.FlowRunFilterTags(all_=[tag]))
    async with riverrun.get_client() as client:
        flow_runs = await client.count_flow_runs(flow_run_filter=runs_filter)
        task_runs = await client.count_task_runs(flow_run_filter=runs_filter)
        ends = await client.read_flow_runs(flow_run_filter=runs_filter, limit=1)
        ends += await client.read_flow_runs(
            flow_run_filter=runs_filter, limit=1, offset=max(runs - 1, 0)
        )
        logs = 0
        for run in ends:
            logs += len(
                await client.read_logs(
                    log_filter=f.LogFilter(flow_run_id=f.LogFilterFlowRunId(any_=[run.id]))
                )
            )
    return {"flow_runs": flow_runs, "task_runs": task_runs, "logs_of_two_runs": logs}


async def riverrun_events(
    n: int, batch: int, settle: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    tag = f"events-{uuid.uuid4().hex[:8]}"
    backend = c.http_backend()
    backend.ingest(riverrun_batches(EVENTS_PER_RUN, batch, f"{tag}-warm")[0])
    batches = riverrun_batches(n, batch, tag)
    sent = sum(len(b) for b in batches)
    runs = sent // EVENTS_PER_RUN
    start = time.perf_counter()
    for events in batches:
        backend.ingest(events)
    accepted = time.perf_counter() - start
    expected = {
        "flow_runs": runs,
        "task_runs": runs * TASKS_PER_RUN,
        "logs_of_two_runs": min(runs, 2) * TASKS_PER_RUN,
    }
    recorded: dict[str, int] = {}
    while True:
        probed = time.perf_counter()
        recorded = await riverrun_recorded(tag, runs)
        if recorded == expected or probed - start > settle:
            break
        await asyncio.sleep(0.1)
    readable = probed - start
    metrics = {
        "events_per_s": sent / readable,
        "accepted_per_s": sent / accepted,
        "events": sent,
        "readable_s": readable,
    }
    return metrics, {"expected": expected, "recorded": recorded, "passed": recorded == expected}


async def prefect_count(client: Any, resource_id: str, since: datetime) -> int:
    """Events with ``resource_id`` stored since ``since``, from ``/api/events/filter``."""
    body = {
        "filter": {
            "resource": {"id": [resource_id]},
            "occurred": {
                "since": since.isoformat(),
                "until": (since + timedelta(days=1)).isoformat(),
            },
        },
        "limit": 1,
    }
    response = await client.request("POST", "/events/filter", json=body)
    return int(response.json()["total"])


async def prefect_events(
    n: int, batch: int, method: str, settle: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    import prefect
    from prefect.events import Event
    from prefect.events.clients import PrefectEventsClient

    resource_id = f"bench.events.{uuid.uuid4().hex[:8]}"
    since = datetime.now(timezone.utc) - timedelta(minutes=5)

    def event(i: int, resource: str = resource_id) -> Event:
        return Event(
            event="bench.event", resource={"prefect.resource.id": resource}, payload={"i": i}
        )

    async with prefect.get_client() as client:
        # Warm: the connection, the server's first write of an event.
        await client.request(
            "POST", "/events", json=[event(-1, resource_id + ".warm").model_dump(mode="json")]
        )
        payloads = [event(i).model_dump(mode="json") for i in range(n)]
        start = time.perf_counter()
        if method == "post":
            for first in range(0, n, batch):
                await client.request("POST", "/events", json=payloads[first : first + batch])
        else:
            async with PrefectEventsClient() as events_client:
                for i in range(n):
                    await events_client.emit(event(i))
        accepted = time.perf_counter() - start
        while True:
            probed = time.perf_counter()
            recorded = await prefect_count(client, resource_id, since)
            if recorded >= n or probed - start > settle:
                break
            await asyncio.sleep(0.1)
        readable = probed - start
    metrics = {
        "events_per_s": n / readable,
        "accepted_per_s": n / accepted,
        "events": n,
        "readable_s": readable,
    }
    return metrics, {"expected": n, "recorded": recorded, "method": method, "passed": recorded == n}


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if args.system == "riverrun":
        return c.run_async(riverrun_events(args.n, args.batch, args.settle))
    return c.run_async(prefect_events(args.n, args.batch, args.method, args.settle))


if __name__ == "__main__":
    c.main(body, extra)
