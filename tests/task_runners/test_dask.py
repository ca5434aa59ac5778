"""What only the Dask runner does: its arguments, Dask clients inside tasks, lost workers, scale."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

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
def inc(x: int) -> int:
    return x + 1


@task
def makes_a_lock() -> Any:
    import threading

    return threading.Lock()


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


def test_workers_record_nothing_in_their_own_home(
    runner: DaskTaskRunner, worker_home: Path, client: Any
) -> None:
    @flow(task_runner=runner)
    def f() -> list[int]:
        return inc.map(range(4)).result()  # type: ignore[no-any-return]

    assert f() == [1, 2, 3, 4]
    assert len(client.read_task_runs()) == 4
    assert not (worker_home / "riverrun.db").exists()


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
