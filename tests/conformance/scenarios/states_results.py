"""States: constructors, result() of each state type, returning states, state_details."""

from observe import call, exc, flow_run_of, result, state, task_run, value
from prefect import flow, task
from prefect.states import (
    Cancelled,
    Completed,
    Crashed,
    Failed,
    Pending,
    Running,
    Scheduled,
    State,
    StateType,
)


def scenario_state_constructors():
    out = {}
    for ctor in (Completed, Failed, Crashed, Cancelled, Pending, Running, Scheduled):
        s = ctor()
        out[ctor.__name__] = state(s)
    return out


def scenario_state_custom_name_kept():
    @flow
    def skipped_flow():
        return Completed(name="Skipped", message="nothing to do")

    s = skipped_flow(return_state=True)
    return {"state": state(s), "run": flow_run_of(s)}


def scenario_flow_returns_failed_state():
    @flow
    def returns_failed():
        return Failed(message="deliberately")

    s = returns_failed(return_state=True)
    return {"state": state(s), "result": result(s), "run": flow_run_of(s)}


def scenario_task_returns_failed_state():
    @task
    def task_failed_state():
        return Failed(message="task said failed")

    @flow
    def outer_failed_state():
        return task_failed_state(return_state=True)

    ts = outer_failed_state(return_state=True).result(raise_on_failure=False)
    return {
        "state": state(ts),
        "result": result(ts),
        "task": task_run(ts.state_details.task_run_id),
    }


def scenario_result_of_completed_with_data():
    s = Completed(data=42)
    return {"result": result(s)}


def scenario_result_of_failed_with_exception_data():
    s = Failed(data=ValueError("inside"))
    return {"result": result(s), "no_raise": result(s, raise_on_failure=False)}


def scenario_result_of_failed_without_data():
    s = Failed(message="no data")
    return {"result": result(s), "no_raise": result(s, raise_on_failure=False)}


def scenario_result_of_pending():
    return {"result": result(Pending()), "no_raise": result(Pending(), raise_on_failure=False)}


def scenario_result_of_crashed():
    s = Crashed(message="crashed!")
    return {"result": result(s), "no_raise": result(s, raise_on_failure=False)}


def scenario_result_of_cancelled():
    s = Cancelled(message="stopped")
    return {"result": result(s)}


def scenario_result_of_completed_none():
    return {"result": result(Completed())}


def scenario_state_type_enum():
    return {"values": [t.value for t in StateType], "names": [t.name for t in StateType]}


def scenario_state_repr_and_str():
    s = Completed(message="done")
    f = Failed(message="nope")
    return {"repr_completed": repr(Completed()), "repr_failed": repr(f), "str": str(s)}


def scenario_state_predicates():
    out = {}
    for s in (Completed(), Failed(), Crashed(), Cancelled(), Pending(), Running(), Scheduled()):
        out[s.name] = [
            s.is_completed(),
            s.is_failed(),
            s.is_crashed(),
            s.is_cancelled(),
            s.is_pending(),
            s.is_running(),
            s.is_scheduled(),
            s.is_final(),
        ]
    return out


def scenario_state_details_object():
    @flow
    def details_flow():
        return 1

    s = details_flow(return_state=True)
    d = s.state_details
    return {
        "type": type(d).__name__,
        "flow_run_id_type": type(d.flow_run_id).__name__,
        "task_run_id": value(d.task_run_id),
    }


def scenario_task_state_details():
    @task
    def details_task():
        return 1

    @flow
    def details_task_flow():
        return details_task(return_state=True)

    ts = details_task_flow()
    d = ts.state_details
    return {
        "type": type(d).__name__,
        "task_run_id_type": type(d.task_run_id).__name__,
        "flow_run_id_type": type(d.flow_run_id).__name__,
    }


def scenario_state_class_direct():
    s = State(type=StateType.COMPLETED, name="Mine", message="m")
    return {"state": state(s), "result": result(s)}


def scenario_flow_returns_mixed_states():
    @task
    def ok_task():
        return 1

    @task
    def bad_task():
        raise ValueError("bad")

    @flow
    def mixed_states_flow():
        a = ok_task(return_state=True)
        b = bad_task(return_state=True)
        return [a, b]

    s = mixed_states_flow(return_state=True)
    return {"state": state(s), "result": result(s), "run": flow_run_of(s, tasks=2)}


def scenario_flow_returns_completed_states_list():
    @task
    def good_one():
        return 1

    @flow
    def all_good_states_flow():
        return [good_one(return_state=True), good_one(return_state=True)]

    s = all_good_states_flow(return_state=True)
    return {"state": state(s), "result": result(s)}


def scenario_failed_state_exception_type():
    @flow
    def exc_type_flow():
        raise ConnectionError("lost")

    s = exc_type_flow(return_state=True)
    try:
        s.result()
    except BaseException as e:
        return {"raised": exc(e)}
    return {"raised": None}


def scenario_state_result_fetch_from_client():
    @flow(persist_result=True)
    def persisted_flow():
        return {"k": 1}

    s = persisted_flow(return_state=True)
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as c:
        run = c.read_flow_run(s.state_details.flow_run_id)
        return {"result": value(run.state.result())}


def scenario_result_raise_on_failure_false_value():
    @flow
    def rf_flow():
        raise IndexError("idx")

    s = rf_flow(return_state=True)
    r = s.result(raise_on_failure=False)
    return {"returned": value(r)}


def scenario_completed_state_is_final():
    return {
        "final": [Completed().is_final(), Failed().is_final(), Running().is_final()],
        "call": call(lambda: Scheduled().result()),
    }
