"""Timeouts of flows and tasks."""

import time

from observe import exc, flow_run_of, result, state, task_run
from prefect import flow, task
from prefect.flow_engine import FlowRunTimeoutError
from prefect.task_engine import TaskRunTimeoutError


def scenario_task_timeout():
    @task(timeout_seconds=0.2)
    def slow_task():
        time.sleep(3)

    @flow
    def task_timeout_flow():
        return slow_task(return_state=True)

    ts = task_timeout_flow(return_state=True).result(raise_on_failure=False)
    return {
        "state": state(ts),
        "result": result(ts),
        "task": task_run(ts.state_details.task_run_id),
    }


def scenario_flow_timeout():
    @flow(timeout_seconds=0.2)
    def slow_flow():
        time.sleep(3)

    s = slow_flow(return_state=True)
    return {"state": state(s), "result": result(s), "run": flow_run_of(s)}


def scenario_async_flow_timeout():
    import asyncio

    @flow(timeout_seconds=0.2)
    async def slow_async_flow():
        await asyncio.sleep(3)

    s = asyncio.run(slow_async_flow(return_state=True))
    return {"state": state(s), "result": result(s)}


def scenario_timeout_error_classes():
    return {
        "flow": exc(FlowRunTimeoutError("f")),
        "task": exc(TaskRunTimeoutError("t")),
        "flow_is_task": issubclass(FlowRunTimeoutError, TaskRunTimeoutError),
    }


def scenario_task_timeout_with_retries():
    calls = []

    @task(timeout_seconds=0.2, retries=1)
    def slow_retry_task():
        calls.append(1)
        if len(calls) == 1:
            time.sleep(3)
        return len(calls)

    @flow
    def timeout_retry_flow():
        return slow_retry_task(return_state=True)

    ts = timeout_retry_flow()
    return {
        "state": state(ts),
        "result": result(ts),
        "task": task_run(ts.state_details.task_run_id),
    }
