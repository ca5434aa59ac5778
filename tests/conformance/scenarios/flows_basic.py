"""Flows: calling, return values, names, parameters, return_state."""

from observe import call, flow_run_of, result, state, value
from prefect import flow, task


def scenario_flow_returns_value():
    @flow
    def plain_flow(x: int):
        return x * 2

    s = plain_flow(3, return_state=True)
    return {"state": state(s), "result": result(s), "run": flow_run_of(s)}


def scenario_flow_call_returns_value_directly():
    @flow
    def direct_flow():
        return {"a": [1, 2.5, "x"]}

    return {"returned": value(direct_flow())}


def scenario_flow_raises_propagates():
    @flow
    def raising_flow():
        raise ValueError("bad thing")

    return {"call": call(raising_flow)}


def scenario_flow_failed_state_return_state():
    @flow
    def failing_flow():
        raise KeyError("missing")

    s = failing_flow(return_state=True)
    return {
        "state": state(s),
        "result": result(s),
        "result_no_raise": result(s, raise_on_failure=False),
        "run": flow_run_of(s),
    }


def scenario_flow_default_name_from_function():
    @flow
    def my_named_function():
        return 1

    return {"name": my_named_function.name}


def scenario_flow_explicit_name_and_version():
    @flow(name="Explicit Name", version="1.2.3", description="describes")
    def versioned():
        return 1

    return {
        "name": versioned.name,
        "version": versioned.version,
        "description": versioned.description,
    }


def scenario_flow_docstring_becomes_description():
    @flow
    def documented():
        """First line.

        More."""

    return {"description": documented.description}


def scenario_flow_parameters_recorded():
    @flow
    def params_flow(a: int, b: str = "dflt", *, c: float = 1.5):
        return a

    s = params_flow(1, c=2.0, return_state=True)
    return {"run": flow_run_of(s)}


def scenario_flow_parameter_coerced_from_string():
    @flow
    def coerce_flow(n: int):
        return n

    s = coerce_flow("5", return_state=True)
    return {"result": result(s), "run": flow_run_of(s)}


def scenario_flow_parameter_validation_error():
    @flow
    def strict_flow(n: int):
        return n

    return {"call": call(strict_flow, "not a number")}


def scenario_flow_validate_parameters_false():
    @flow(validate_parameters=False)
    def loose_flow(n: int):
        return n

    s = loose_flow("7", return_state=True)
    return {"result": result(s), "run": flow_run_of(s)}


def scenario_flow_missing_argument():
    @flow
    def needs_arg(n):
        return n

    return {"call": call(needs_arg)}


def scenario_flow_extra_argument():
    @flow
    def one_arg(n):
        return n

    return {"call": call(one_arg, 1, 2)}


def scenario_flow_run_name_template():
    @flow(flow_run_name="run-for-{who}_X")
    def templated(who: str):
        return who

    s = templated("alice", return_state=True)
    return {"run": flow_run_of(s)}


def scenario_flow_run_name_callable():
    @flow(flow_run_name=lambda: "From_Callable")
    def named_by_callable():
        return 1

    s = named_by_callable(return_state=True)
    return {"run": flow_run_of(s)}


def scenario_flow_with_options_renames():
    @flow
    def base_flow():
        return 1

    other = base_flow.with_options(name="renamed-flow", retries=2)
    return {
        "name": other.name,
        "retries": other.retries,
        "orig": base_flow.name,
        "orig_retries": base_flow.retries,
    }


def scenario_flow_with_tasks_history():
    @task
    def inc(x):
        return x + 1

    @flow
    def tasks_flow():
        return inc(inc(1))

    s = tasks_flow(return_state=True)
    return {"result": result(s), "run": flow_run_of(s, tasks=2)}


def scenario_flow_retries_history():
    attempts = []

    @flow(retries=2)
    def flaky_flow():
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError(f"attempt {len(attempts)}")
        return len(attempts)

    s = flaky_flow(return_state=True)
    return {"state": state(s), "result": result(s), "run": flow_run_of(s)}


def scenario_flow_retries_exhausted():
    @flow(retries=1)
    def always_fails():
        raise RuntimeError("nope")

    s = always_fails(return_state=True)
    return {"state": state(s), "run": flow_run_of(s)}


def scenario_subflow_parent_link():
    @flow
    def child_flow(x):
        return x + 10

    @flow
    def parent_flow():
        return child_flow(1, return_state=True)

    s = parent_flow(return_state=True)
    child = s.result()
    return {
        "parent": flow_run_of(s, tasks=1),
        "child": flow_run_of(child),
        "child_result": result(child),
    }


def scenario_async_flow():
    import asyncio

    @task
    async def atask(x):
        return x * 3

    @flow
    async def async_flow():
        return await atask(2)

    s = asyncio.run(async_flow(return_state=True))
    return {"result": result(s), "run": flow_run_of(s, tasks=1)}


def scenario_flow_returns_none():
    @flow
    def nothing():
        pass

    s = nothing(return_state=True)
    return {"state": state(s), "result": result(s)}
