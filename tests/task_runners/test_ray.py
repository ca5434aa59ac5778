"""What only the Ray runner does: remote options, its arguments, the missing extra."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from riverrun import flow, task
from riverrun_ray import RayTaskRunner
from riverrun_ray.context import remote_options

pytestmark = pytest.mark.slow


@task
def assigned_cpus() -> float:
    import ray

    return float(ray.get_runtime_context().get_assigned_resources().get("CPU", 0.0))


@task
def worker_settings() -> list[str]:
    return [os.environ["RIVERRUN_HOME"], os.environ["RIVERRUN_API_URL"]]


@task
def inc(x: int) -> int:
    return x + 1


def test_remote_options_reach_the_ray_task(local_ray: None) -> None:
    @flow(task_runner=RayTaskRunner())
    def f() -> tuple[float, float]:
        plain = assigned_cpus.submit().result()
        with remote_options(num_cpus=2):
            wide = assigned_cpus.submit().result()
        return plain, wide

    assert f() == (1.0, 2.0)


def test_workers_with_their_own_home_and_no_reachable_server_get_runs_recorded(
    local_ray: None, worker_env: dict[str, str], client: Any
) -> None:
    @flow(task_runner=RayTaskRunner())
    def f() -> tuple[list[int], list[str]]:
        return inc.map(range(3)).result(), worker_settings.submit().result()

    assert f() == ([1, 2, 3], [worker_env["RIVERRUN_HOME"], worker_env["RIVERRUN_API_URL"]])
    assert len(client.read_task_runs()) == 4
    assert not (Path(worker_env["RIVERRUN_HOME"]) / "riverrun.db").exists()


def _run_flow_in_a_new_process(runner_code: str, worker_env: dict[str, str]) -> list[str]:
    """Run a flow of one Ray task run in a fresh interpreter; its printed words."""
    code = f"""
import ray
from riverrun import flow, task
from riverrun_ray import RayTaskRunner

worker_env = {{"env_vars": {worker_env!r}}}


@task
def where() -> str:
    import ray

    context = ray.get_runtime_context()
    return context.namespace + " " + context.get_node_id()


@flow(task_runner={runner_code})
def f() -> str:
    return where.submit().result()


print(f(), ray.is_initialized())
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.split()


def test_without_an_address_a_temporary_ray_gets_init_kwargs_and_is_shut_down(
    worker_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # "local": Ray's own switch for "start a new instance", never one running on this machine.
    monkeypatch.setenv("RAY_ADDRESS", "local")
    words = _run_flow_in_a_new_process(
        "RayTaskRunner(init_kwargs={'namespace': 'init-kwargs-test', 'num_cpus': 1, "
        "'include_dashboard': False, 'log_to_driver': False, 'runtime_env': worker_env})",
        worker_env,
    )
    namespace, _node, still_initialized = words
    assert namespace == "init-kwargs-test"
    assert still_initialized == "False"


def test_an_address_connects_to_a_running_ray_and_leaves_it_running(
    local_ray: None, worker_env: dict[str, str], client: Any
) -> None:
    import ray

    context = ray.get_runtime_context()
    words = _run_flow_in_a_new_process(
        f"RayTaskRunner(address={context.gcs_address!r}, "
        "init_kwargs={'log_to_driver': False, 'runtime_env': worker_env})",
        worker_env,
    )
    namespace, node, _ = words
    assert (namespace, node) == ("riverrun", context.get_node_id())
    [run] = client.read_task_runs()  # recorded by the flow's process, in this test's home
    assert run.state_type.value == "COMPLETED"
    assert ray.get(ray.put("still running")) == "still running"


def test_namespace_defaults_to_riverrun() -> None:
    assert RayTaskRunner().init_kwargs["namespace"] == "riverrun"


def test_duplicates_are_equal_to_the_original() -> None:
    runner = RayTaskRunner(address="ray://127.0.0.1:10001", init_kwargs={"num_cpus": 2})
    assert runner.duplicate() == runner


def test_a_runner_pickles_as_its_settings() -> None:
    runner = RayTaskRunner(address="ray://127.0.0.1:10001", init_kwargs={"num_cpus": 2})
    assert pickle.loads(cloudpickle.dumps(runner)) == runner


def test_without_ray_installed_the_import_names_the_extra() -> None:
    code = "import sys; sys.modules['ray'] = None; import riverrun_ray"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "pip install 'riverrun[ray]'" in result.stderr
