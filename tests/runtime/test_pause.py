"""pause_flow_run / suspend_flow_run / resume_flow_run / wait_for_flow_run through the public API.

Every test runs embedded, against a real server on SQLite and against one on PostgreSQL
(resuming is a store operation).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow, pause_flow_run, resume_flow_run, suspend_flow_run
from riverrun.client.orchestration import get_client
from riverrun.context import get_run_context
from riverrun.exceptions import FlowRunWaitTimeout, NotPausedError, ObjectNotFound
from riverrun.flow_runs import wait_for_flow_run
from riverrun.input import RunInput

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def _wait_until(condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout} s")


def _paused(run_id: Any) -> bool:
    with get_client(sync_client=True) as client:
        try:
            state = client.read_flow_run(run_id).state
        except ObjectNotFound:  # another process printed the ID before recording the run
            return False
    return state is not None and state.is_paused()


def _resume_when_paused(
    ids: dict[str, Any], run_input: dict[str, Any] | None = None
) -> threading.Thread:
    def resume() -> None:
        _wait_until(lambda: "id" in ids and _paused(ids["id"]))
        resume_flow_run(ids["id"], run_input=run_input)

    thread = threading.Thread(target=resume, daemon=True)
    thread.start()
    return thread


def _history(run_id: Any) -> list[tuple[str, str]]:
    with get_client(sync_client=True) as client:
        return [(s.type.value, s.name) for s in client.read_flow_run_states(run_id)]


class Answer(RunInput):
    name: str
    count: int = 1


def test_a_resumed_pause_returns_and_the_run_completes() -> None:
    ids: dict[str, Any] = {}

    @flow
    def waits() -> int:
        ids["id"] = get_run_context().flow_run.id
        assert pause_flow_run(timeout=30) is None
        return 7

    thread = _resume_when_paused(ids)
    assert waits() == 7
    thread.join(5)
    assert _history(ids["id"]) == [
        ("PENDING", "Pending"), ("RUNNING", "Running"), ("PAUSED", "Paused"),
        ("RUNNING", "Running"), ("COMPLETED", "Completed"),
    ]  # fmt: skip


def test_the_paused_state_carries_prefects_pause_details() -> None:
    ids: dict[str, Any] = {}
    seen: dict[str, Any] = {}

    @flow
    def waits() -> None:
        ids["id"] = get_run_context().flow_run.id
        pause_flow_run(timeout=30, key="approval")

    def look_then_resume() -> None:
        _wait_until(lambda: "id" in ids and _paused(ids["id"]))
        with get_client(sync_client=True) as client:
            seen["state"] = client.read_flow_run(ids["id"]).state
        resume_flow_run(ids["id"])

    thread = threading.Thread(target=look_then_resume, daemon=True)
    thread.start()
    waits()
    thread.join(5)
    details = seen["state"].state_details
    assert (seen["state"].name, details.pause_key, details.pause_reschedule) == (
        "Paused",
        "approval",
        False,
    )
    assert 25 < (details.pause_timeout - seen["state"].timestamp).total_seconds() <= 30


def test_a_pause_waiting_for_a_run_input_returns_the_input_given_at_resume() -> None:
    ids: dict[str, Any] = {}

    @flow
    def asks() -> Any:
        ids["id"] = get_run_context().flow_run.id
        return pause_flow_run(wait_for_input=Answer, timeout=30)

    thread = _resume_when_paused(ids, {"name": "ann"})
    answer = asks()
    thread.join(5)
    assert (type(answer), answer.name, answer.count) == (Answer, "ann", 1)


def test_a_pause_waiting_for_a_plain_type_returns_the_value() -> None:
    ids: dict[str, Any] = {}

    @flow
    def asks() -> Any:
        ids["id"] = get_run_context().flow_run.id
        return pause_flow_run(wait_for_input=int, timeout=30)

    thread = _resume_when_paused(ids, {"value": 42})
    assert asks() == 42
    thread.join(5)


def test_input_that_does_not_fit_the_type_is_refused_naming_the_field() -> None:
    ids: dict[str, Any] = {}
    refused: list[BaseException] = []

    def resume_badly_then_well() -> None:
        _wait_until(lambda: "id" in ids and _paused(ids["id"]))
        try:
            resume_flow_run(ids["id"], run_input={"name": 5})
        except RuntimeError as exc:
            refused.append(exc)
        resume_flow_run(ids["id"], run_input={"name": "bob"})

    @flow
    def asks() -> Any:
        ids["id"] = get_run_context().flow_run.id
        return pause_flow_run(wait_for_input=Answer, timeout=30)

    thread = threading.Thread(target=resume_badly_then_well, daemon=True)
    thread.start()
    assert asks().name == "bob"
    thread.join(5)
    assert len(refused) == 1
    assert str(refused[0]).startswith("Cannot resume this run: Reason: name: expected a string")


def test_a_pause_that_times_out_fails_the_run_as_prefect_does() -> None:
    @flow
    def never_resumed() -> None:
        pause_flow_run(timeout=1, poll_interval=1)

    state = never_resumed(return_state=True)
    assert (state.type.value, state.name, state.message) == (
        "FAILED",
        "Failed",
        "The flow was failed and never resumed.",
    )


def test_resuming_a_run_that_is_not_paused_raises_not_paused_error() -> None:
    @flow
    def done() -> int:
        return 1

    state = done(return_state=True)
    with pytest.raises(NotPausedError, match="Cannot resume a run that isn't paused!"):
        resume_flow_run(state.state_details.flow_run_id)


def test_pause_and_suspend_outside_a_flow_run_raise_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="Flow runs can only be paused from within a flow run."):
        pause_flow_run()
    with pytest.raises(
        RuntimeError, match="Flow runs can only be suspended from within a flow run."
    ):
        suspend_flow_run()


def test_a_negative_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="'timeout' must be a non-negative number, got -1"):
        pause_flow_run(timeout=-1)


def test_an_async_flow_awaits_its_pause() -> None:
    ids: dict[str, Any] = {}

    @flow
    async def waits_async() -> Any:
        ids["id"] = get_run_context().flow_run.id
        return await pause_flow_run(wait_for_input=Answer, timeout=30)

    thread = _resume_when_paused(ids, {"name": "async", "count": 3})
    answer = asyncio.run(waits_async())
    thread.join(5)
    assert (answer.name, answer.count) == ("async", 3)


def test_suspending_a_run_without_a_deployment_fails_it_as_prefect_does() -> None:
    @flow
    def suspends() -> None:
        suspend_flow_run(timeout=60)

    state = suspends(return_state=True)
    assert (state.type.value, state.message) == (
        "FAILED",
        "Flow run encountered an exception: RuntimeError: Flow run cannot be suspended: "
        "Cannot suspend flows without a deployment.",
    )


def test_a_suspended_deployment_run_is_resumed_by_running_it_again() -> None:
    from riverrun._engine.adopt import AdoptedRun, adopt

    runs: list[str] = []

    @flow
    def suspends() -> str:
        runs.append("start")
        suspend_flow_run(timeout=60)
        runs.append("after suspend")
        return "done"

    with get_client(sync_client=True) as client:
        first = suspends(return_state=True)  # not a deployment's run: fails, but records the flow
        dep_id = client.create_deployment(
            client.read_flow_run(first.state_details.flow_run_id).flow_id, "suspending"
        )
        run = client.create_flow_run_from_deployment(dep_id)
    runs.clear()
    adopt(AdoptedRun(str(run.id), run.name, [], str(dep_id)))
    suspended = suspends(return_state=True)
    assert (suspended.type.value, suspended.name, runs) == ("PAUSED", "Suspended", ["start"])
    resume_flow_run(run.id)
    with get_client(sync_client=True) as client:
        resumed = client.read_flow_run(run.id).state
    assert (resumed.type.value, resumed.name) == ("SCHEDULED", "Resuming")
    adopt(AdoptedRun(str(run.id), run.name, [], str(dep_id)))
    assert suspends() == "done"
    assert runs == ["start", "start", "after suspend"]
    assert [name for _, name in _history(run.id)] == [
        "Scheduled", "Pending", "Running", "Suspended", "Resuming", "Pending", "Running", "Completed",
    ]  # fmt: skip


def test_wait_for_flow_run_returns_the_finished_run() -> None:
    @flow
    def quick() -> int:
        return 1

    state = quick(return_state=True)
    run = asyncio.run(wait_for_flow_run(state.state_details.flow_run_id, timeout=10))
    assert run.state.is_completed()


def test_wait_for_flow_run_gives_up_after_its_timeout() -> None:
    ids: dict[str, Any] = {}

    @flow
    def waits() -> None:
        ids["id"] = get_run_context().flow_run.id
        pause_flow_run(timeout=30)

    thread = threading.Thread(target=waits, daemon=True)
    thread.start()
    _wait_until(lambda: "id" in ids and _paused(ids["id"]))
    with pytest.raises(FlowRunWaitTimeout, match="exceeded watch timeout of 0.3 seconds"):
        asyncio.run(wait_for_flow_run(ids["id"], timeout=0.3))  # type: ignore[arg-type]
    resume_flow_run(ids["id"])
    thread.join(10)
    assert not thread.is_alive()


_PAUSING_SCRIPT = textwrap.dedent(
    """
    import sys
    from riverrun import flow, pause_flow_run
    from riverrun.context import get_run_context
    from riverrun.input import RunInput

    class Approval(RunInput):
        approved: bool

    @flow
    def approve():
        print(get_run_context().flow_run.id, flush=True)
        answer = pause_flow_run(wait_for_input=Approval, timeout=60)
        return answer.approved

    print("returned", approve(), flush=True)
    """
)


@pytest.mark.slow
def test_a_run_paused_in_another_process_is_resumed_from_this_one(tmp_path: Path) -> None:
    script = tmp_path / "approve.py"
    script.write_text(_PAUSING_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert proc.stdout is not None
        run_id = proc.stdout.readline().strip()
        _wait_until(lambda: _paused(run_id), timeout=30)
        started = time.monotonic()
        resume_flow_run(run_id, run_input={"approved": True})
        out, err = proc.communicate(timeout=30)
        noticed_within = time.monotonic() - started
    finally:
        proc.kill()
    assert "returned True" in out, err
    assert noticed_within < 5  # a 0.25 s check, not Prefect's 10 s poll (loaded machine: slack)
    assert [t for t, _ in _history(run_id)] == [
        "PENDING",
        "RUNNING",
        "PAUSED",
        "RUNNING",
        "COMPLETED",
    ]
