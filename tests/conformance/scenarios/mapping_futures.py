"""task.map, unmapped, quote, futures, wait_for, allow_failure, upstream failures."""

from observe import call, exc, flow_run_of, result, state, value
from prefect import allow_failure, flow, task, unmapped
from prefect.futures import wait
from prefect.utilities.annotations import quote


@task
def add(x, y=0):
    return x + y


@task
def fail_on(x, bad=2):
    if x == bad:
        raise ValueError(f"bad {x}")
    return x


def scenario_map_basic():
    @flow
    def map_flow():
        futures = add.map([1, 2, 3], [10, 20, 30])
        return [f.result() for f in futures]

    s = map_flow(return_state=True)
    return {"result": result(s), "run": flow_run_of(s, tasks=3)}


def scenario_map_unmapped():
    @flow
    def unmapped_flow():
        return [f.result() for f in add.map([1, 2], unmapped(100))]

    return {"call": call(unmapped_flow)}


def scenario_map_unmapped_list():
    @task
    def total(x, ys):
        return x + sum(ys)

    @flow
    def unmapped_list_flow():
        return [f.result() for f in total.map([1, 2], unmapped([5, 5]))]

    return {"call": call(unmapped_list_flow)}


def scenario_map_unequal_lengths():
    @flow
    def unequal_flow():
        return add.map([1, 2, 3], [1, 2])

    return {"call": call(unequal_flow)}


def scenario_map_no_iterable():
    @flow
    def no_iter_flow():
        return add.map(1, 2)

    return {"call": call(no_iter_flow)}


def scenario_map_dict_iterates_keys():
    @task
    def ident(x):
        return x

    @flow
    def dict_map_flow():
        return [f.result() for f in ident.map({"a": 1, "b": 2})]

    return {"call": call(dict_map_flow)}


def scenario_map_quote():
    @task
    def length(x, stuff):
        return x + len(stuff)

    @flow
    def quote_flow():
        return [f.result() for f in length.map([1, 2], quote([1, 2, 3]))]

    return {"call": call(quote_flow)}


def scenario_map_empty():
    @flow
    def empty_map_flow():
        return list(add.map([], []))

    return {"call": call(empty_map_flow)}


def scenario_map_future_list_type():
    @flow
    def future_list_flow():
        futures = add.map([1, 2], 1)
        return {"type": type(futures).__name__, "results": futures.result(), "len": len(futures)}

    return {"call": call(future_list_flow)}


def scenario_map_partial_failure():
    @flow
    def partial_fail_flow():
        futures = fail_on.map([1, 2, 3])
        futures.wait()
        return [f.state.type.value for f in futures] + [call(lambda: [f.result() for f in futures])]

    futures_states = partial_fail_flow(return_state=True)
    return {
        "state": state(futures_states),
        "result": result(futures_states, raise_on_failure=False),
    }


def scenario_future_into_downstream():
    @flow
    def chain_flow():
        a = add.submit(1, 1)
        b = add.submit(a, 10)
        return b.result()

    s = chain_flow(return_state=True)
    return {"result": result(s), "run": flow_run_of(s, tasks=2)}


def scenario_upstream_failure_not_ready():
    @task
    def downstream(x):
        return x

    @flow
    def upstream_fail_flow():
        a = fail_on.submit(2)
        b = downstream.submit(a)
        return b.state if b.wait() is None else b.state

    s = upstream_fail_flow(return_state=True)
    return {
        "state": state(s),
        "result": result(s, raise_on_failure=False),
        "run": flow_run_of(s, tasks=2),
    }


def scenario_upstream_failure_allow_failure():
    @task
    def tolerant(x):
        return "ran"

    @flow
    def allow_failure_flow():
        a = fail_on.submit(2)
        b = tolerant.submit(allow_failure(a))
        return b.result()

    s = allow_failure_flow(return_state=True)
    return {
        "state": state(s),
        "result": result(s, raise_on_failure=False),
        "run": flow_run_of(s, tasks=2),
    }


def scenario_wait_for_task():
    order = []

    @task
    def first():
        order.append("first")

    @task
    def second():
        order.append("second")

    @flow
    def wait_for_flow():
        f = first.submit()
        second.submit(wait_for=[f]).wait()
        return order

    return {"call": call(wait_for_flow)}


def scenario_wait_for_failed_upstream():
    @task
    def after_failed():
        return "should not run"

    @flow
    def wait_failed_flow():
        f = fail_on.submit(2)
        s = after_failed.submit(wait_for=[f])
        s.wait()
        return {"state": state(s.state), "result": call(s.result)}

    return {"call": call(wait_failed_flow)}


def scenario_wait_for_allow_failure():
    @task
    def after_allowed():
        return "ran anyway"

    @flow
    def wait_allowed_flow():
        f = fail_on.submit(2)
        s = after_allowed.submit(wait_for=[allow_failure(f)])
        return s.result()

    return {"call": call(wait_allowed_flow)}


def scenario_wait_for_on_subflow():
    order = []

    @task
    def before_sub():
        order.append("task")

    @flow
    def sub_after():
        order.append("subflow")
        return 1

    @flow
    def wait_for_subflow_parent():
        f = before_sub.submit()
        sub_after(wait_for=[f])
        return order

    return {"call": call(wait_for_subflow_parent)}


def scenario_futures_wait_helper():
    @flow
    def wait_helper_flow():
        fs = [add.submit(i) for i in range(3)]
        done, not_done = wait(fs)
        return {
            "done": len(done),
            "not_done": len(not_done),
            "types": sorted({type(d).__name__ for d in done}),
        }

    return {"call": call(wait_helper_flow)}


def scenario_future_state_and_task_run_id():
    @flow
    def future_attrs_flow():
        f = add.submit(1)
        f.wait()
        return {"state": state(f.state), "id_type": type(f.task_run_id).__name__}

    return {"call": call(future_attrs_flow)}


def scenario_flow_returns_futures():
    @flow
    def returns_futures_flow():
        return [add.submit(1), add.submit(2)]

    s = returns_futures_flow(return_state=True)
    return {"state": state(s), "result": result(s)}


def scenario_futures_in_collections_resolved():
    @task
    def consume(d):
        return {"kind": type(d).__name__, "sum": d["a"] + d["b"][0]}

    @flow
    def collection_flow():
        a = add.submit(1)
        b = add.submit(2)
        return consume({"a": a, "b": [b]})

    return {"call": call(collection_flow)}


def scenario_futures_in_dataclass_resolved():
    from dataclasses import dataclass

    @dataclass
    class Box:
        item: object

    @task
    def open_box(box):
        return box.item

    @flow
    def dataclass_flow():
        return open_box(Box(add.submit(5)))

    return {"call": call(dataclass_flow)}


def scenario_map_with_future_iterable():
    @task
    def make_list():
        return [1, 2, 3]

    @flow
    def future_iter_flow():
        return [f.result() for f in add.map(make_list.submit(), 1)]

    return {"call": call(future_iter_flow)}


def scenario_mapping_length_mismatch_class():
    from prefect.exceptions import MappingLengthMismatch, MappingMissingIterable

    return {
        "mismatch": exc(MappingLengthMismatch("x")),
        "missing": exc(MappingMissingIterable("y")),
    }


def scenario_submit_returns_state_when_asked():
    @flow
    def submit_state_flow():
        s = add.submit(1, return_state=True)
        return {"type": type(s).__name__, "state": state(s)}

    return {"call": call(submit_state_flow)}


def scenario_result_of_not_ready_state():
    @task
    def never(x):
        return x

    @flow
    def not_ready_flow():
        a = fail_on.submit(2)
        b = never.submit(a)
        b.wait()
        return {"state": state(b.state), "result": result(b.state, raise_on_failure=False)}

    return {"call": call(not_ready_flow)}


def scenario_value_of_map_over_tuple():
    @flow
    def tuple_map_flow():
        return [f.result() for f in add.map((1, 2), (3, 4))]

    return {"returned": value(tuple_map_flow())}
