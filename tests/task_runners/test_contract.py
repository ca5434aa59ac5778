"""The task-runner contract: every test here runs on threads, processes, Dask and Ray."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow, get_run_logger, task, unmapped
from riverrun.artifacts import create_markdown_artifact
from riverrun.cache_policies import INPUTS
from riverrun.futures import as_completed, wait
from riverrun.runtime import task_run
from riverrun.states import StateType
from riverrun.task_runners import TaskRunner
from riverrun.utilities.annotations import allow_failure

Runner = Callable[[], TaskRunner]


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def fail() -> None:
    raise ValueError("boom")


@task
def value_or_error(x: Any) -> str:
    return type(x).__name__


@task(retries=2, retry_delay_seconds=0)
def flaky() -> int:
    if task_run.run_count < 3:
        raise RuntimeError(f"attempt {task_run.run_count} fails")
    return task_run.run_count


@task(timeout_seconds=0.5)
def too_slow() -> None:
    for _ in range(600):
        time.sleep(0.05)


@task(cache_policy=INPUTS)
def cached_square(x: int) -> int:
    return x * x


@task
def logs(message: str) -> None:
    get_run_logger().info("logged %s", message)


@task
def prints(message: str) -> None:
    print(f"printed {message}")


@task
def publishes() -> None:
    create_markdown_artifact("# report", key="contract-report")


@task
def record(value: Any) -> Any:
    return value


@task
async def async_double(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


@task
def makes_a_function(x: int) -> Callable[[int], int]:
    return lambda y: x + y


@task(tags=["one-at-a-time"])
def holds_the_tag(i: int) -> int:
    time.sleep(0.05)  # the work the limit protects, long enough for two holders to overlap
    return i


def _runs(client: Any) -> dict[str, Any]:
    return {r.name: r for r in client.read_task_runs()}


def test_submit_returns_the_result_and_records_a_completed_run(
    make_runner: Runner, client: Any
) -> None:
    @flow(task_runner=make_runner())
    def f() -> int:
        return add.submit(1, 2).result()  # type: ignore[no-any-return]

    assert f() == 3
    [run] = client.read_task_runs()
    assert (run.name, run.state_type) == ("add-0", StateType.COMPLETED)


def test_a_result_only_cloudpickle_can_send_comes_back(make_runner: Runner) -> None:
    @flow(task_runner=make_runner())
    def f() -> int:
        return makes_a_function.submit(2).result()(3)  # type: ignore[no-any-return]

    assert f() == 5


def test_map_passes_unmapped_arguments_to_every_run(make_runner: Runner, client: Any) -> None:
    @flow(task_runner=make_runner())
    def f() -> list[int]:
        return add.map([1, 2, 3], unmapped(10)).result()  # type: ignore[no-any-return]

    assert f() == [11, 12, 13]
    assert sorted(_runs(client)) == ["add-0", "add-1", "add-2"]


def test_wait_returns_every_future_done(make_runner: Runner) -> None:
    @flow(task_runner=make_runner())
    def f() -> tuple[int, int]:
        futures = add.map([1, 2], unmapped(1))
        done, not_done = wait(futures, timeout=120)
        return len(done), len(not_done)

    assert f() == (2, 0)


def test_as_completed_yields_each_future_once(make_runner: Runner) -> None:
    @flow(task_runner=make_runner())
    def f() -> list[int]:
        futures = add.map([1, 2, 3], unmapped(0))
        return sorted(fut.result() for fut in as_completed(futures, timeout=120))

    assert f() == [1, 2, 3]


def test_a_future_passed_into_a_task_is_resolved_and_recorded_as_its_input(
    make_runner: Runner, client: Any
) -> None:
    @flow(task_runner=make_runner())
    def f() -> int:
        first = add.submit(1, 2)
        return add.submit(first, 10).result()  # type: ignore[no-any-return]

    assert f() == 13
    runs = _runs(client)
    [edge] = runs["add-1"].task_inputs["a"]
    assert edge.id == runs["add-0"].id


def test_a_task_downstream_of_a_failure_fails_without_running(
    make_runner: Runner, client: Any
) -> None:
    @flow(task_runner=make_runner())
    def f() -> Any:
        downstream = add.submit(fail.submit(), 1)
        downstream.wait()
        return downstream.state

    state = f(return_state=True)
    assert state.is_failed()
    runs = _runs(client)
    assert runs["fail-0"].state_type == StateType.FAILED
    # As Prefect 3.9.1 records it (tests/conformance): Pending "NotReady", never run.
    assert runs["add-0"].state_type == StateType.PENDING
    assert runs["add-0"].state_name == "NotReady"
    assert "Upstream task run" in (runs["add-0"].state.message or "")


def test_allow_failure_runs_the_downstream_task_with_the_error(make_runner: Runner) -> None:
    @flow(task_runner=make_runner())
    def f() -> str:
        return value_or_error.submit(allow_failure(fail.submit())).result()  # type: ignore[no-any-return]

    assert f() == "ValueError"


def test_a_failed_task_raises_from_result_and_is_recorded_failed(
    make_runner: Runner, client: Any
) -> None:
    @flow(task_runner=make_runner())
    def f() -> None:
        fail.submit().result()

    with pytest.raises(ValueError, match="boom"):
        f()
    [run] = client.read_task_runs()
    assert run.state_type == StateType.FAILED


def test_retries_run_again_and_every_attempt_is_recorded(make_runner: Runner, client: Any) -> None:
    @flow(task_runner=make_runner())
    def f() -> int:
        return flaky.submit().result()  # type: ignore[no-any-return]

    assert f() == 3
    [run] = client.read_task_runs()
    assert run.run_count == 3
    names = [s.name for s in client.read_task_run_states(run.id)]
    # With no retry delay Prefect 3.9.1 goes Running -> Retrying (tests/conformance).
    assert names.count("Retrying") == 2
    assert names[-1] == "Completed"


def test_a_timed_out_task_is_recorded_timed_out(make_runner: Runner, client: Any) -> None:
    @flow(task_runner=make_runner())
    def f() -> Any:
        future = too_slow.submit()
        future.wait()
        return future.state

    state = f(return_state=True)
    assert state.is_failed()
    [run] = client.read_task_runs()
    assert run.state_name == "TimedOut"


def test_a_cached_task_run_is_recorded_cached_the_second_time(
    make_runner: Runner, client: Any
) -> None:
    # An input of its own: a cluster's workers keep their result storage across tests.
    x = uuid.uuid4().int % 10**9

    @flow(task_runner=make_runner())
    def f() -> list[int]:
        first = cached_square.submit(x).result()
        return [first, cached_square.submit(x).result()]

    assert f() == [x * x, x * x]
    runs = _runs(client)
    assert runs["cached_square-0"].state_name == "Completed"
    assert runs["cached_square-1"].state_name == "Cached"


def test_run_logger_lines_are_recorded_with_the_task_run(make_runner: Runner, client: Any) -> None:
    @flow(task_runner=make_runner())
    def f() -> None:
        logs.submit("hello").wait()

    f()
    [run] = client.read_task_runs()
    messages = [log.message for log in client.read_logs() if log.task_run_id == run.id]
    assert "logged hello" in messages


def test_prints_are_recorded_when_the_flow_logs_prints(make_runner: Runner, client: Any) -> None:
    @flow(task_runner=make_runner(), log_prints=True)
    def f() -> None:
        prints.submit("hi").wait()

    f()
    [run] = client.read_task_runs()
    messages = [log.message for log in client.read_logs() if log.task_run_id == run.id]
    assert "printed hi" in messages


def test_artifacts_are_recorded_with_the_task_run(make_runner: Runner, client: Any) -> None:
    @flow(task_runner=make_runner())
    def f() -> None:
        publishes.submit().wait()

    f()
    [run] = client.read_task_runs()
    [artifact] = client.read_artifacts()
    assert (artifact.key, artifact.task_run_id) == ("contract-report", run.id)


def test_a_persisted_result_is_read_back_from_the_recorded_state(
    make_runner: Runner, client: Any, tmp_path: Path
) -> None:
    # A directory every worker and the flow can reach: a shared mount across machines.
    persists = record.with_options(persist_result=True, result_storage=str(tmp_path / "results"))

    @flow(task_runner=make_runner())
    def f() -> None:
        persists.submit({"rows": 3}).wait()

    f()
    [run] = client.read_task_runs()
    assert run.state.result() == {"rows": 3}


def test_async_tasks_run_and_return_their_result(make_runner: Runner, client: Any) -> None:
    @flow(task_runner=make_runner())
    def f() -> list[int]:
        return async_double.map([1, 2]).result()  # type: ignore[no-any-return]

    assert f() == [2, 4]
    assert {r.state_type for r in client.read_task_runs()} == {StateType.COMPLETED}


def test_an_async_flow_submits_to_the_runner(make_runner: Runner) -> None:
    @flow(task_runner=make_runner())
    async def f() -> int:
        return add.submit(2, 3).result()  # type: ignore[no-any-return]

    assert asyncio.run(f()) == 5


def test_task_runs_left_unwaited_are_finished_and_recorded_when_the_flow_ends(
    make_runner: Runner, client: Any
) -> None:
    @flow(task_runner=make_runner())
    def f() -> None:
        add.map([1, 2, 3], unmapped(1))

    f()
    runs = client.read_task_runs()
    assert [r.state_type for r in runs] == [StateType.COMPLETED] * 3


def test_task_runs_carry_the_flow_runs_tags_and_id(make_runner: Runner, client: Any) -> None:
    from riverrun import tags

    @flow(task_runner=make_runner())
    def f() -> None:
        add.submit(1, 1).wait()

    with tags("contract"):
        state = f(return_state=True)
    [run] = client.read_task_runs()
    assert run.tags == ["contract"]
    assert str(run.flow_run_id) == state.state_details["flow_run_id"]


@pytest.mark.both_modes
def test_a_tag_limit_of_one_never_has_two_task_runs_running_at_once(
    make_runner: Runner, client: Any
) -> None:
    client.create_concurrency_limit("one-at-a-time", 1)

    @flow(task_runner=make_runner())
    def f() -> list[int]:
        return holds_the_tag.map(range(4)).result()  # type: ignore[no-any-return]

    assert f() == [0, 1, 2, 3]
    runs = sorted(client.read_task_runs(), key=lambda r: r.start_time)
    assert [r.state_type for r in runs] == [StateType.COMPLETED] * 4
    # Counted from the recorded runs: each starts Running only after the previous one ended.
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert later.start_time >= earlier.end_time, (earlier.name, later.name)
    assert client.read_concurrency_limit_by_tag("one-at-a-time").active_slots == []


def test_map_keeps_item_order_when_some_items_are_futures(make_runner: Runner) -> None:
    @flow(task_runner=make_runner())
    def f() -> list[int]:
        first = add.submit(10, 0)
        return add.map([1, first, 2, first, 3], unmapped(1)).result()  # type: ignore[no-any-return]

    assert f() == [2, 11, 3, 11, 4]
