"""Tasks: calls, failures, retries, timeouts, names, hooks, futures, map, runners."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from riverrun import allow_failure, flow, task, unmapped
from riverrun.futures import as_completed, wait
from riverrun.states import StateType
from riverrun.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from riverrun.tasks import exponential_backoff


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def fail(message: str = "boom") -> None:
    raise ValueError(message)


def _square(x: int) -> int:
    return x * x


square = task(_square)


def test_task_in_flow_returns_value_and_is_recorded(client: Any) -> None:
    @flow
    def f() -> int:
        return add(1, 2)

    assert f() == 3
    [run] = client.read_task_runs()
    assert run.state_type == StateType.COMPLETED
    assert run.name == "add-0"


def test_repeated_calls_get_increasing_dynamic_keys(client: Any) -> None:
    @flow
    def f() -> None:
        add(1, 1)
        add(2, 2)

    f()
    assert sorted(r.name for r in client.read_task_runs()) == ["add-0", "add-1"]


def test_failing_task_fails_its_flow_and_raises(client: Any) -> None:
    @flow
    def f() -> None:
        fail("bad value")

    with pytest.raises(ValueError, match="bad value"):
        f()
    [task_run] = client.read_task_runs()
    assert task_run.state_type == StateType.FAILED
    [flow_run] = client.read_flow_runs()
    assert flow_run.state_type == StateType.FAILED


def test_caught_task_failure_does_not_fail_the_flow(client: Any) -> None:
    @flow
    def f() -> str:
        try:
            fail()
        except ValueError:
            return "recovered"
        return "unreachable"

    assert f() == "recovered"
    [flow_run] = client.read_flow_runs()
    assert flow_run.state_type == StateType.COMPLETED


def test_task_can_call_a_task(client: Any) -> None:
    @task
    def outer() -> int:
        return add(2, 3)

    @flow
    def f() -> int:
        return outer()

    assert f() == 5
    assert len(client.read_task_runs()) == 2


def test_task_called_outside_a_flow_runs_and_is_recorded(client: Any) -> None:
    assert add(2, 2) == 4
    [run] = client.read_task_runs()
    assert run.flow_run_id is None


def test_task_retries_with_delays_list_then_succeeds(client: Any) -> None:
    attempts = []

    @task(retries=2, retry_delay_seconds=[0, 0])
    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError("again")
        return "ok"

    @flow
    def f() -> str:
        return flaky()

    assert f() == "ok"
    [run] = client.read_task_runs()
    assert run.run_count == 3
    assert [s.name for s in client.read_task_run_states(run.id)].count("Retrying") == 2


def test_retry_condition_fn_can_stop_retries() -> None:
    attempts = []

    @task(retries=3, retry_condition_fn=lambda task, run, state: False)
    def flaky() -> None:
        attempts.append(1)
        raise RuntimeError("no retry")

    @flow
    def f() -> None:
        flaky()

    with pytest.raises(RuntimeError):
        f()
    assert len(attempts) == 1


def test_exponential_backoff_doubles() -> None:
    assert exponential_backoff(2)(3) == [2, 4, 8]


def test_task_timeout_marks_timed_out() -> None:
    never = threading.Event()

    @task(timeout_seconds=0.1)
    def slow() -> None:
        never.wait(5)

    @flow
    def f() -> str:
        return slow(return_state=True).name

    assert f() == "TimedOut"


def test_async_task_timeout_marks_timed_out() -> None:
    @task(timeout_seconds=0.1)
    async def slow() -> None:
        await asyncio.sleep(5)

    @flow
    async def f() -> Any:
        return (await slow(return_state=True)).name

    assert asyncio.run(f()) == "TimedOut"


def test_task_run_name_template(client: Any) -> None:
    @task(task_run_name="add-{a}-{b}")
    def named(a: int, b: int) -> int:
        return a + b

    @flow
    def f() -> None:
        named(1, 2)

    f()
    assert [r.name for r in client.read_task_runs()] == ["add-1-2"]


def test_task_tags_combine_with_context_tags(client: Any) -> None:
    from riverrun import tags

    @task(tags=["db"])
    def t() -> None: ...

    @flow
    def f() -> None:
        with tags("inner"):
            t()

    f()
    [run] = client.read_task_runs()
    assert set(run.tags) == {"db", "inner"}


def test_task_hooks_called_with_state() -> None:
    seen: list[Any] = []

    @task(on_completion=[lambda t, run, state: seen.append(state.type)])
    def ok() -> None: ...

    @task(on_failure=[lambda t, run, state: seen.append(state.type)])
    def bad() -> None:
        raise ValueError()

    @flow
    def f() -> None:
        ok()
        bad(return_state=True)

    f()
    assert seen == [StateType.COMPLETED, StateType.FAILED]


def test_submit_returns_future_with_result_and_state() -> None:
    @flow
    def f() -> tuple[int, bool]:
        future = add.submit(1, 2)
        return future.result(), future.state.is_completed()

    assert f() == (3, True)


def test_future_passed_to_task_resolves_and_records_dependency(client: Any) -> None:
    @flow
    def f() -> int:
        first = add.submit(1, 1)
        return add(first, 10)

    assert f() == 12
    runs = {r.name: r for r in client.read_task_runs()}
    deps = runs["add-1"].task_inputs["a"]
    assert [d.id for d in deps] == [runs["add-0"].id]


def test_failed_upstream_future_fails_downstream_without_running_it(client: Any) -> None:
    ran = []

    @task
    def downstream(x: Any) -> None:
        ran.append(x)

    @flow
    def f() -> Any:
        future = downstream.submit(fail.submit())
        future.wait()
        return future.state

    state = f(return_state=True)
    assert ran == []
    assert state.is_failed()


def test_allow_failure_runs_downstream_with_the_exception() -> None:
    @task
    def downstream(x: Any) -> str:
        return type(x).__name__

    @flow
    def f() -> str:
        return downstream(allow_failure(fail.submit()))

    assert f() == "ValueError"


def test_map_with_unmapped(client: Any) -> None:
    @flow
    def f() -> list[int]:
        return add.map([1, 2, 3], unmapped(10)).result()

    assert f() == [11, 12, 13]
    assert len(client.read_task_runs()) == 3


def test_map_with_unequal_lengths_is_a_clear_error() -> None:
    @flow
    def f() -> None:
        add.map([1, 2], [1])

    with pytest.raises(ValueError, match="different lengths"):
        f()


def test_wait_and_as_completed() -> None:
    @flow
    def f() -> tuple[int, list[int]]:
        futures = add.map([1, 2, 3], 0)
        done, not_done = wait(futures)
        return len(done), sorted(fut.result() for fut in as_completed(futures))

    assert f() == (3, [1, 2, 3])


def test_result_raise_on_failure_false_returns_exception() -> None:
    @flow
    def f() -> Any:
        return fail.submit().result(raise_on_failure=False)

    assert isinstance(f(), ValueError)


def test_flow_waits_for_submitted_tasks_before_finishing(client: Any) -> None:
    release = threading.Event()

    @task
    def slow() -> str:
        release.wait(5)
        return "done"

    @flow
    def f() -> None:
        slow.submit()
        release.set()

    f()
    [task_run] = client.read_task_runs()
    [flow_run] = client.read_flow_runs()
    assert task_run.state_type == StateType.COMPLETED
    assert task_run.end_time <= flow_run.end_time


def test_async_tasks_run_concurrently_with_gather() -> None:
    started: list[int] = []

    @task
    async def step(i: int) -> int:
        started.append(i)
        while len(started) < 2:
            await asyncio.sleep(0.001)
        return i

    @flow
    async def f() -> list[int]:
        return list(await asyncio.gather(step(1), step(2)))

    assert asyncio.run(asyncio.wait_for(f(), 5)) == [1, 2]


def test_thread_pool_task_runner_with_max_workers() -> None:
    @flow(task_runner=ThreadPoolTaskRunner(max_workers=2))
    def f() -> list[int]:
        return add.map([1, 2, 3, 4], 1).result()

    assert f() == [2, 3, 4, 5]


@pytest.mark.slow
def test_process_pool_task_runner_records_runs_from_workers(client: Any) -> None:
    @flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
    def f() -> list[int]:
        return square.map([1, 2, 3]).result()

    assert f() == [1, 4, 9]
    runs = client.read_task_runs()
    assert len(runs) == 3
    assert all(r.state_type == StateType.COMPLETED for r in runs)


def test_with_options_overrides_retries() -> None:
    assert fail.with_options(retries=2).retries == 2
    assert fail.retries == 0


def test_task_decorator_on_non_function_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="decorates a function"):
        task("not a function")  # type: ignore[call-overload]


@pytest.mark.slow
def test_process_pool_downstream_of_a_failed_task_fails_without_running(client: Any) -> None:
    @flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
    def f() -> Any:
        future = square.submit(fail.submit())
        future.wait()
        return future.state

    state = f(return_state=True)
    assert state.is_failed()
    runs = {r.name: r for r in client.read_task_runs()}
    # As Prefect: the downstream run never starts and stays Pending as "NotReady".
    assert runs["_square-0"].state_type == StateType.PENDING
    assert runs["_square-0"].state_name == "NotReady"
    assert "Upstream task run" in (runs["_square-0"].state.message or "")
