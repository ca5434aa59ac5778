"""Flows: calling, naming, parameters, subflows, tags, states, retries, timeouts, hooks."""

from __future__ import annotations

import asyncio
import enum
from datetime import date, datetime
from typing import Any, Literal

import pytest

from riverrun import flow, get_run_logger, tags, task
from riverrun.context import get_run_context
from riverrun.exceptions import MissingContextError, ParameterTypeError
from riverrun.states import StateType


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def test_flow_returns_its_value_and_is_recorded_completed(client: Any) -> None:
    @flow
    def add(a: int, b: int) -> int:
        return a + b

    assert add(1, 2) == 3
    [run] = client.read_flow_runs()
    assert run.state_type == StateType.COMPLETED
    assert run.parameters == {"a": 1, "b": 2}


def test_flow_default_name_uses_hyphens() -> None:
    @flow
    def my_flow_name() -> None: ...

    assert my_flow_name.name == "my-flow-name"


def test_flow_parameters_are_coerced_from_type_hints() -> None:
    @flow
    def double(x: int) -> int:
        return x * 2

    assert double("5") == 10


def test_invalid_parameter_fails_run_naming_the_parameter(client: Any) -> None:
    @flow
    def double(x: int) -> int:
        return x * 2

    with pytest.raises(ParameterTypeError, match="'x'"):
        double("abc")
    [run] = client.read_flow_runs()
    assert run.state_type == StateType.FAILED
    assert "x" in (run.state.message or "")


def test_guide_style_none_defaults_are_optional() -> None:
    @flow(name="prefect.emr.salesforce.sf_export")
    def sf_export(
        env: Literal["pre", "snd", "pro"],
        select: str = None,  # type: ignore[assignment]
        min_date: datetime = None,  # type: ignore[assignment]
        timeout_mins: int = 150,
    ) -> tuple[Any, ...]:
        return env, select, min_date, timeout_mins

    assert sf_export("pro") == ("pro", None, None, 150)


def test_validate_parameters_false_skips_coercion() -> None:
    @flow(validate_parameters=False)
    def echo(x: int) -> Any:
        return x

    assert echo("5") == "5"


def test_flow_run_name_template_uses_parameters(client: Any) -> None:
    @flow(flow_run_name="greet-{name}")
    def greet(name: str) -> None: ...

    greet("john")
    [run] = client.read_flow_runs()
    assert run.name == "greet-john"


def test_flow_run_name_callable() -> None:
    @flow(flow_run_name=lambda: "custom")
    def f() -> str:
        return get_run_context().flow_run.name

    assert f() == "custom"


def test_exception_in_flow_is_raised_and_recorded_failed(client: Any) -> None:
    @flow
    def boom() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        boom()
    [run] = client.read_flow_runs()
    assert run.state_type == StateType.FAILED
    assert "ValueError: bad input" in (run.state.message or "")


def test_return_state_gives_final_state_instead_of_raising() -> None:
    @flow
    def boom() -> None:
        raise ValueError("bad")

    state = boom(return_state=True)
    assert state.is_failed()
    assert isinstance(state.result(raise_on_failure=False), ValueError)


def test_subflow_is_linked_to_its_parent_through_a_task_run(client: Any) -> None:
    @flow(name="good_morning.greet")
    def greet(name: str) -> str:
        return name

    @flow(name="good_morning")
    def good_morning() -> None:
        greet("John")
        greet("Sam")

    good_morning()
    [parent] = [r for r in client.read_flow_runs() if r.parent_task_run_id is None]
    children = [r for r in client.read_flow_runs() if r.parent_task_run_id is not None]
    assert len(children) == 2
    for child in children:
        link = client.read_task_run(child.parent_task_run_id)
        assert link.flow_run_id == parent.id


def test_subflows_nest_to_any_depth() -> None:
    @flow
    def leaf(n: int) -> int:
        return n

    @flow
    def middle(n: int) -> int:
        return leaf(n) + 1

    @flow
    def top(n: int) -> int:
        return middle(n) + 1

    assert top(1) == 3


def test_tags_context_applies_to_flow_and_task_runs(client: Any) -> None:
    @task
    def t() -> None: ...

    @flow
    def f() -> None:
        t()

    with tags("env:pro", "type:greet"):
        f()
    [run] = client.read_flow_runs()
    assert set(run.tags) == {"env:pro", "type:greet"}
    [task_run] = client.read_task_runs()
    assert set(task_run.tags) == {"env:pro", "type:greet"}


def test_nested_tags_accumulate() -> None:
    with tags("a"):
        with tags("b") as current:
            assert current == {"a", "b"}


def test_get_run_logger_outside_a_run_says_where_to_call_it() -> None:
    with pytest.raises(
        MissingContextError, match="inside a function decorated with @flow or @task"
    ):
        get_run_logger()


def test_logs_are_stored_linked_to_their_run(client: Any) -> None:
    from riverrun.schemas.filters import LogFilter, LogFilterFlowRunId

    @flow(name="greet")
    def greet(name: str) -> None:
        get_run_logger().info(f"Hello {name}")

    greet("John")
    [run] = client.read_flow_runs()
    logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
    assert "Hello John" in [log.message for log in logs]


def test_log_prints_stores_print_output(client: Any) -> None:
    @flow(log_prints=True)
    def f() -> None:
        print("printed line")

    f()
    assert "printed line" in [log.message for log in client.read_logs()]


def test_flow_retries_until_success(client: Any) -> None:
    calls = []

    @flow(retries=2)
    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("transient")
        return "ok"

    assert flaky() == "ok"
    [run] = client.read_flow_runs()
    assert run.run_count == 3
    names = [s.name for s in client.read_flow_run_states(run.id)]
    assert names.count("AwaitingRetry") == 2


def test_flow_timeout_records_timed_out(client: Any) -> None:
    import threading

    never = threading.Event()

    @flow(timeout_seconds=0.2)
    def slow() -> None:
        never.wait(5)

    state = slow(return_state=True)
    assert state.name == "TimedOut"
    [run] = client.read_flow_runs()
    assert run.state_name == "TimedOut"


def test_flow_hooks_receive_flow_run_and_state() -> None:
    seen: list[Any] = []

    @flow(on_completion=[lambda f, run, state: seen.append(("done", run.name, state.type))])
    def ok() -> None: ...

    @flow(on_failure=[lambda f, run, state: seen.append(("failed", state.type))])
    def bad() -> None:
        raise ValueError()

    ok()
    bad(return_state=True)
    assert seen[0][0] == "done" and seen[0][2] == StateType.COMPLETED
    assert seen[1] == ("failed", StateType.FAILED)


def test_with_options_changes_name_only_on_the_copy() -> None:
    @flow(name="a")
    def f() -> None: ...

    g = f.with_options(name="b")
    assert (f.name, g.name) == ("a", "b")


def test_fn_calls_the_undecorated_function(client: Any) -> None:
    @flow
    def f() -> int:
        return 1

    assert f.fn() == 1
    assert client.read_flow_runs() == []


def test_async_flow_runs_under_asyncio(client: Any) -> None:
    @flow
    async def af(x: int) -> int:
        await asyncio.sleep(0)
        return x + 1

    assert asyncio.run(af(1)) == 2
    [run] = client.read_flow_runs()
    assert run.state_type == StateType.COMPLETED


def test_async_subflows_run_concurrently_and_parent_waits(client: Any) -> None:
    @flow
    async def child(i: int) -> int:
        await asyncio.sleep(0.01)
        return i

    @flow
    async def parent() -> list[int]:
        return list(await asyncio.gather(*(child(i) for i in range(3))))

    assert asyncio.run(parent()) == [0, 1, 2]
    runs = client.read_flow_runs()
    assert len(runs) == 4
    top = [r for r in runs if r.parent_task_run_id is None][0]
    assert all(r.end_time <= top.end_time for r in runs)


def test_decorating_a_non_function_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="decorates a function"):
        flow(42)  # type: ignore[call-overload]


def test_parameter_schema_has_enum_datetime_date_defaults_and_docs() -> None:
    @flow
    def f(
        env: Literal["pre", "pro"], when: datetime, day: date, color: Color = Color.RED, n: int = 3
    ) -> None:
        """Do it.

        Args:
            env: where to run
            n: how many
        """

    schema = f.parameters.model_dump_for_openapi()
    props = schema["properties"]
    assert props["env"]["enum"] == ["pre", "pro"]
    assert props["env"]["description"] == "where to run"
    assert props["when"]["format"] == "date-time"
    assert props["day"]["format"] == "date"
    assert props["color"]["enum"] == ["red", "blue"]
    assert props["n"]["default"] == 3
    assert set(schema["required"]) == {"env", "when", "day"}


def test_keyboard_interrupt_is_recorded_crashed_and_reraised(client: Any) -> None:
    @flow
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    [run] = client.read_flow_runs()
    assert run.state_type == StateType.CRASHED


def test_final_state_names_its_flow_run(client: Any) -> None:
    @flow
    def f() -> None: ...

    state = f(return_state=True)
    [run] = client.read_flow_runs()
    assert state.state_details["flow_run_id"] == run.id
