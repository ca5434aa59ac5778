"""Two API replicas on one PostgreSQL database: claims stay exclusive, wake-ups cross over.

Each replica is a real ``riverrun server start`` process on the same database; a long poll
parked on one replica is woken by a run created through the other (PostgreSQL
``LISTEN/NOTIFY``), and workers polling either replica run every run exactly once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from riverrun._store.service import Store
from riverrun.deployments import load_flow_from_entrypoint
from riverrun.schemas.actions import WorkPoolCreate
from riverrun.server.testing import ServerProcess, scratch_postgres

from .conftest import start_worker, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

RUNS = 24
WAKE_BOUND_S = 10.0  # far below the poll's own wait: an answer within it was a wake-up
POLL_WAIT_S = 45.0


@pytest.fixture
def database() -> Iterator[str]:
    with scratch_postgres("riverrun_replicas") as url:
        yield url


@pytest.fixture
def replicas(database: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Servers A and B on the same database."""
    with ServerProcess(tmp_path / "a", database) as a, ServerProcess(tmp_path / "b", database) as b:
        yield a, b


def _deployment(store: Store) -> str:
    """Pool ``p`` with the deployment ``record/d`` of ``flows.py:record``; its ID."""
    store.create_work_pool(WorkPoolCreate(name="p"))
    flow: Any = load_flow_from_entrypoint("flows.py:record")
    deployment = flow.to_deployment("d", work_pool_name="p")
    flow_id = store.create_flow_from_name(deployment.flow_name)
    return str(store.create_deployment(
        flow_id, "d", work_pool_name="p", entrypoint=deployment.entrypoint, path=deployment.path,
        enforce_parameter_schema=False,
    ))  # fmt: skip


def _create_run(server: ServerProcess, deployment_id: str, **body: Any) -> str:
    answer = httpx.post(f"{server.api_url}/deployments/{deployment_id}/create_flow_run",
                        json=body, timeout=30)  # fmt: skip
    answer.raise_for_status()
    return str(answer.json()["id"])


def test_workers_on_two_replicas_run_every_run_exactly_once(
    flows_dir: Path, database: str, replicas: tuple[ServerProcess, ServerProcess]
) -> None:
    store = Store(database)
    try:
        deployment_id = _deployment(store)
        out = flows_dir / "runs.txt"
        workers = [
            start_worker("--pool", "p", "--name", f"w{i}", "--limit", "4",
                         env={"RIVERRUN_API_URL": replicas[i % 2].api_url})
            for i in range(4)
        ]  # fmt: skip
        try:
            ids = [
                _create_run(replicas[i % 2], deployment_id, parameters={"out": str(out)})
                for i in range(RUNS)
            ]

            def finished() -> bool:
                runs = store.read_flow_runs(limit=RUNS + 1)
                return sum(r.state_name == "Completed" for r in runs) == RUNS

            wait_for(finished, timeout=240, what=f"{RUNS} runs to complete")
        finally:
            outputs = [stop(w) for w in workers]
    finally:
        store.dispose()
    counts = Counter(out.read_text().split())
    assert {k: v for k, v in counts.items() if v > 1} == {}, outputs[0][-2000:]
    assert set(counts) == set(ids)


def test_a_run_created_through_one_replica_wakes_a_poll_parked_on_the_other(
    flows_dir: Path, database: str, replicas: tuple[ServerProcess, ServerProcess]
) -> None:
    a, b = replicas
    store = Store(database)
    try:
        deployment_id = _deployment(store)

        def park_on_b() -> list[dict[str, Any]]:
            body = {"worker_name": "parked-on-b", "wait": POLL_WAIT_S}
            answer = httpx.post(f"{b.api_url}/work_pools/p/claim_runs", json=body,
                                timeout=POLL_WAIT_S + 30)  # fmt: skip
            answer.raise_for_status()
            return answer.json()  # type: ignore[no-any-return]

        with ThreadPoolExecutor(1) as pool:
            poll = pool.submit(park_on_b)
            # A claim records its worker before it parks.
            wait_for(
                lambda: store.read_workers_for_work_pool("p"),
                timeout=30,
                what="the poll to park on B",
            )
            run_id = _create_run(a, deployment_id)
            claimed = poll.result(timeout=WAKE_BOUND_S)
    finally:
        store.dispose()
    assert [c["flow_run"]["id"] for c in claimed] == [run_id]
