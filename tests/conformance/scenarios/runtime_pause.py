"""Pausing, suspending and resuming flow runs (prefect.flow_runs), with typed input."""

import datetime
import threading
import time

from observe import call, exc, flow_run, logs, value
from prefect import flow, pause_flow_run, resume_flow_run, suspend_flow_run
from prefect.client.orchestration import get_client
from prefect.context import get_run_context
from prefect.input import RunInput


def _resume_when_paused(ids, run_input=None, seen=None):
    def resume():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "id" in ids:
                with get_client(sync_client=True) as c:
                    state = c.read_flow_run(ids["id"]).state
                if state is not None and state.is_paused():
                    if seen is not None:
                        seen["state"] = state
                    break
            time.sleep(0.05)
        if seen is not None and "bad_input" in seen:
            try:
                resume_flow_run(ids["id"], run_input=seen["bad_input"])
            except BaseException as e:  # noqa: BLE001 - what it raises is the observation
                seen["bad"] = {"exception": type(e).__name__}
        resume_flow_run(ids["id"], run_input=run_input)

    thread = threading.Thread(target=resume, daemon=True)
    thread.start()
    return thread


def scenario_pause_then_resume_history():
    ids = {}

    @flow
    def pausing_flow():
        ids["id"] = get_run_context().flow_run.id
        pause_flow_run(timeout=60, poll_interval=1)
        return "resumed"

    thread = _resume_when_paused(ids)
    with logs() as lines:
        returned = pausing_flow()
    thread.join(30)
    return {
        "returned": value(returned),
        "run": flow_run(ids["id"]),
        "lines": [line[2] for line in lines],
    }


def scenario_paused_state_details():
    ids, seen = {}, {}

    @flow
    def detail_flow():
        ids["id"] = get_run_context().flow_run.id
        pause_flow_run(timeout=60, poll_interval=1, key="approval")

    thread = _resume_when_paused(ids, seen=seen)
    detail_flow()
    thread.join(30)
    s = seen["state"]
    d = s.state_details
    return {
        "type": s.type.value,
        "name": s.name,
        "message": s.message,
        "pause_key": d.pause_key,
        "pause_reschedule": d.pause_reschedule,
        "timeout_is_datetime": isinstance(d.pause_timeout, datetime.datetime),
        "keyset": d.run_input_keyset,
    }


class Approval(RunInput):
    approved: bool
    note: str = "none"


def scenario_pause_wait_for_run_input():
    ids, seen = {}, {}

    @flow
    def approval_flow():
        ids["id"] = get_run_context().flow_run.id
        answer = pause_flow_run(wait_for_input=Approval, timeout=60, poll_interval=1)
        return [type(answer).__name__, answer.approved, answer.note, isinstance(answer, RunInput)]

    thread = _resume_when_paused(ids, {"approved": True}, seen=seen)
    returned = approval_flow()
    thread.join(30)
    return {"returned": value(returned), "keyset": seen["state"].state_details.run_input_keyset}


def scenario_pause_wait_for_plain_type():
    ids = {}

    @flow
    def number_flow():
        ids["id"] = get_run_context().flow_run.id
        return pause_flow_run(wait_for_input=int, timeout=60, poll_interval=1)

    thread = _resume_when_paused(ids, {"value": 42})
    returned = number_flow()
    thread.join(30)
    return {"returned": value(returned)}


def scenario_resume_with_input_of_wrong_type():
    ids, seen = {}, {"bad_input": {"approved": "not a bool at all"}}

    @flow
    def strict_flow():
        ids["id"] = get_run_context().flow_run.id
        return pause_flow_run(wait_for_input=Approval, timeout=60, poll_interval=1).approved

    thread = _resume_when_paused(ids, {"approved": False}, seen=seen)
    returned = strict_flow()
    thread.join(30)
    return {"returned": value(returned), "refused": seen.get("bad")}


def scenario_pause_timeout_fails_the_run():
    ids = {}

    @flow
    def forgotten_flow():
        ids["id"] = get_run_context().flow_run.id
        pause_flow_run(timeout=1, poll_interval=1)

    s = forgotten_flow(return_state=True)
    return {
        "state": [s.type.value, s.name, s.message],
        "run": flow_run(ids["id"]),
        "result": call(s.result),
    }


def scenario_pause_and_suspend_outside_a_flow():
    return {
        "pause": call(pause_flow_run),
        "suspend": call(suspend_flow_run),
        "negative": call(pause_flow_run, timeout=-1),
    }


def scenario_resume_a_finished_run():
    @flow
    def finished_flow():
        return 1

    s = finished_flow(return_state=True)
    return {"resume": call(resume_flow_run, s.state_details.flow_run_id)}


def scenario_pause_exception_classes():
    from prefect.exceptions import FlowPauseTimeout, FlowRunWaitTimeout, NotPausedError, Pause

    return {
        n.__name__: exc(n("m"))
        for n in (FlowPauseTimeout, NotPausedError, Pause, FlowRunWaitTimeout)
    }


def scenario_suspended_run_state():
    ids = {}

    @flow
    def suspending_flow():
        ids["id"] = get_run_context().flow_run.id
        suspend_flow_run(timeout=60)
        return "never"

    s = suspending_flow(return_state=True)
    if s.is_failed():
        return {"returned_state": [s.type.value, s.name, s.message], "result": call(s.result)}
    with get_client(sync_client=True) as c:
        current = c.read_flow_run(ids["id"]).state
    return {
        "returned_state": [s.type.value, s.name],
        "stored": [current.type.value, current.name],
        "reschedule": current.state_details.pause_reschedule,
    }
