"""One contract for every task runner: the same tests on threads, processes, Dask and Ray.

Cluster start-ups are few: one Dask ``LocalCluster`` (two worker processes) and one local
Ray for the whole session. Their workers get a ``RIVERRUN_HOME`` of their own, never the
test's, and a ``RIVERRUN_API_URL`` where no server answers (whichever test started the
cluster, in whichever mode), so every test on them also shows that a worker needs no access
to the flow's store or server.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from riverrun.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Workers cannot import the test modules (Ray's are not started with this sys.path):
    # send the tasks defined in them by value.
    for name, module in list(sys.modules.items()):
        if name.startswith("task_runners.") and name != "task_runners.conftest":
            cloudpickle.register_pickle_by_value(module)


# Port 9 (discard) on loopback: nothing listens there, so a worker that tried to reach a
# server itself would fail and spool under its home, which ``_workers_record_nothing`` checks.
UNREACHABLE_API = "http://127.0.0.1:9/api"


@pytest.fixture(scope="session")
def worker_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The RIVERRUN_HOME of every Dask and Ray worker: never any test's own home."""
    return tmp_path_factory.mktemp("worker-home")


@pytest.fixture(scope="session")
def worker_env(worker_home: Path) -> dict[str, str]:
    """The riverrun settings of every Dask and Ray worker: its own home, no reachable server."""
    return {"RIVERRUN_HOME": str(worker_home), "RIVERRUN_API_URL": UNREACHABLE_API}


@pytest.fixture(autouse=True)
def _workers_record_nothing(worker_home: Path) -> Iterator[None]:
    """After every test: no worker opened a store or spooled events in its own home."""
    yield
    assert not (worker_home / "riverrun.db").exists(), (
        "a Dask or Ray worker opened a store of its own during this test"
    )
    assert not (worker_home / "spool").exists(), (
        "a Dask or Ray worker tried to send events to a server itself during this test"
    )


def _new_dask_cluster(worker_env: dict[str, str]) -> Any:
    import dask
    import distributed

    # One retry for a task whose worker died, so the always-killing test ends quickly.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        return distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=2,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            env=worker_env,
        )


@pytest.fixture(scope="session")
def _dask_clusters(worker_env: dict[str, str]) -> Iterator[list[Any]]:
    made = [_new_dask_cluster(worker_env)]
    try:
        yield made
    finally:
        made[-1].close()


@pytest.fixture
def dask_cluster(_dask_clusters: list[Any], worker_env: dict[str, str]) -> Any:
    """The session's cluster with its two workers, or a new one if it has lost them.

    The tests that kill workers leave it to the nannies to start new ones; on a loaded machine
    a nanny can give up, and a cluster with no workers runs nothing (the next test would wait
    for ever)."""
    cluster = _dask_clusters[-1]
    if len(cluster.scheduler_info.get("workers", {})) < 2:
        try:
            cluster.wait_for_workers(2, timeout=60)
        except Exception:  # noqa: BLE001 - replaced below
            cluster.close()
            cluster = _new_dask_cluster(worker_env)
            _dask_clusters.append(cluster)
    return cluster


@pytest.fixture(scope="session")
def local_ray(worker_env: dict[str, str]) -> Iterator[None]:
    import ray

    # Ray gives its raylet a fixed 30 s to register; a busy machine can miss that once.
    for attempt in range(3):
        try:
            ray.init(
                # A new local Ray, never one another program left running on this machine.
                address="local",
                num_cpus=2,
                include_dashboard=False,
                namespace="riverrun-tests",
                runtime_env={"env_vars": worker_env},
                log_to_driver=False,
            )
            break
        except Exception as exc:  # noqa: BLE001 - Ray raises a bare Exception for this
            ray.shutdown()
            if attempt == 2 or "timed out during startup" not in str(exc):
                raise
    try:
        yield
    finally:
        ray.shutdown()


RUNNERS = ["thread", "process", "dask", pytest.param("ray", marks=pytest.mark.slow)]


@pytest.fixture(params=RUNNERS)
def make_runner(request: pytest.FixtureRequest) -> Callable[[], TaskRunner]:
    """A factory of fresh runners of one kind (a flow takes a runner instance)."""
    kind = request.param
    if kind == "thread":
        return ThreadPoolTaskRunner
    if kind == "process":
        return lambda: ProcessPoolTaskRunner(max_workers=2)
    if kind == "dask":
        from riverrun_dask import DaskTaskRunner

        cluster = request.getfixturevalue("dask_cluster")
        return lambda: DaskTaskRunner(address=cluster.scheduler_address)
    request.getfixturevalue("local_ray")
    from riverrun_ray import RayTaskRunner

    return RayTaskRunner


@pytest.fixture
def client() -> Iterator[Any]:
    from riverrun.client.orchestration import get_client

    with get_client(sync_client=True) as c:
        yield c
