"""Tasks: options, retries, tags, names, calling outside flows, return_state."""

from observe import call, flow_run_of, result, state, task_run, value
from prefect import flow, tags, task


def scenario_task_called_outside_flow():
    @task
    def lone(x):
        return x + 1

    return {"call": call(lone, 1)}


def scenario_task_return_state_outside_flow():
    @task
    def lone_state(x):
        return x + 1

    s = lone_state(1, return_state=True)
    return {"state": state(s), "result": result(s)}


def scenario_task_default_name():
    @task
    def some_task_name():
        return 1

    return {"name": some_task_name.name}


def scenario_task_options_attributes():
    @task(
        name="opt",
        retries=3,
        retry_delay_seconds=0,
        tags=["a", "b"],
        timeout_seconds=5,
        log_prints=True,
        description="d",
        version="v1",
    )
    def opt_task():
        return 1

    return {
        "name": opt_task.name,
        "retries": opt_task.retries,
        "tags": sorted(opt_task.tags),
        "timeout": value(opt_task.timeout_seconds),
        "log_prints": opt_task.log_prints,
        "description": opt_task.description,
        "version": opt_task.version,
    }


def scenario_task_retries_history():
    attempts = []

    @task(retries=2)
    def flaky_task():
        attempts.append(1)
        if len(attempts) < 3:
            raise ValueError(f"attempt {len(attempts)}")
        return len(attempts)

    @flow
    def retry_task_flow():
        return flaky_task(return_state=True)

    s = retry_task_flow(return_state=True)
    ts = s.result()
    return {
        "task_state": state(ts),
        "task_result": result(ts),
        "task": task_run(ts.state_details.task_run_id),
        "flow": flow_run_of(s),
    }


def scenario_task_retries_exhausted_fails_flow():
    @task(retries=1)
    def always_bad():
        raise ValueError("bad")

    @flow
    def exhausted_flow():
        always_bad()

    s = exhausted_flow(return_state=True)
    return {"state": state(s), "result": result(s), "run": flow_run_of(s, tasks=1)}


def scenario_task_retry_delay_list():
    attempts = []

    @task(retries=2, retry_delay_seconds=[0, 0])
    def delay_list_task():
        attempts.append(1)
        if len(attempts) < 2:
            raise ValueError("once")
        return "ok"

    @flow
    def delay_list_flow():
        return delay_list_task(return_state=True)

    ts = delay_list_flow()
    return {"result": result(ts), "task": task_run(ts.state_details.task_run_id)}


def scenario_task_retry_condition_fn_stops():
    def only_value_errors(task, task_run, state):
        try:
            state.result()
        except ValueError:
            return True
        except Exception:
            return False
        return False

    @task(retries=3, retry_condition_fn=only_value_errors)
    def type_error_task():
        raise TypeError("not retried")

    @flow
    def condition_flow():
        return type_error_task(return_state=True)

    ts = condition_flow(return_state=True).result(raise_on_failure=False)
    return {"task": task_run(ts.state_details.task_run_id)}


def scenario_task_tags_context_and_decorator():
    @task(tags=["deco"])
    def tagged_task():
        return 1

    @flow
    def tag_flow():
        with tags("ctx"):
            return tagged_task(return_state=True)

    ts = tag_flow()
    return {"task": task_run(ts.state_details.task_run_id)}


def scenario_flow_run_tags_from_context():
    @flow
    def ctx_tag_flow():
        return 1

    with tags("outer", "env:test"):
        s = ctx_tag_flow(return_state=True)
    return {"run": flow_run_of(s)}


def scenario_task_run_name_template():
    @task(task_run_name="item-{x}")
    def named_task(x):
        return x

    @flow
    def task_name_flow():
        return named_task(7, return_state=True)

    ts = task_name_flow()
    return {"task": task_run(ts.state_details.task_run_id)}


def scenario_task_with_options():
    @task
    def plain_t():
        return 1

    t2 = plain_t.with_options(name="other", retries=4, tags=["x"])
    return {
        "name": t2.name,
        "retries": t2.retries,
        "tags": sorted(t2.tags),
        "orig_name": plain_t.name,
    }


def scenario_task_calling_task():
    @task
    def inner_t(x):
        return x * 2

    @task
    def outer_t(x):
        return inner_t(x) + 1

    @flow
    def nested_task_flow():
        return outer_t(3)

    s = nested_task_flow(return_state=True)
    return {"result": result(s), "run": flow_run_of(s, tasks=2)}


def scenario_task_failure_message():
    @task
    def zero_div():
        return 1 / 0

    @flow
    def zero_flow():
        ts = zero_div(return_state=True)
        return {
            "state": state(ts),
            "result": result(ts),
            "task_run_id": str(ts.state_details.task_run_id),
        }

    got = zero_flow()
    return {**got, "task": task_run(got["task_run_id"])}


def scenario_flow_failed_by_task_message():
    @task
    def boom_task():
        raise RuntimeError("boom")

    @flow
    def boom_flow():
        boom_task()

    s = boom_flow(return_state=True)
    return {"state": state(s), "result": result(s)}


def scenario_async_task_in_sync_flow_error():
    import asyncio

    @task
    async def coro_task():
        await asyncio.sleep(0)
        return 5

    @flow
    def sync_flow_async_task():
        return coro_task()

    return {"call": call(sync_flow_async_task)}


def scenario_task_submit_result():
    @task
    def sub_t(x):
        return x * 10

    @flow
    def submit_flow():
        f = sub_t.submit(2)
        return {"result": f.result(), "state": state(f.state), "future_type": type(f).__name__}

    return submit_flow()


def scenario_task_submit_failed_future_result_raises():
    @task
    def fail_sub():
        raise ValueError("from future")

    @flow
    def fail_submit_flow():
        f = fail_sub.submit()
        f.wait()
        return {
            "result": call(f.result),
            "no_raise": call(f.result, raise_on_failure=False),
            "state": state(f.state),
        }

    return {"inner": call(fail_submit_flow)}


def scenario_task_fn_attribute():
    def raw(x):
        return x

    t = task(raw)
    return {"fn_is_raw": t.fn is raw, "isasync": t.isasync}


def scenario_task_on_lambda_name():
    t = task(lambda: 1)
    return {"name": t.name}


def scenario_task_default_retry_attributes():
    @task
    def defaults_t():
        return 1

    return {
        "retries": defaults_t.retries,
        "retry_delay_seconds": value(defaults_t.retry_delay_seconds),
        "timeout": value(defaults_t.timeout_seconds),
        "tags": sorted(defaults_t.tags),
        "persist_result": defaults_t.persist_result,
        "cache_expiration": value(defaults_t.cache_expiration),
    }


def scenario_flow_default_attributes():
    @flow
    def defaults_f():
        return 1

    return {
        "retries": defaults_f.retries,
        "retry_delay_seconds": value(defaults_f.retry_delay_seconds),
        "timeout": value(defaults_f.timeout_seconds),
        "persist_result": defaults_f.persist_result,
        "log_prints": defaults_f.log_prints,
        "validate": defaults_f.should_validate_parameters,
    }
