"""Seed a fresh store with N finished flow runs for the ``query`` scenarios (untimed setup).

Run ``i`` is named ``seed-{i:06d}``, tagged ``bench`` plus ``even``/``odd``, and ends Failed
when ``i % 10 == 0``, Completed otherwise. Each system is seeded the fastest way it offers
through its public API:

* riverrun (``--method flows``): real flow runs, one after another (``flow_run_name``
  template, ``tags()`` context, a raised error for the Failed ones);
* riverrun at 100,000 runs (``--method events``): the events its engine would send for
  those runs (created, Running, Completed|Failed), ingested in bulk by its own store (the
  code behind the server's ``POST /api/events``), 5,000 runs per transaction, into the
  embedded file or the PostgreSQL database ``RIVERRUN_DATABASE_URL`` names. Start times
  are 1 ms apart, ending now (a real flow run recorded through a server on PostgreSQL
  takes ~18 ms here: 30 minutes for 100,000).
* Prefect (``--method models``): its server's own ``models.flow_runs.create_flow_run(...,
  state=Running())`` then ``set_flow_run_state(..., Completed()|Failed(), force=True)``,
  in-process, 500 runs per transaction — the code its API routes run, minus HTTP. The
  client (``--method client``: the same two calls through ``get_client()``, 16 in flight)
  manages ~11 runs/s, 15 minutes for 10,000; real Prefect flows take ~1.1 s each.
* Prefect at 100,000 runs (``--method sql``): the rows those model calls write (a flow run
  and its Running and final states, the run's denormalised state, start and end columns),
  inserted in bulk through its own table definitions (SQLAlchemy Core, so every column
  default of its schema applies), 5,000 runs per statement, on SQLite or on the PostgreSQL
  database ``PREFECT_API_DATABASE_CONNECTION_URL`` names. Start times are 1 ms apart,
  ending now.

Writes ``{"n", "after", "method", "seed_s"}`` to ``--out``; ``after`` is a start time about
halfway through the seeded runs, used by the query's ``start_time.after_`` filter.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import _common as c


def extra(parser: Any) -> None:
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--method", choices=["flows", "events", "client", "models", "sql"], default="flows"
    )


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


def seed_with_riverrun_events(n: int, batch: int = 5000) -> datetime:
    """Seed riverrun's store with the events of ``n`` finished runs (see the module)."""
    from riverrun._internal.ids import new_id
    from riverrun._store.dialect import sqlite_url
    from riverrun._store.service import open_store
    from riverrun._store.testing import flow_run_event, state_event
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    store = open_store(settings.database_url or sqlite_url(settings.database_path))
    step = 1000  # microseconds
    first = int(time.time() * 1e6) - n * step
    flow_id = new_id()
    for lo in range(0, n, batch):
        events = []
        for i in range(lo, min(n, lo + batch)):
            start = first + i * step
            end = start + step // 2
            run = flow_run_event(
                flow_name="seeded",
                flow_id=flow_id,
                name=f"seed-{i:06d}",
                tags=["bench", "even" if i % 2 == 0 else "odd"],
                created=start,
                expected_start_time=start,
            )
            final = "FAILED" if i % 10 == 0 else "COMPLETED"
            events += [
                run,
                state_event(run["id"], "RUNNING", timestamp=start, start_time=start, run_count=1),
                state_event(run["id"], final, timestamp=end, end_time=end),
            ]
        store.ingest(events)
    store.dispose()
    middle = first + (n // 2) * step - step // 2
    return datetime.fromtimestamp(middle / 1e6, timezone.utc)


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
                seeded,
                name=f"seed-{i:06d}",
                tags=["bench", "even" if i % 2 == 0 else "odd"],
                state=states.Running(),
            )
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
        flow = await models.flows.create_flow(
            session=session, flow=schemas.core.Flow(name="seeded")
        )
    middle = datetime.now(timezone.utc)
    for start in range(0, n, batch):
        async with db.session_context(begin_transaction=True) as session:
            for i in range(start, min(n, start + batch)):
                if i == n // 2:
                    middle = datetime.now(timezone.utc)
                run = await models.flow_runs.create_flow_run(
                    session=session,
                    flow_run=schemas.core.FlowRun(
                        flow_id=flow.id,
                        name=f"seed-{i:06d}",
                        tags=["bench", "even" if i % 2 == 0 else "odd"],
                        state=schemas.states.Running(),
                    ),
                )
                final = schemas.states.Failed() if i % 10 == 0 else schemas.states.Completed()
                await models.flow_runs.set_flow_run_state(
                    session=session, flow_run_id=run.id, state=final, force=True
                )
    return middle


async def seed_with_prefect_sql(n: int, batch: int = 5000) -> datetime:
    """Seed Prefect by inserting the rows of ``n`` finished runs in bulk (see the module)."""
    from datetime import timedelta

    import sqlalchemy as sa
    from prefect.server import models, schemas
    from prefect.server.database import provide_database_interface
    from prefect.server.schemas.states import StateDetails, StateType

    db = provide_database_interface()
    await db.create_db()
    async with db.session_context(begin_transaction=True) as session:
        flow = await models.flows.create_flow(
            session=session, flow=schemas.core.Flow(name="seeded")
        )
    flow_runs, states = db.FlowRun.__table__, db.FlowRunState.__table__
    step = timedelta(milliseconds=1)
    first = datetime.now(timezone.utc) - n * step
    # Each run points at its final state, as set_flow_run_state leaves it; the pointer is
    # set once both rows exist (each table's foreign key names the other).
    point = (
        sa.update(flow_runs)
        .where(flow_runs.c.id == sa.bindparam("run"))
        .values(state_id=sa.bindparam("state"), updated=sa.bindparam("at"))
    )
    for lo in range(0, n, batch):
        runs, run_states, pointers = [], [], []
        for i in range(lo, min(n, lo + batch)):
            run_id = uuid.uuid4()
            start = first + i * step
            end = start + step / 2
            final = StateType.FAILED if i % 10 == 0 else StateType.COMPLETED
            runs.append(
                {
                    "id": run_id,
                    "flow_id": flow.id,
                    "name": f"seed-{i:06d}",
                    "tags": ["bench", "even" if i % 2 == 0 else "odd"],
                    "labels": {"prefect.flow.id": str(flow.id)},
                    "state_type": final,
                    "state_name": final.value.title(),
                    "state_timestamp": end,
                    "run_count": 1,
                    "expected_start_time": start,
                    "start_time": start,
                    "end_time": end,
                    "total_run_time": end - start,
                    "created": start,
                    "updated": end,
                }
            )
            for state_type, at in ((StateType.RUNNING, start), (final, end)):
                run_states.append(
                    {
                        "id": uuid.uuid4(),
                        "flow_run_id": run_id,
                        "type": state_type,
                        "name": state_type.value.title(),
                        "timestamp": at,
                        "created": at,
                        "updated": at,
                        "state_details": StateDetails(flow_run_id=run_id),
                    }
                )
            pointers.append({"run": run_id, "state": run_states[-1]["id"], "at": end})
        async with db.session_context(begin_transaction=True) as session:
            await session.execute(sa.insert(flow_runs), runs)
            await session.execute(sa.insert(states), run_states)
            await session.execute(point, pointers)
    return first + (n // 2) * step - step / 2


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    start = time.perf_counter()
    if args.method == "flows":
        middle = seed_with_flows(args.system, args.n)
    elif args.method == "events":
        middle = seed_with_riverrun_events(args.n)
    elif args.method == "models":
        middle = c.run_async(seed_with_prefect_models(args.n))
    elif args.method == "sql":
        middle = c.run_async(seed_with_prefect_sql(args.n))
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
