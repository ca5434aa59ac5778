"""What only the Dask runner does: its arguments, Dask clients inside tasks, lost workers, scale."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import cloudpickle
import distributed
import pytest

from riverrun import flow, task
from riverrun.client.schemas.filters import (
    TaskRunFilter,
    TaskRunFilterState,
    TaskRunFilterStateType,
)
from riverrun.states import StateType
from riverrun_dask import DaskTaskRunner, get_async_dask_client, get_dask_client


@task
def sum_on_the_cluster(values: list[int]) -> int:
    with get_dask_client() as client:
        return client.submit(sum, values).result()  # type: ignore[no-any-return]


@task
async def sum_on_the_cluster_async(values: list[int]) -> int:
    async with get_async_dask_client() as client:
        return await client.submit(sum, values)  # type: ignore[no-any-return]


@task
def dies_once(marker: str) -> str:
    path = Path(marker)
    if not path.exists():
        path.write_text("the first attempt kills its worker")
        os.kill(os.getpid(), signal.SIGKILL)
    return "done on a second worker"


@task
def always_dies() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@task
def worker_settings() -> list[str]:
    return [os.environ["RIVERRUN_HOME"], os.environ["RIVERRUN_API_URL"]]


@task
def inc(x: int) -> int:
    return x + 1


@task
def waits_for_file(path: str) -> int:
    for _ in range(1200):  # at most a minute
        if Path(path).exists():
            return 1
        time.sleep(0.05)
    raise TimeoutError(f"{path} never appeared")


@task
def makes_a_lock() -> Any:
    import threading

    return threading.Lock()


class CountedCluster(distributed.LocalCluster):
    """A real ``LocalCluster`` that remembers each instance, to name by qualified name."""

    made: ClassVar[list[distributed.LocalCluster]] = []

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        CountedCluster.made.append(self)


# Threads, not processes: these tests are about which cluster the runner makes, not its workers.
IN_PROCESS = {"processes": False, "dashboard_address": ":0"}


@pytest.fixture
def runner(dask_cluster: Any) -> DaskTaskRunner:
    return DaskTaskRunner(address=dask_cluster.scheduler_address)


def test_get_dask_client_inside_a_task_submits_to_the_same_cluster(runner: DaskTaskRunner) -> None:
    @flow(task_runner=runner)
    def f() -> int:
        return sum_on_the_cluster.submit([1, 2, 3]).result()  # type: ignore[no-any-return]

    assert f() == 6


def test_get_async_dask_client_inside_an_async_task(runner: DaskTaskRunner) -> None:
    @flow(task_runner=runner)
    def f() -> int:
        return sum_on_the_cluster_async.submit([4, 5]).result()  # type: ignore[no-any-return]

    assert f() == 9


def test_get_dask_client_in_the_flow_connects_to_the_runners_cluster(
    runner: DaskTaskRunner, dask_cluster: Any
) -> None:
    @flow(task_runner=runner)
    def f() -> str:
        inc.submit(1).wait()
        with get_dask_client() as client:
            return str(client.scheduler.address)

    assert f() == dask_cluster.scheduler_address


def test_a_result_that_cannot_be_sent_back_keeps_its_state_and_says_why(
    runner: DaskTaskRunner, client: Any
) -> None:
    @flow(task_runner=runner)
    def f() -> tuple[Any, str]:
        future = makes_a_lock.submit()
        future.wait()
        return future.state.type, future.state.message or ""

    state_type, message = f()
    assert state_type == StateType.COMPLETED
    assert "could not be sent back from the worker" in message
    [run] = client.read_task_runs()
    assert run.state_type == StateType.COMPLETED


def test_workers_with_their_own_home_and_no_reachable_server_get_runs_recorded(
    runner: DaskTaskRunner, worker_env: dict[str, str], client: Any
) -> None:
    @flow(task_runner=runner)
    def f() -> tuple[list[int], list[str]]:
        return inc.map(range(4)).result(), worker_settings.submit().result()

    assert f() == ([1, 2, 3, 4], [worker_env["RIVERRUN_HOME"], worker_env["RIVERRUN_API_URL"]])
    assert len(client.read_task_runs()) == 5
    assert not (Path(worker_env["RIVERRUN_HOME"]) / "riverrun.db").exists()


@pytest.mark.slow
def test_a_task_whose_worker_is_killed_is_retried_and_recorded_once(
    runner: DaskTaskRunner, tmp_path: Path, client: Any
) -> None:
    @flow(task_runner=runner)
    def f() -> str:
        return dies_once.submit(str(tmp_path / "killed")).result()  # type: ignore[no-any-return]

    assert f() == "done on a second worker"
    [run] = client.read_task_runs()
    assert run.state_type == StateType.COMPLETED
    names = [s.name for s in client.read_task_run_states(run.id)]
    assert names == ["Pending", "Running", "Completed"]


@pytest.mark.slow
def test_a_task_that_keeps_killing_its_worker_ends_crashed_not_running(
    runner: DaskTaskRunner, client: Any
) -> None:
    @flow(task_runner=runner)
    def f() -> Any:
        future = always_dies.submit()
        future.wait()
        return future.state

    state = f(return_state=True)
    # A flow returning another run's state is summed up as Prefect does: "1/1 states failed."
    assert state.is_failed()
    [run] = client.read_task_runs()
    assert run.state_type == StateType.CRASHED
    assert "KilledWorker" in (run.state.message or "")


def test_a_map_larger_than_the_in_flight_bound_completes(
    runner: DaskTaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import riverrun_dask.task_runners

    monkeypatch.setattr(riverrun_dask.task_runners, "MAX_IN_FLIGHT", 2)

    @flow(task_runner=runner)
    def f() -> list[int]:
        first = inc.submit(0)
        return inc.map([first] * 3 + list(range(5))).result()  # type: ignore[no-any-return]

    assert f() == [2, 2, 2, 1, 2, 3, 4, 5]


def test_without_an_address_a_temporary_local_cluster_runs_the_tasks() -> None:
    runner = DaskTaskRunner(
        cluster_kwargs={"n_workers": 1, "processes": False, "dashboard_address": ":0"}
    )

    @flow(task_runner=runner)
    def f() -> list[int]:
        return inc.map([1, 2]).result()  # type: ignore[no-any-return]

    assert f() == [2, 3]


def test_cluster_class_by_qualified_name_is_made_with_cluster_kwargs_and_closed() -> None:
    CountedCluster.made.clear()
    runner = DaskTaskRunner(
        cluster_class="task_runners.test_dask.CountedCluster",
        cluster_kwargs={"n_workers": 1, **IN_PROCESS},
    )

    @flow(task_runner=runner)
    def f() -> list[int]:
        return inc.map([1, 2]).result()  # type: ignore[no-any-return]

    assert f() == [2, 3]
    [cluster] = CountedCluster.made
    assert cluster.status.name == "closed"  # the runner made it, so it closed it


def test_cluster_class_may_be_a_callable_given_the_cluster_kwargs() -> None:
    received: list[dict[str, Any]] = []

    def make_cluster(**kwargs: Any) -> distributed.LocalCluster:
        received.append(kwargs)
        return distributed.LocalCluster(**kwargs)

    runner = DaskTaskRunner(
        cluster_class=make_cluster, cluster_kwargs={"n_workers": 1, **IN_PROCESS}
    )

    @flow(task_runner=runner)
    def f() -> int:
        return inc.submit(1).result()  # type: ignore[no-any-return]

    assert f() == 2
    assert received == [{"n_workers": 1, **IN_PROCESS}]


def test_adapt_kwargs_scale_a_cluster_that_starts_with_no_workers() -> None:
    # With no workers and no adaptive scaling the task run would never start.
    runner = DaskTaskRunner(
        cluster_kwargs={"n_workers": 0, **IN_PROCESS}, adapt_kwargs={"minimum": 1, "maximum": 1}
    )

    @flow(task_runner=runner)
    def f() -> int:
        return inc.submit(41).result(timeout=120)  # type: ignore[no-any-return]

    assert f() == 42


def test_client_kwargs_reach_the_runners_dask_client(dask_cluster: Any) -> None:
    runner = DaskTaskRunner(
        address=dask_cluster.scheduler_address, client_kwargs={"name": "client-kwargs-test"}
    )

    @flow(task_runner=runner)
    def f() -> list[str]:
        inc.submit(1).wait()
        return list(
            runner.client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.clients))
        )

    assert any("client-kwargs-test" in client_id for client_id in f())


def test_an_upstream_future_is_a_dask_dependency_of_the_downstream_task(
    runner: DaskTaskRunner, tmp_path: Path
) -> None:
    release = tmp_path / "release"

    @flow(task_runner=runner)
    def f() -> tuple[bool, list[str], str, int]:
        upstream = waits_for_file.submit(str(release))
        downstream = inc.submit(upstream)
        sent_while_upstream_ran = not upstream.state.is_final()
        assert upstream.dask_future is not None and downstream.dask_future is not None
        upstream_key, key = upstream.dask_future.key, downstream.dask_future.key
        dependencies = runner.client.run_on_scheduler(
            lambda dask_scheduler: [d.key for d in dask_scheduler.tasks[key].dependencies]
        )
        release.write_text("go")
        return sent_while_upstream_ran, dependencies, upstream_key, downstream.result()

    sent_while_upstream_ran, dependencies, upstream_key, result = f()
    # Sent to the scheduler while the upstream still ran, with the upstream's Dask task as
    # its dependency: Dask hands the value from worker to worker, not via the flow process.
    assert sent_while_upstream_ran
    assert dependencies == [upstream_key]
    assert result == 2


@task
def scheduler_of_this_worker() -> str:
    return str(distributed.get_worker().scheduler.address)


@flow(task_runner=DaskTaskRunner())
def inner_flow() -> str:
    return scheduler_of_this_worker.submit().result()  # type: ignore[no-any-return]


@task
def runs_a_flow() -> str:
    return inner_flow()


def test_with_a_default_dask_client_the_runner_joins_its_cluster(dask_cluster: Any) -> None:
    # As prefect-dask 0.3.7 (measured): a notebook's ``Client(cluster)`` is the cluster used.
    with distributed.Client(dask_cluster):
        assert inner_flow() == dask_cluster.scheduler_address
        assert len(dask_cluster.workers) == 2  # no cluster was started for the flow


def test_a_flow_run_by_a_task_on_a_worker_uses_the_same_cluster(
    runner: DaskTaskRunner, dask_cluster: Any, client: Any
) -> None:
    @flow(task_runner=runner)
    def outer() -> str:
        return runs_a_flow.submit().result()  # type: ignore[no-any-return]

    # Not a LocalCluster of its own inside the worker: the worker's scheduler.
    assert outer() == dask_cluster.scheduler_address
    names = sorted(r.name for r in client.read_task_runs())
    # The subflow's own task run stands for it in the parent, as in Prefect.
    assert names == ["inner-flow-0", "runs_a_flow-0", "scheduler_of_this_worker-0"]
    assert len(client.read_flow_runs()) == 2


def test_address_with_cluster_kwargs_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Cannot specify `address` and"):
        DaskTaskRunner(address="tcp://127.0.0.1:8786", cluster_kwargs={"n_workers": 2})


def test_asynchronous_in_client_kwargs_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="`client_kwargs` cannot set `asynchronous`"):
        DaskTaskRunner(client_kwargs={"asynchronous": True})


def test_an_unimportable_cluster_class_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="cluster_class 'nowhere.Cluster' cannot be imported"):
        DaskTaskRunner(cluster_class="nowhere.Cluster")


def test_duplicates_are_equal_to_the_original() -> None:
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 3}, client_kwargs={"timeout": 5})
    assert runner.duplicate() == runner


def test_a_started_runner_pickles_as_its_settings(runner: DaskTaskRunner) -> None:
    @flow(task_runner=runner)
    def f() -> None:
        inc.submit(1).wait()

    f()
    assert pickle.loads(cloudpickle.dumps(runner)) == runner


def test_without_dask_installed_the_import_names_the_extra() -> None:
    code = "import sys; sys.modules['distributed'] = None; import riverrun_dask"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "pip install 'riverrun[dask]'" in result.stderr


@pytest.mark.slow
def test_two_thousand_mapped_task_runs_are_all_recorded(
    runner: DaskTaskRunner, client: Any
) -> None:
    @flow(task_runner=runner)
    def f() -> int:
        return sum(inc.map(range(2000)).result())

    assert f() == sum(range(1, 2001))
    completed = client.count_task_runs(
        task_run_filter=TaskRunFilter(
            state=TaskRunFilterState(type=TaskRunFilterStateType(any_=["COMPLETED"]))
        )
    )
    assert completed == 2000


def test_an_interrupted_flow_does_not_wait_for_a_run_no_worker_can_take(client: Any) -> None:
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 0, **IN_PROCESS})

    @flow(task_runner=runner)
    def f() -> None:
        inc.submit(1)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        f()
    [run] = client.read_task_runs()
    assert run.state_type == StateType.CRASHED
