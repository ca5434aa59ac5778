"""Seed a fresh store with N finished flow runs for the ``query`` scenarios (untimed setup).

Run ``i`` is named ``seed-{i:06d}``, tagged ``bench`` plus ``even``/``odd``, and ends Failed
when ``i % 10 == 0``, Completed otherwise. Each system is seeded the fastest way it offers
through its public API:

* riverrun (``--method flows``): real flow runs, one after another (``flow_run_name``
  template, ``tags()`` context, a raised error for the Failed ones);
* Prefect (``--method models``): its server's own ``models.flow_runs.create_flow_run(...,
  state=Running())`` then ``set_flow_run_state(..., Completed()|Failed(), force=True)``,
  in-process, 500 runs per transaction — the code its API routes run, minus HTTP. The
  client (``--method client``: the same two calls through ``get_client()``, 16 in flight)
  manages ~11 runs/s, 15 minutes for 10,000; real Prefect flows take ~1.1 s each.

Writes ``{"n", "after", "method", "seed_s"}`` to ``--out``; ``after`` is a start time about
halfway through the seeded runs, used by the query's ``start_time.after_`` filter.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone
from typing import Any

import _common as c


def extra(parser: Any) -> None:
    parser.add_argument("--out", required=True)
    parser.add_argument("--method", choices=["flows", "client", "models"], default="flows")


def seed_with_flows(system_name: str, n: int) -> datetime:
    """Seed by running ``n`` real flows; return the start time of the middle one."""
    system = c.system_module(system_name)

    @system.flow(name="seeded", flow_run_name="seed-{i:06d}")
    def seeded(i: int) -> None:
        if i % 10 == 0:
            raise ValueError("seeded failure")

    middle = datetime.now(timezone.utc)
    for i in range(n):
        if i == n // 2:
            middle = datetime.now(timezone.utc)
        with system.tags("bench", "even" if i % 2 == 0 else "odd"):
            seeded(i, return_state=True)
    return middle


async def seed_with_client(system_name: str, n: int, in_flight: int = 16) -> datetime:
    """Seed through the client's create/set-state calls; return the middle run's start."""
    system = c.system_module(system_name)
    states = c.system_module(system_name, "states")

    @system.flow(name="seeded")
    def seeded() -> None:
        """Never run: only its name and id are used."""

    middle = datetime.now(timezone.utc)
    gate = asyncio.Semaphore(in_flight)

    async def one(client: Any, i: int) -> None:
        nonlocal middle
        async with gate:
            if i == n // 2:
                middle = datetime.now(timezone.utc)
            run = await client.create_flow_run(
                seeded, name=f"seed-{i:06d}", tags=["bench", "even" if i % 2 == 0 else "odd"],
                state=states.Running())
            final = states.Failed() if i % 10 == 0 else states.Completed()
            await client.set_flow_run_state(run.id, final, force=True)

    async with system.get_client() as client:
        for start in range(0, n, 1000):
            await asyncio.gather(*(one(client, i) for i in range(start, min(n, start + 1000))))
    return middle


async def seed_with_prefect_models(n: int, batch: int = 500) -> datetime:
    """Seed Prefect through its server's own model functions, in-process, in batches.

    The same ``create_flow_run`` / ``set_flow_run_state`` code its API routes call, minus
    HTTP: about 10x faster than the client (~11 runs/s through the temporary server).
    """
    from prefect.server import models, schemas
    from prefect.server.database import provide_database_interface

    db = provide_database_interface()
    await db.create_db()
    async with db.session_context(begin_transaction=True) as session:
        flow = await models.flows.create_flow(session=session,
                                              flow=schemas.core.Flow(name="seeded"))
    middle = datetime.now(timezone.utc)
    for start in range(0, n, batch):
        async with db.session_context(begin_transaction=True) as session:
            for i in range(start, min(n, start + batch)):
                if i == n // 2:
                    middle = datetime.now(timezone.utc)
                run = await models.flow_runs.create_flow_run(
                    session=session,
                    flow_run=schemas.core.FlowRun(
                        flow_id=flow.id, name=f"seed-{i:06d}",
                        tags=["bench", "even" if i % 2 == 0 else "odd"],
                        state=schemas.states.Running()))
                final = schemas.states.Failed() if i % 10 == 0 else schemas.states.Completed()
                await models.flow_runs.set_flow_run_state(
                    session=session, flow_run_id=run.id, state=final, force=True)
    return middle


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    start = time.perf_counter()
    if args.method == "flows":
        middle = seed_with_flows(args.system, args.n)
    elif args.method == "models":
        middle = c.run_async(seed_with_prefect_models(args.n))
    else:
        middle = c.run_async(seed_with_client(args.system, args.n))
    seed_s = time.perf_counter() - start
    info = {"n": args.n, "after": middle.isoformat(), "method": args.method, "seed_s": seed_s}
    with open(args.out, "w") as f:
        json.dump(info, f)
    # The harness counts the seeded rows in the database file after this process exits.
    return {"seed_s": seed_s}, {"passed": True}


if __name__ == "__main__":
    c.main(body, extra)
