"""Workers' parked long polls do not take the threads other requests need.

anyio's default threadpool has 40 threads; before parked polls had a limiter of their own,
40 idle workers left a read request waiting until their polls ended.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from riverrun.server.testing import ServerProcess

POLLS = 60
POLL_WAIT_S = 20.0


def _wait_for_workers(api: httpx.Client, pool: str, count: int, timeout: float) -> None:
    """Until ``count`` workers have polled (a claim records its worker before it parks)."""
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        seen = len(api.post(f"work_pools/{pool}/workers/filter", json={}).json())
        if seen >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"only {seen} of {count} polls reached the server in {timeout}s")


@pytest.mark.slow
def test_sixty_parked_polls_and_a_read_request_all_succeed(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "home") as server:
        with httpx.Client(base_url=server.api_url + "/", timeout=POLL_WAIT_S + 30) as api:
            api.post(
                "work_pools/", json={"work_pool": {"name": "p", "type": "process"}}
            ).raise_for_status()

            def park(i: int) -> int:
                body = {"worker_name": f"w{i}", "wait": POLL_WAIT_S}
                return api.post("work_pools/p/claim_runs", json=body).status_code

            with ThreadPoolExecutor(POLLS) as pool:
                polls: list[Future[int]] = [pool.submit(park, i) for i in range(POLLS)]
                _wait_for_workers(api, "p", POLLS, timeout=POLL_WAIT_S / 2)

                read = api.post("flow_runs/filter", json={}, timeout=POLL_WAIT_S / 4)

                assert read.status_code == 200
                assert not any(p.done() for p in polls), "the read answered only after polls ended"
                assert [p.result() for p in polls] == [200] * POLLS
