"""A retried run is recorded whole, in every mode: the flows of issue 18, which lost their
runs against a server (a retry's Scheduled state carries a datetime)."""

from __future__ import annotations

from typing import Any

from riverrun import flow, get_run_logger, task
from riverrun._recording.recorder import get_recorder

# As Prefect 3.9.1 records them (tests/conformance measures it): a task retried with no delay
# stays Running as "Retrying"; a flow waits as AwaitingRetry and enters Running again.
TASK_RETRY_STATES = ["Pending", "Running", "Retrying", "Completed"]
FLOW_RETRY_STATES = ["Pending", "Running", "AwaitingRetry", "Running", "Completed"]


def _fails_once_task() -> Any:
    calls = []

    @task(retries=2)
    def flaky() -> int:
        calls.append(1)
        get_run_logger().info("attempt %d", len(calls))
        if len(calls) == 1:
            raise ValueError("first time fails")
        return 42

    @flow
    def retry_flow() -> int:
        return flaky()

    return retry_flow


def _nothing_lost() -> None:
    recorder = get_recorder()
    assert recorder.flush()
    assert recorder.dropped == 0
    spool = getattr(recorder.sink, "spool", None)
    assert spool is None or not spool.pending()


def test_task_that_fails_once_records_every_state_of_its_retry(client: Any) -> None:
    assert _fails_once_task()() == 42
    _nothing_lost()
    [flow_run] = client.read_flow_runs()
    [task_run] = client.read_task_runs()
    assert (flow_run.state.name, task_run.state.name, task_run.run_count) == (
        "Completed",
        "Completed",
        2,
    )
    assert [s.name for s in client.read_task_run_states(task_run.id)] == TASK_RETRY_STATES
    assert [s.name for s in client.read_flow_run_states(flow_run.id)] == [
        "Pending",
        "Running",
        "Completed",
    ]


def test_every_log_line_of_a_retried_task_is_recorded(client: Any) -> None:
    _fails_once_task()()
    _nothing_lost()
    [task_run] = client.read_task_runs()
    messages = [log.message for log in client.read_logs() if log.task_run_id == task_run.id]
    assert messages[0] == "attempt 1"
    assert messages[1].startswith("Task run encountered an exception ValueError: first time fails")
    assert messages[2] == "attempt 2"


def test_flow_that_fails_once_records_every_state_of_its_retry(client: Any) -> None:
    calls = []

    @flow(retries=1)
    def flaky_flow() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("flow fails once")
        return 1

    assert flaky_flow() == 1
    _nothing_lost()
    [flow_run] = client.read_flow_runs()
    assert flow_run.run_count == 2
    assert [s.name for s in client.read_flow_run_states(flow_run.id)] == FLOW_RETRY_STATES
