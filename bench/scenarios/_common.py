"""Helpers shared by the scenario programs.

Every scenario program runs in a fresh subprocess under one system's interpreter (riverrun:
the harness's own Python; Prefect: ``bench/.venv-prefect/bin/python``), so this module uses
the standard library only and reaches the system under test through ``importlib`` with the
module name given on the command line: the same code drives ``riverrun`` and ``prefect``.

A program prints exactly one JSON line that starts with ``{"bench_result": true`` and
carries ``ok``, ``metrics`` (numbers the harness summarises) and ``check`` (what was verified
in the store after the work); the harness ignores any other output.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import resource
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

PAGE = 200  # Prefect's server caps a page at 200 rows (PREFECT_API_DEFAULT_LIMIT).
STALL_S = 30.0  # no new record for this long: the missing ones are not coming


def parse_args(
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """Parse the arguments every scenario takes (``--system``, ``--n``, ``--warmup``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--system", choices=["riverrun", "prefect"], required=True)
    parser.add_argument("--n", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before timing")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def system_module(system: str, sub: str = "") -> Any:
    """Import ``riverrun[.sub]`` or ``prefect[.sub]``."""
    return importlib.import_module(f"{system}.{sub}" if sub else system)


def emit(
    ok: bool,
    metrics: dict[str, Any] | None = None,
    check: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Print the one result line the harness reads."""
    line = {
        "bench_result": True,
        "ok": ok,
        "metrics": metrics or {},
        "check": check or {},
        "error": error,
    }
    sys.stdout.write(json.dumps(line, default=str) + "\n")
    sys.stdout.flush()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(
    body: Callable[[argparse.Namespace], tuple[dict[str, Any], dict[str, Any]]],
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> None:
    """Run ``body(args) -> (metrics, check)`` and emit its result.

    ``check`` must hold ``passed: bool``; a scenario whose check fails is reported as failed
    (exit status 2), and any exception as failed with its traceback (exit status 1).
    """
    args = parse_args(extra)
    try:
        metrics, check = body(args)
    except BaseException:  # noqa: BLE001 - report every failure, including SystemExit
        emit(False, error=traceback.format_exc()[-4000:])
        sys.exit(1)
    metrics.setdefault("peak_rss_mb", peak_rss_mb())
    passed = bool(check.get("passed"))
    emit(passed, metrics, check, None if passed else "check failed")
    sys.exit(0 if passed else 2)


def current_flow_run_id(system: str) -> Any:
    """The id of the flow run this code runs in."""
    return system_module(system, "context").get_run_context().flow_run.id


def run_async(coro: Awaitable[Any]) -> Any:
    """Run a coroutine to completion from synchronous scenario code."""
    return asyncio.run(coro)  # type: ignore[arg-type]


def _task_run_filters(system: str, flow_run_id: Any) -> dict[str, Any]:
    """Filters selecting the Completed task runs of one flow run."""
    filters = system_module(system, "client.schemas.filters")
    objects = system_module(system, "client.schemas.objects")
    return {
        "flow_run_filter": filters.FlowRunFilter(id=filters.FlowRunFilterId(any_=[flow_run_id])),
        "task_run_filter": filters.TaskRunFilter(
            state=filters.TaskRunFilterState(
                type=filters.TaskRunFilterStateType(any_=[objects.StateType.COMPLETED])
            )
        ),
    }


async def count_task_runs(system: str, flow_run_id: Any) -> int:
    """Count the Completed task runs of one flow run through the system's client, by pages."""
    selection = _task_run_filters(system, flow_run_id)
    total = 0
    async with system_module(system).get_client() as client:
        while True:
            page = await client.read_task_runs(**selection, limit=PAGE, offset=total)
            total += len(page)
            if len(page) < PAGE:
                return total


async def has_at_least_task_runs(system: str, flow_run_id: Any, expected: int) -> bool:
    """One cheap request: is there a Completed task run at position ``expected - 1``?"""
    selection = _task_run_filters(system, flow_run_id)
    async with system_module(system).get_client() as client:
        page = await client.read_task_runs(**selection, limit=1, offset=max(expected - 1, 0))
    return len(page) == 1


async def flow_run_state(system: str, flow_run_id: Any) -> str | None:
    """The state type name (``COMPLETED``...) of a flow run, read through the client."""
    async with system_module(system).get_client() as client:
        flow_run = await client.read_flow_run(flow_run_id)
    state = flow_run.state
    return None if state is None else str(getattr(state.type, "value", state.type))


def check_task_runs(
    system: str, flow_run_id: Any, expected: int, settle_timeout: float = 300.0
) -> dict[str, Any]:
    """Verify the flow run is Completed and its ``expected`` task runs are recorded Completed.

    Prefect ships task-run states to its server in the background, so right after the flow
    returns the database may hold only part of them: the count read at once is kept
    (``task_runs_at_flow_end``); then one cheap request a second asks whether the
    ``expected``-th is there, until it is or ``settle_timeout`` passes (``settle_s`` says
    how long that took; polling lightly so as not to slow the server it waits for), and the
    final count is read in full. When the count stops growing for ``STALL_S`` seconds the
    records are taken as lost (``stalled``): Prefect's server drops events when its
    in-memory queue is full ("Subscription queue is full, dropping message").
    """

    async def exactly(k: int) -> bool:
        # Two probes instead of paging through k rows: a row at k-1 and none at k.
        return await has_at_least_task_runs(
            system, flow_run_id, k
        ) and not await has_at_least_task_runs(system, flow_run_id, k + 1)

    async def go() -> dict[str, Any]:
        if await exactly(expected):
            at_end = count = expected
        else:
            at_end = count = await count_task_runs(system, flow_run_id)
        start = last_change = time.perf_counter()
        stalled = False
        polls = 0
        while count < expected and time.perf_counter() - start < settle_timeout:
            await asyncio.sleep(1.0)
            polls += 1
            if await has_at_least_task_runs(system, flow_run_id, expected):
                count = (
                    expected
                    if await exactly(expected)
                    else await count_task_runs(system, flow_run_id)
                )
            elif polls % 10 == 0:
                # Every 10 s a full count, to tell "still arriving" from "lost".
                now_count = await count_task_runs(system, flow_run_id)
                if now_count != count:
                    count, last_change = now_count, time.perf_counter()
                elif time.perf_counter() - last_change >= STALL_S:
                    stalled = True
                    break
        settle_s = time.perf_counter() - start
        state = await flow_run_state(system, flow_run_id)
        return {
            "flow_run_state": state,
            "task_runs_expected": expected,
            "task_runs_at_flow_end": at_end,
            "task_runs_recorded": count,
            "settle_s": round(settle_s, 3),
            "stalled": stalled,
            "passed": state == "COMPLETED" and count == expected,
        }

    return run_async(go())


def http_backend() -> Any:
    """riverrun only: its client's HTTP transport to ``RIVERRUN_API_URL``.

    The backend ``get_client()`` calls into, and the one riverrun's engine posts its event
    batches through (``backend.ingest(events)`` is one ``POST /api/events``).
    """
    from riverrun.client._transport import backend_for
    from riverrun.settings import get_current_settings

    backend = backend_for(get_current_settings())
    if not hasattr(backend, "url"):
        raise RuntimeError("RIVERRUN_API_URL is not set: this scenario needs a server")
    return backend
