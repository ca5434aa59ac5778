"""``riverrun.runtime.deployment`` and ``.flow_run`` inside a real deployment run: a flow served
by ``serve()`` in a subprocess, triggered with ``run_deployment``, reports what it sees in a
log line; the test compares it with the stored deployment and run."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riverrun.client import get_client
from riverrun.deployments import run_deployment

from .test_serve import _wait_for

# Embedded (the serving process schedules) and against a server.
pytestmark = [pytest.mark.both_modes, pytest.mark.slow]

NAME = "reporter/with-runtime"

FLOW = """
import json

from riverrun import flow, get_run_logger, runtime


@flow(name="reporter-child")
def child() -> dict:
    return {
        "deployment.id": runtime.deployment.id,
        "deployment.parameters": runtime.deployment.parameters,
        "flow_run.parent_deployment_id": runtime.flow_run.parent_deployment_id,
    }


@flow(name="reporter")
def reporter(env: str = "pre", n: int = 1) -> None:
    seen = {
        "deployment.id": runtime.deployment.id,
        "deployment.name": runtime.deployment.name,
        "deployment.version": runtime.deployment.version,
        "deployment.parameters": runtime.deployment.parameters,
        "deployment.flow_run_id": runtime.deployment.flow_run_id,
        "flow_run.id": runtime.flow_run.id,
        "flow_run.name": runtime.flow_run.name,
        "flow_run.parameters": runtime.flow_run.parameters,
        "flow_run.tags": runtime.flow_run.tags,
        "flow_run.flow_name": runtime.flow_run.flow_name,
        "flow_run.scheduled_start_time": runtime.flow_run.scheduled_start_time.isoformat(),
        "flow_run.parent_deployment_id": runtime.flow_run.parent_deployment_id,
        "child": child(),
    }
    get_run_logger().info("RUNTIME " + json.dumps(seen, default=str))


if __name__ == "__main__":
    reporter.serve(name="with-runtime", version="7", parameters={"env": "snd"}, tags=["etl"])
"""


def _deployment() -> Any:
    try:
        return get_client(sync_client=True).read_deployment_by_name(NAME)
    except Exception:  # noqa: BLE001 - not created yet
        return None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Any]:
    (tmp_path / "reporter.py").write_text(textwrap.dedent(FLOW))
    with (tmp_path / "serve.log").open("wb") as out:
        process = subprocess.Popen([sys.executable, "reporter.py"], cwd=tmp_path,
                                   env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield _wait_for(_deployment)
    finally:
        process.kill()
        process.wait()


@pytest.fixture
def seen(served: Any) -> tuple[Any, Any, dict[str, Any]]:
    """(the deployment, its run, what the run's code saw)."""
    when = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=2)
    run = run_deployment(NAME, parameters={"n": 5}, scheduled_time=when,
                         flow_run_name="by-hand", timeout=180)  # fmt: skip
    assert run.state_name == "Completed", run.state
    logs = get_client(sync_client=True).read_logs()
    [line] = [x.message for x in logs if x.message.startswith("RUNTIME ")]
    return served, run, json.loads(line.removeprefix("RUNTIME "))


def test_runtime_in_a_deployment_run_describes_its_deployment_and_run(
    seen: tuple[Any, Any, dict[str, Any]],
) -> None:
    deployment, run, got = seen
    stored = get_client(sync_client=True).read_flow_run(run.id)
    assert {k: v for k, v in got.items() if k != "child"} == {
        "deployment.id": str(deployment.id),
        "deployment.name": "with-runtime",
        "deployment.version": "7",
        # Prefect's: the run's parameters, the deployment's defaults merged with the trigger's.
        "deployment.parameters": {"env": "snd", "n": 5},
        "deployment.flow_run_id": str(run.id),
        "flow_run.id": str(run.id),
        "flow_run.name": "by-hand",
        "flow_run.parameters": {"env": "snd", "n": 5},
        "flow_run.tags": stored.tags,
        "flow_run.flow_name": "reporter",
        # The time the run was scheduled for, not when its process started.
        "flow_run.scheduled_start_time": stored.expected_start_time.isoformat(),
        "flow_run.parent_deployment_id": None,
    }
    assert "etl" in stored.tags


def test_a_subflow_of_a_deployment_run_sees_the_deployment(
    seen: tuple[Any, Any, dict[str, Any]],
) -> None:
    deployment, _run, got = seen
    assert got["child"] == {
        "deployment.id": str(deployment.id),
        "deployment.parameters": {"env": "snd", "n": 5},
        "flow_run.parent_deployment_id": str(deployment.id),
    }
