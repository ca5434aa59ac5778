"""No run is ever executed twice: several worker processes on one pool, every run once."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from riverrun._store.service import Store
from riverrun.deployments import load_flow_from_entrypoint
from riverrun.schemas.actions import WorkPoolCreate

from .conftest import start_worker, stop, wait_for

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _run_many(
    store_env: dict[str, str], store: Store, flows_dir: Path, workers: int, runs: int
) -> None:
    store.create_work_pool(WorkPoolCreate(name="p"))
    flow: Any = load_flow_from_entrypoint("flows.py:record")
    deployment = flow.to_deployment("d", work_pool_name="p")
    flow_id = store.create_flow_from_name(deployment.flow_name)
    dep_id = store.create_deployment(
        flow_id, "d", work_pool_name="p", entrypoint=deployment.entrypoint, path=deployment.path,
        enforce_parameter_schema=False,
    )  # fmt: skip
    out = flows_dir / "runs.txt"
    ids = [store.create_flow_run_from_deployment(dep_id, parameters={"out": str(out)}).id
           for _ in range(runs)]  # fmt: skip
    procs = [start_worker("--pool", "p", "--name", f"w{i}", "--limit", "4", env=store_env)
             for i in range(workers)]  # fmt: skip
    try:

        def all_final() -> bool:
            runs_now = store.read_flow_runs(limit=runs)
            return len(runs_now) == runs and all(r.state_type in FINAL for r in runs_now)

        wait_for(all_final, timeout=max(300, runs * 3.0), what=f"{runs} runs to finish")
        not_completed = [
            (r.state_name, r.state.message if r.state else None)
            for r in store.read_flow_runs(limit=runs)
            if r.state_name != "Completed"
        ]
        assert not_completed == [], Counter(not_completed)
    finally:
        outputs = [stop(p) for p in procs]
    counts = Counter(out.read_text().split())
    duplicates = {k: v for k, v in counts.items() if v > 1}
    missing = set(ids) - set(counts)
    assert duplicates == {} and missing == set(), outputs[0][-2000:]
    # A run that ended as it should is never told it lost its lease (its flow process's
    # output is in its worker's).
    assert not [o for o in outputs if "lost its lease" in o], outputs


@pytest.mark.slow
def test_four_workers_on_sqlite_run_each_of_40_runs_once(
    flows_dir: Path, riverrun_home: Path
) -> None:
    from riverrun.client._transport import backend_for
    from riverrun.settings import get_current_settings

    store = backend_for(get_current_settings()).store  # type: ignore[attr-defined]
    _run_many({}, store, flows_dir, workers=4, runs=40)


# Each run is a process (forked from its worker's fork server: 2,000 took 22 min at load
# 27-78, 90 a minute; a fresh interpreter each made it 5 a minute): 80 keep the suite within
# its budget; the 2,000 is RIVERRUN_TEST_DUPLICATE_RUNS=2000 (the timeout grows).
PG_RUNS = int(os.environ.get("RIVERRUN_TEST_DUPLICATE_RUNS", "80"))


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(max(600, PG_RUNS * 4))
def test_eight_workers_on_postgres_run_each_due_run_once(flows_dir: Path, pg_url: str) -> None:
    runs = PG_RUNS
    store = Store(pg_url)
    from sqlalchemy import text

    with store.begin() as conn:
        conn.execute(text("TRUNCATE flow, deployment, flow_run, log, artifact, work_pool CASCADE"))
    os.environ["RIVERRUN_DATABASE_URL"] = pg_url
    try:
        _run_many({"RIVERRUN_DATABASE_URL": pg_url}, store, flows_dir, workers=8, runs=runs)
    finally:
        del os.environ["RIVERRUN_DATABASE_URL"]
        store.dispose()
