"""Transactions (prefect.transactions): commit and rollback hooks, nesting, keyed records."""

import os

from observe import call, logs, value
from prefect import flow, task
from prefect.transactions import (
    CommitMode,
    IsolationLevel,
    TransactionState,
    get_transaction,
    transaction,
)


def _hooked(events, name):
    @task(name=name)
    def step(x):
        return x

    @step.on_commit
    def on_commit_hook(txn):
        events.append(["commit", name, type(txn).__name__, txn.state.name, txn.is_committed()])

    @step.on_rollback
    def on_rollback_hook(txn):
        events.append(["rollback", name, txn.state.name])

    return step


def scenario_task_commits_without_a_transaction():
    events = []
    step = _hooked(events, "commits-alone")

    @flow
    def plain_flow():
        step(1)
        events.append("after")

    with logs(names=("prefect.task_runs",)) as lines:
        plain_flow()
    return {"events": events, "lines": [line[2] for line in lines if "hook" in line[2]]}


def scenario_failed_task_runs_no_hooks():
    events = []

    @task
    def failing_step():
        raise ValueError("bad")

    failing_step.on_commit(lambda txn: events.append("commit"))
    failing_step.on_rollback(lambda txn: events.append("rollback"))

    @flow
    def failing_flow():
        failing_step(return_state=True)

    failing_flow()
    return {"events": events}


def scenario_transaction_commits_at_the_end():
    events = []
    step = _hooked(events, "in-txn")

    @flow
    def grouped_flow():
        with transaction() as txn:
            events.append(
                [
                    "inside",
                    txn.state.name,
                    txn.commit_mode.name,
                    txn.isolation_level.name,
                    get_transaction() is txn,
                ]
            )
            step(1)
            events.append("after step")
        return txn.state.name

    return {"returned": value(grouped_flow()), "events": events}


def scenario_transaction_rolls_back_on_exception():
    events = []
    first, second = _hooked(events, "first"), _hooked(events, "second")

    @flow
    def undone_flow():
        try:
            with transaction() as txn:
                first(1)
                second(2)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        return txn.state.name

    s = undone_flow(return_state=True)
    return {"returned": value(s.result()), "state": s.name, "events": events}


def scenario_failing_task_rolls_back_its_transaction():
    events = []
    step = _hooked(events, "before-failure")

    @task
    def breaks():
        raise ValueError("bad")

    @flow
    def partly_flow():
        with transaction() as txn:
            step(1)
            breaks(return_state=True)
        return txn.state.name

    return {"returned": value(partly_flow()), "events": events}


def scenario_transaction_values_and_defaults():
    with transaction() as txn:
        txn.set("rows", [1, 2])
        with transaction() as child:
            rows = child.get("rows")
            rows.append(3)
            inner = {
                "rows": value(child.get("rows")),
                "default": value(child.get("other", 5)),
                "mode": child.commit_mode.name,
                "parent_is_txn": child.get_parent() is txn,
            }
        missing = call(txn.get, "nope")
    return {
        "inner": inner,
        "missing": missing,
        "outer": txn.state.name,
        "child": child.state.name,
        "after": get_transaction() is None,
    }


def scenario_commit_mode_off_rolls_back():
    events = []
    with transaction(commit_mode=CommitMode.OFF) as txn:
        txn.stage(
            1,
            on_commit_hooks=[lambda t: events.append("commit")],
            on_rollback_hooks=[lambda t: events.append("rollback")],
        )
    return {"state": txn.state.name, "events": events}


def scenario_keyed_transaction_is_committed_the_second_time():
    key = f"txn-key-{os.getpid()}-{id(object())}"
    with transaction(key=key) as first:
        before = first.is_committed()
        first.stage({"rows": 3})
    with transaction(key=key) as second:
        again = second.is_committed()
        record = second.read()
    return {
        "before": before,
        "first": first.state.name,
        "again": again,
        "record": value(record.result) if record is not None else None,
    }


def scenario_transaction_enum_members():
    return {
        "isolation": [m.name for m in IsolationLevel],
        "commit": [m.name for m in CommitMode],
        "state": [m.name for m in TransactionState],
    }
