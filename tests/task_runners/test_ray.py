"""What only the Ray runner does: remote options, its arguments, the missing extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

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


def test_workers_record_nothing_in_their_own_home(
    local_ray: None, worker_home: Path, client: Any
) -> None:
    @flow(task_runner=RayTaskRunner())
    def f() -> list[int]:
        return inc.map(range(3)).result()  # type: ignore[no-any-return]

    assert f() == [1, 2, 3]
    assert len(client.read_task_runs()) == 3
    assert not (worker_home / "riverrun.db").exists()


def test_namespace_defaults_to_riverrun() -> None:
    assert RayTaskRunner().init_kwargs["namespace"] == "riverrun"


def test_duplicates_are_equal_to_the_original() -> None:
    runner = RayTaskRunner(address="ray://127.0.0.1:10001", init_kwargs={"num_cpus": 2})
    assert runner.duplicate() == runner


def test_without_ray_installed_the_import_names_the_extra() -> None:
    code = "import sys; sys.modules['ray'] = None; import riverrun_ray"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "pip install 'riverrun[ray]'" in result.stderr
