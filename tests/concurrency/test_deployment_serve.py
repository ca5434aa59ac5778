"""A served deployment with ``concurrency_limit=1`` runs its runs one after another, end to end
(a real ``serve()`` process starting each run in a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _conc_helpers import wait_until

from riverrun.client import get_client
from riverrun.deployments import run_deployment

SCRIPT = """
import time
from riverrun import flow

@flow
def slow_job() -> None:
    time.sleep(0.5)

if __name__ == "__main__":
    slow_job.serve(name="one-at-a-time", concurrency_limit=1)
"""


@pytest.mark.slow
@pytest.mark.single_mode("serve() with the embedded store; the claim path is the same on a server")
def test_served_runs_of_a_limited_deployment_never_overlap(tmp_path: Path) -> None:
    (tmp_path / "job.py").write_text(textwrap.dedent(SCRIPT))
    with (tmp_path / "serve.log").open("wb") as out:
        process = subprocess.Popen([sys.executable, "job.py"], cwd=tmp_path, env=dict(os.environ),
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    client = get_client(sync_client=True)
    try:

        def deployed() -> bool:
            try:
                client.read_deployment_by_name("slow-job/one-at-a-time")
                return True
            except Exception:  # noqa: BLE001 - not there yet
                return False

        wait_until(deployed, timeout=60, what="the deployment being served")
        ids = [run_deployment("slow-job/one-at-a-time", timeout=0).id for _ in range(3)]
        wait_until(lambda: all(client.read_flow_run(i).state_type == "COMPLETED" for i in ids),
                   timeout=120, what="all three runs completing")  # fmt: skip
    finally:
        process.kill()
        process.wait()
    runs = sorted((client.read_flow_run(i) for i in ids), key=lambda r: r.start_time)  # type: ignore[arg-type, return-value]
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert earlier.end_time <= later.start_time  # type: ignore[operator]
    names = {s.name for i in ids for s in client.read_flow_run_states(i)}
    assert "AwaitingConcurrencySlot" in names
