"""Observation helpers shared by every scenario, written against Prefect 3's public API.

Like the scenarios, this source is renamed mechanically (``prefect`` → ``riverrun``) before it
runs on riverrun, so both systems are observed by the same code. Each helper turns a live
object into plain JSON data; the comparator normalises IDs, timestamps and random names.
"""

from __future__ import annotations

import datetime
import enum
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# How long to wait for a run's recorded history to settle. Prefect delivers task run states
# as events that its server ingests asynchronously; riverrun's are there at once.
SETTLE_SECONDS = 20.0


def type_name(cls: type) -> str:
    return cls.__qualname__


def value(v: Any) -> Any:
    """A value as JSON data, with its type, so `1` and `"1"` and `1.0` stay distinct."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float, str)):
        return {"type": type(v).__name__, "value": v}
    if isinstance(v, enum.Enum):
        return {
            "type": type_name(type(v)),
            "enum": v.value if isinstance(v.value, str) else repr(v.value),
        }
    if isinstance(v, (list, tuple, set, frozenset)):
        items = [value(x) for x in v]
        if isinstance(v, (set, frozenset)):
            items = sorted(items, key=repr)
        return {"type": type(v).__name__, "items": items}
    if isinstance(v, dict):
        return {"type": type(v).__name__, "items": {str(k): value(x) for k, x in v.items()}}
    if isinstance(v, uuid.UUID):
        return {"type": "UUID", "value": str(v)}
    if isinstance(v, datetime.datetime):
        return {"type": "datetime", "value": "<ts>"}
    if isinstance(v, BaseException):
        return exc(v)
    if hasattr(v, "type") and hasattr(v, "state_details"):
        return {"type": "State", "state": state(v)}
    return {"type": type_name(type(v)), "repr": repr(v)}


def exc(e: BaseException) -> dict[str, Any]:
    """An exception: its type, the names in its MRO and its message."""
    return {
        "exception": type_name(type(e)),
        "mro": [type_name(c) for c in type(e).__mro__ if c is not object],
        "message": str(e),
    }


def state(s: Any) -> dict[str, Any]:
    """A state: type, name, message and the final/failed flags a user reads."""
    return {
        "type": s.type.value,
        "name": s.name,
        "message": s.message,
        "is_final": s.is_final(),
        "is_failed": s.is_failed(),
        "is_completed": s.is_completed(),
    }


def result(s: Any, **kwargs: Any) -> dict[str, Any]:
    """What ``state.result()`` returns or raises."""
    try:
        return {"returns": value(s.result(**kwargs))}
    except BaseException as e:  # noqa: BLE001 - what it raises is the observation
        return {"raises": exc(e)}


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Call ``fn`` and observe what it returns or raises."""
    try:
        return {"returns": value(fn(*args, **kwargs))}
    except BaseException as e:  # noqa: BLE001
        return {"raises": exc(e)}


async def acall(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Await ``fn(...)`` and observe what it returns or raises."""
    try:
        return {"returns": value(await fn(*args, **kwargs))}
    except BaseException as e:  # noqa: BLE001
        return {"raises": exc(e)}


def client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _settled(read: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        got = read()
        if done(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def _history(states: list[Any]) -> list[list[Any]]:
    ordered = sorted(states, key=lambda s: s.timestamp)
    return [[s.type.value, s.name] for s in ordered]


def task_run(task_run_id: Any) -> dict[str, Any]:
    """A task run as the client reads it back, once its final state is recorded."""
    with client() as c:

        def read():
            run = c.read_task_run(task_run_id)
            return run, c.read_task_run_states(task_run_id)

        def done(got):
            run, states = got
            return (
                run.state is not None
                and run.state.is_final()
                and bool(states)
                and sorted(states, key=lambda s: s.timestamp)[-1].type == run.state.type
            )

        run, states = _settled(read, done)
        return {
            "name": run.name,
            "state": [run.state.type.value, run.state.name] if run.state else None,
            "history": _history(states),
            "tags": sorted(run.tags),
            "run_count": run.run_count,
            "flow_run_id_set": run.flow_run_id is not None,
        }


def flow_run(flow_run_id: Any, tasks: int | None = None) -> dict[str, Any]:
    """A flow run as the client reads it back, with ``tasks`` task runs once all are final."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with client() as c:

        def read():
            run = c.read_flow_run(flow_run_id)
            trs = c.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
            return run, c.read_flow_run_states(flow_run_id), trs

        def done(got):
            run, states, trs = got
            if run.state is None or not run.state.is_final() or not states:
                return False
            if sorted(states, key=lambda s: s.timestamp)[-1].type != run.state.type:
                return False
            if tasks is not None and len(trs) < tasks:
                return False
            return all(t.state is not None and t.state.is_final() for t in trs)

        run, states, trs = _settled(read, done)
        out: dict[str, Any] = {
            "name": run.name,
            "state": [run.state.type.value, run.state.name] if run.state else None,
            "message": run.state.message if run.state else None,
            "history": _history(states),
            "parameters": value(run.parameters),
            "tags": sorted(run.tags),
            "run_count": run.run_count,
            "parent_task_run_id_set": run.parent_task_run_id is not None,
        }
        if tasks is not None:
            out["task_runs"] = sorted(
                (
                    {
                        "name": t.name,
                        "state": [t.state.type.value, t.state.name] if t.state else None,
                        "history": _history(c.read_task_run_states(t.id)),
                        "tags": sorted(t.tags),
                        "run_count": t.run_count,
                    }
                    for t in trs
                ),
                key=lambda t: (t["name"], t["history"]),
            )
        return out


def flow_run_of(s: Any, tasks: int | None = None) -> dict[str, Any]:
    """``flow_run`` for the run a ``return_state=True`` state belongs to."""
    return flow_run(s.state_details.flow_run_id, tasks=tasks)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[list[str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append([record.name, record.levelname, record.getMessage()])


@contextmanager
def logs(
    level: int = logging.INFO, names: tuple[str, ...] = ("prefect.flow_runs", "prefect.task_runs")
) -> Iterator[list[list[str]]]:
    """Collect the log lines the run loggers emit at ``level`` or above, in order."""
    handler = _Capture()
    handler.setLevel(level)
    loggers = [logging.getLogger(n) for n in names]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        yield handler.lines
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
