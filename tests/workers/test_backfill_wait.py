"""``riverrun deployment backfill --wait`` with a real worker: runs are created as earlier ones
finish (``--max-active``), and the command exits once every one has, saying how they ended."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from riverrun.client import get_client
from riverrun.client.schemas.actions import WorkPoolCreate
from riverrun.deployments import load_flow_from_entrypoint
from riverrun.schedules import Cron

from .conftest import start_worker, stop

pytestmark = pytest.mark.slow


def _backfill(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "riverrun"), "deployment", "backfill", "record/hourly",
         "--start", "2026-11-01T00:00:00Z", "--end", "2026-11-01T02:00:00Z", *args],
        env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def _deploy(entrypoint: str, flows_dir: Path) -> Any:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="p", type="process"))
    flow: Any = load_flow_from_entrypoint(entrypoint)
    deployment = flow.to_deployment("hourly", work_pool_name="p", schedule=Cron("0 * * * *"),
                                    paused=True, parameters={"out": str(flows_dir / "runs.txt")})  # fmt: skip
    return deployment.apply()


def _spans(deployment_id: Any) -> list[tuple[Any, Any]]:
    """(start, end) of the deployment's runs, in start order."""
    from riverrun.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
        )
    return sorted((r.start_time, r.end_time) for r in runs if r.start_time is not None)


def test_backfill_wait_runs_every_time_one_at_a_time_and_reports_them(flows_dir: Path) -> None:
    deployment_id = _deploy("flows.py:record", flows_dir)
    worker = start_worker("--pool", "p")
    try:
        done = _backfill("--max-active", "1", "--wait")
    finally:
        stop(worker)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 of 3 run(s) finished; skipped 0." in done.stdout
    assert len((flows_dir / "runs.txt").read_text().split()) == 3
    spans = _spans(deployment_id)
    assert len(spans) == 3 and all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_backfill_without_wait_says_what_max_active_left_out(flows_dir: Path) -> None:
    _deploy("flows.py:record", flows_dir)
    done = _backfill("--max-active", "1")
    assert done.returncode == 0, done.stderr
    assert "Created 1 run(s)" in done.stdout
    assert "2 later time(s) not created (--max-active 1)" in done.stdout
