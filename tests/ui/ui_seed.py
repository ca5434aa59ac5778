"""A seeded store for the UI's tests: the demo job run for real, plus runs in every state."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riverrun._internal.clock import now_us
from riverrun._internal.ids import new_id
from riverrun._store import testing as ev
from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store, open_store

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 here; its TestClient still works on httpx, which riverrun uses.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = [
    "ROOT",
    "SF_EXPORT",
    "Fresh",
    "Seed",
    "TestClient",
    "add_pools",
    "add_sf_export",
    "big_run",
    "running_run",
    "seed",
]

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Seed:
    """IDs of the seeded runs a test looks at."""

    url: str
    vtasks: str
    running: str
    failed: str
    deployment_run: str
    deployment_id: str
    sf_export: str = ""
    automation: str = ""
    late_pool_run: str = ""


def run_demo(home: Path) -> None:
    """Run the demo job (``vtasks`` with its subflows) into ``home``'s embedded store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
    env["RIVERRUN_HOME"] = str(home)
    subprocess.run([sys.executable, str(ROOT / "examples" / "demo.py")], env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip


def add_deployment(store: Store, flow_id: str, name: str = "nightly") -> str:
    """A deployment row (the deployments work creates them for real later)."""
    from riverrun._store import tables as t

    ident = new_id()
    now = now_us()
    with store.begin() as conn:
        conn.execute(t.deployment.insert().values(id=ident, flow_id=flow_id, name=name, tags="[]",
                                                  parameters="{}", created=now, updated=now))  # fmt: skip
    return ident


def running_run(store: Store, flow_name: str = "etl.load", lines: int = 3) -> str:
    """A flow run left Running (its process is elsewhere), with a task and log lines."""
    start = now_us() - 5_000_000
    run = ev.flow_run_event(flow_name=flow_name, tags=["env:dev"], state_type="RUNNING",
                            state_name="Running", created=start, start_time=start)  # fmt: skip
    events = [run, *ev.task_run_lifecycle(run["id"], start + 1000)]
    events += [
        ev.log_event(run["id"], f"loading batch {i}", timestamp=start + 2000 + i)
        for i in range(lines)
    ]
    store.ingest(events)
    return str(run["id"])


def seed(home: Path, *, demo: bool = True, url: str | None = None) -> Seed:
    """The demo job (run for real, into ``home``'s SQLite file), a running run, a failed run
    and a failed run of a deployment; with ``url``, the runs go there (and no demo)."""
    if demo and url is None:
        run_demo(home)
    url = url or sqlite_url(home / "riverrun.db")
    store = open_store(url)
    vtasks = ""
    if demo and url.startswith("sqlite"):
        vtasks = next(r.id for r in store.read_flow_runs(limit=10) if r.flow_name == "vtasks")
    running = running_run(store)
    start = now_us() - 60_000_000
    failed = ev.flow_run_event(flow_name="etl.extract", tags=["env:pro", "team:data"], state_type="FAILED",
                               state_name="Failed", created=start, start_time=start)  # fmt: skip
    failed["state"]["end_time"] = start + 2_400_000
    store.ingest([failed, ev.log_event(failed["id"], "boom: connection refused", level=40, timestamp=start + 10),
                  ev.artifact_event(failed["id"], key="report", data="# Extract report\n\n| rows | ok |\n|---|---|\n| 0 | no |")])  # fmt: skip
    dep_flow = ev.flow_run_event(flow_name="sf_export", state_type="FAILED", state_name="Failed",
                                 created=start + 5, start_time=start + 5)  # fmt: skip
    dep_flow["state"]["end_time"] = start + 900_000
    store.ingest([dep_flow])
    deployment_id = add_deployment(store, str(dep_flow["flow_id"]))
    from riverrun._store import tables as t

    with store.begin() as conn:
        conn.execute(
            t.flow_run.update()
            .where(t.flow_run.c.id == dep_flow["id"])
            .values(deployment_id=deployment_id)
        )
    return Seed(url, vtasks, running, str(failed["id"]), str(dep_flow["id"]), deployment_id,
                sf_export=add_sf_export(store, home), automation=add_automation(store),
                late_pool_run=add_pools(store))  # fmt: skip


def add_pools(store: Store) -> str:
    """Work pools through their operations: ``laptop`` (limit 4; queues ``default`` and
    ``urgent``; worker ``laptop-w1`` online, ``laptop-w0`` offline; a run late in ``urgent``,
    one running in ``default``) and ``gpu`` (paused, no worker); global limits ``database``
    (5) and ``github-api`` (10, 1 slot/s decay, off) and a tag limit on ``etl`` (3).
    Returns the late run's ID."""
    from riverrun._store import tables as t
    from riverrun.schemas.actions import GlobalConcurrencyLimitCreate, WorkPoolCreate

    store.create_work_pool(WorkPoolCreate(name="laptop", description="Runs on the team laptop.",
                                          concurrency_limit=4))  # fmt: skip
    store.create_work_queue("urgent", work_pool_name="laptop", concurrency_limit=2)
    store.create_work_pool(WorkPoolCreate(name="gpu", is_paused=True))
    store.send_worker_heartbeat("laptop", "laptop-w1", heartbeat_interval_seconds=30)
    store.send_worker_heartbeat("laptop", "laptop-w0", heartbeat_interval_seconds=30)
    with store.begin() as conn:  # a worker that stopped an hour ago (no operation sets the past)
        conn.execute(t.worker.update().where(t.worker.c.name == "laptop-w0")
                     .values(last_heartbeat_time=now_us() - 3_600_000_000))  # fmt: skip
    due = now_us() - 600_000_000
    late = ev.flow_run_event(flow_name="etl.queued", state_type="SCHEDULED", state_name="Scheduled",
                             created=due, expected_start_time=due, work_pool_name="laptop",
                             work_queue_name="urgent")  # fmt: skip
    start = now_us() - 20_000_000
    running = ev.flow_run_event(flow_name="etl.pooled", state_type="RUNNING", state_name="Running",
                                created=start, start_time=start, work_pool_name="laptop")  # fmt: skip
    store.ingest([late, running])
    store.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="database", limit=5))
    store.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
        name="github-api", limit=10, slot_decay_per_second=1.0, active=False))  # fmt: skip
    store.create_concurrency_limit("etl", 3)
    return str(late["id"])


def add_automation(store: Store, name: str = "page on failure") -> str:
    """An enabled automation: a failed run of the ``pro`` environment does nothing (for the pages)."""
    from riverrun.schemas.automations import AutomationCore, DoNothing, EventTrigger

    created = store.create_automation(AutomationCore(
        name=name, description="Tells the team when production fails.",
        trigger=EventTrigger(expect={"riverrun.flow-run.Failed"}, match={"riverrun.resource.id": "riverrun.flow-run.*"}),
        actions=[DoNothing()]))  # fmt: skip
    return str(created.id)


def big_run(store: Store, tasks: int = 10_000, kinds: int = 20) -> str:
    """A completed flow run of ``tasks`` task runs of ``kinds`` different tasks."""
    start = now_us() - 600_000_000
    run = ev.flow_run_event(flow_name="big.fanout", state_type="COMPLETED", state_name="Completed",
                            created=start, start_time=start)  # fmt: skip
    run["state"]["end_time"] = start + 500_000_000
    events = [run]
    for i in range(tasks):
        at = start + i * 1000
        task = ev.task_run_event(run["id"], task_key=f"step{i % kinds}-k", name=f"big.fanout.step{i % kinds}-{i // kinds}",
                                 state_type="COMPLETED", created=at, dynamic_key=str(i // kinds))  # fmt: skip
        task["state"]["start_time"] = at
        task["state"]["end_time"] = at + 900
        events.append(task)
    store.ingest(events)
    return str(run["id"])


def add_block_type(store: Store, slug: str = "mail-server") -> str:
    """A block type with a bounded port and a secret password; returns its slug."""
    from riverrun.schemas.blocks import BlockSchemaCreate, BlockTypeCreate

    block_type = store.create_block_type(BlockTypeCreate(
        name="Mail Server", slug=slug, description="Where notification mails are sent from."))  # fmt: skip
    fields = {
        "title": "MailServer", "type": "object", "required": ["host", "password"],
        "properties": {
            "host": {"title": "Host", "type": "string"},
            "port": {"title": "Port", "type": "integer", "minimum": 1, "maximum": 65535, "default": 587},
            "password": {"title": "Password", "type": "string", "format": "password", "writeOnly": True},
            "use_tls": {"title": "Use TLS", "type": "boolean", "default": True},
        },
        "secret_fields": ["password"], "block_type_slug": slug,
    }  # fmt: skip
    store.create_block_schema(BlockSchemaCreate(fields=fields, block_type_id=block_type.id))
    return slug


#: The guide's ``sf_export`` flow (section 5.3): a Literal, dates written ``x: datetime = None``,
#: defaults. The Chromium test serves it for real; the page tests deploy it from its schema.
SF_EXPORT = """
from datetime import datetime
from typing import Literal

from riverrun import flow, get_run_logger


@flow(name="riverrun.emr.salesforce.sf_export")
def sf_export(
    env: Literal["pre", "snd", "pro"],
    select: str = None,
    exclude: str = None,
    min_date: datetime = None,
    max_date: datetime = None,
    timeout_mins: int = 150,
    version: str = "latest",
):
    get_run_logger().info(f"exporting {env} from {min_date!r} (timeout {timeout_mins} min)")
    return {"env": env, "min_date": min_date.isoformat() if min_date else None}
"""


def add_sf_export(store: Store, folder: Path, *, cron: str | None = "0 2 * * *") -> str:
    """The guide's ``sf_export/nightly`` deployment with the flow's real parameter schema and a
    nightly schedule, created through the store's operation; its ID."""
    import importlib.util

    from riverrun.schemas.actions import DeploymentScheduleCreate
    from riverrun.schemas.schedules import CronSchedule

    path = folder / "sf_export_flow.py"
    path.write_text(SF_EXPORT)
    spec = importlib.util.spec_from_file_location("sf_export_flow", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    flow = module.sf_export
    flow_id = store.create_flow_from_name(flow.name)
    schedules = [DeploymentScheduleCreate(schedule=CronSchedule(cron=cron))] if cron else None
    return store.create_deployment(flow_id, "nightly", schedules=schedules, entrypoint=f"{path}:sf_export",
                                   parameters={"env": "pre"},
                                   parameter_openapi_schema=flow.parameters.model_dump_for_openapi())  # fmt: skip


@dataclass
class Fresh:
    """A new store with the guide's ``sf_export/nightly`` deployment, and the app on it."""

    client: TestClient
    store: Store
    deployment: str

    def post(self, url: str, form: dict[str, str], **kwargs: Any) -> Any:
        """POST a form with the page's CSRF token, without following the redirect."""
        if not self.client.cookies.get("rr_csrf"):
            self.client.get("/deployments")
        token = self.client.cookies.get("rr_csrf")
        return self.client.post(url, data={"csrf": token, **form}, follow_redirects=False, **kwargs)
