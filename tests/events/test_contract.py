"""One event contract: the models of ``riverrun.schemas.events`` are what the engine builds,
what the server accepts and what the store ingests — field for field."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riverrun import flow, get_run_logger, task
from riverrun._engine.runs import FlowRunInfo, TaskRunInfo
from riverrun._internal.events import KINDS
from riverrun._store import ingest
from riverrun._store.embedded import EmbeddedWriter
from riverrun.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from riverrun.schemas.encoding import dumps, jsonable
from riverrun.schemas.events import EVENT_MODELS, EventBatch, StatePayload
from riverrun.states import State, StateType

ID = "01a23456-0000-7000-8000-000000000001"
STATE = {"id": ID, "run_id": ID, "type": "COMPLETED", "name": "Completed", "message": "m",
         "timestamp": 2, "data": {"k": 1}, "state_details": {"cache_key": "c"}, "start_time": 1,
         "end_time": 2, "run_count": 1, "total_run_time": 0.5}  # fmt: skip
# One event of each kind with every field the format declares.
FULL: dict[str, dict[str, Any]] = {
    "flow_run": {"kind": "flow_run", "v": 1, "id": ID, "flow_id": ID, "flow_name": "f",
                 "name": "n", "parameters": {"a": 1}, "tags": ["t"], "parent_task_run_id": ID,
                 "deployment_id": ID, "work_queue_name": "q", "work_pool_name": "p",
                 "flow_version": "1", "idempotency_key": "k", "created": 1,
                 "expected_start_time": 1, "empirical_policy": {"retries": 1},
                 "context": {"c": 1}, "state": STATE},
    "task_run": {"kind": "task_run", "v": 1, "id": ID, "flow_run_id": ID, "task_key": "k",
                 "name": "n", "dynamic_key": "0", "tags": ["t"],
                 "task_inputs": {"x": [{"input_type": "task_run", "id": ID}]}, "cache_key": "c",
                 "cache_expiration": 9, "task_version": "1", "created": 1,
                 "expected_start_time": 1, "empirical_policy": {"retries": 1}, "state": STATE},
    "flow_run_state": {**STATE, "kind": "flow_run_state", "v": 1},
    "task_run_state": {**STATE, "kind": "task_run_state", "v": 1},
    "log": {"kind": "log", "v": 1, "id": ID, "flow_run_id": ID, "task_run_id": ID, "name": "l",
            "level": 20, "message": "m", "timestamp": 1},
    "artifact": {"kind": "artifact", "v": 1, "id": ID, "key": "k", "type": "markdown",
                 "description": "d", "data": "x", "metadata_": {"m": 1}, "flow_run_id": ID,
                 "task_run_id": ID, "created": 1},
    "flow_run_update": {"kind": "flow_run_update", "v": 1, "id": ID, "run_id": ID, "name": "n",
                        "tags": ["t"]},
    "event": {"kind": "event", "v": 1, "id": ID, "occurred": 1, "event": "shop.order.paid",
              "resource": {"riverrun.resource.id": "shop.order.1"},
              "related": [{"riverrun.resource.id": "x.1", "riverrun.resource.role": "x"}],
              "payload": {"a": 1}, "follows": ID},
}  # fmt: skip


def _kind(model: Any) -> str:
    [kind] = get_args(model.model_fields["kind"].annotation)
    return str(kind)


def _same_json(event: dict[str, Any]) -> None:
    """The event, through the encoder and the server's models, is the same JSON again."""
    sent = json.loads(dumps(event))
    [model] = EventBatch.model_validate({"events": [sent]}).events
    assert model.model_dump(mode="json", exclude_unset=True) == sent


def test_the_engine_knows_exactly_the_kinds_the_models_define() -> None:
    assert {_kind(model) for model in EVENT_MODELS} == KINDS == set(FULL)


@pytest.mark.parametrize("model", EVENT_MODELS, ids=_kind)
def test_each_full_example_sets_every_declared_field(model: Any) -> None:
    event = FULL[_kind(model)]
    assert set(event) == set(model.model_fields)
    _same_json(event)


class _Reads(dict[str, Any]):
    """A dict that notes which keys are read."""

    def __init__(self, value: dict[str, Any], read: set[str]) -> None:
        super().__init__(value)
        self.read = read

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


@pytest.mark.parametrize("kind", sorted(FULL))
def test_ingest_reads_every_declared_field_and_no_other(kind: str) -> None:
    event, state_read = copy.deepcopy(FULL[kind]), set[str]()
    if "state" in event:
        event["state"] = _Reads(event["state"], state_read)
    read: set[str] = set()
    watched = _Reads(event, read)
    for sql, rows in ingest.plan([watched]):
        # A row that is the event itself hands its fields to the SQL's ``:named`` parameters.
        for row in rows:
            if row is watched or row is event.get("state"):
                (read if row is watched else state_read).update(re.findall(r":(\w+)", sql))
    # ``v`` is checked by the server (there is one version), not stored; an update has no row
    # of its own to key by ``id`` (applying it twice leaves the same run).
    unread = {"v", "id"} if kind == "flow_run_update" else {"v"}
    # ``fence`` is no field: planning puts there the lease token a flow run's state carries
    # in ``state_details`` (and ``unplan`` takes it out again).
    assert read - {"fence"} == set(FULL[kind]) - unread
    if "state" in event:
        assert state_read - {"fence"} == set(StatePayload.model_fields)


@pytest.fixture
def engine_events(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every event the engine hands the embedded store in this test, as it was handed over."""
    seen: list[dict[str, Any]] = []
    original = EmbeddedWriter.ingest

    def capture(self: EmbeddedWriter, events: Any, *args: Any, **kwargs: Any) -> None:
        events = list(events)
        seen.extend(copy.deepcopy(events))
        original(self, events, *args, **kwargs)

    monkeypatch.setattr(EmbeddedWriter, "ingest", capture)
    yield seen


def test_every_event_of_a_busy_flow_validates_to_the_same_json(
    engine_events: list[dict[str, Any]],
) -> None:
    @task(retries=1, retry_delay_seconds=0.01, persist_result=True, cache_key_fn=lambda *_: "fixed")
    def flaky(at: dt.datetime, attempts: list[int]) -> str:
        attempts.append(1)
        get_run_logger().info("attempt at %s", at)
        if len(attempts) == 1:
            raise ValueError("once")
        return "ok"

    @flow(log_prints=True)
    def child(n: int) -> int:
        print("child", n)
        return n

    @flow(retries=1)
    def busy(when: dt.datetime, tags: set[str]) -> None:
        attempts: list[int] = []
        flaky(when, attempts)
        flaky(when, attempts)  # a cache hit
        child(1)
        create_markdown_artifact("# hi", key="report", description="d")
        create_table_artifact([{"a": 1, "when": when}], key="table")
        create_link_artifact("http://127.0.0.1/x", link_text="x")
        flaky.with_options(retries=0).submit(when, [1]).result()

    busy(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc), {"a", "b"})
    kinds = {event["kind"] for event in engine_events}
    assert kinds == {"flow_run", "task_run", "flow_run_state", "task_run_state", "log", "artifact"}
    for event in engine_events:
        _same_json(event)


names = st.text(min_size=1, max_size=40)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.datetimes(timezones=st.just(dt.timezone.utc))
    | st.dates() | st.uuids() | st.timedeltas(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
states = st.builds(
    State,
    type=st.sampled_from(list(StateType)),
    name=st.text(max_size=50) | st.none(),
    message=st.text() | st.none(),
    state_details=st.dictionaries(
        st.sampled_from(["scheduled_time", "cache_key", "x"]), values, max_size=3
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    names,
    st.lists(names, max_size=3),
    st.dictionaries(names, values, max_size=4),
    st.lists(states, max_size=4),
)
def test_flow_run_events_the_engine_builds_validate_to_the_same_json(
    name: str, tags: list[str], parameters: dict[str, Any], run_states: list[State]
) -> None:
    info = FlowRunInfo(ID, name, tags, parameters, ID, name, None, None)
    first = info.state_event(None, run_states[0]) if run_states else None
    _same_json(info.creation_event(jsonable(parameters), {"retries": 0}, first))
    for state in run_states[1:]:
        _same_json(info.state_event("flow_run_state", state))


@settings(max_examples=60, deadline=None)
@given(
    names, st.lists(names, max_size=3), st.lists(states, max_size=4), st.sampled_from(["0", "12"])
)
def test_task_run_events_the_engine_builds_validate_to_the_same_json(
    name: str, tags: list[str], run_states: list[State], dynamic_key: str
) -> None:
    inputs = {"x": [{"input_type": "task_run", "id": ID}], "y": []}
    info = TaskRunInfo(ID, name, tags, {}, ID, f"{name}-key", dynamic_key, name, inputs)
    first = info.state_event(None, run_states[0]) if run_states else None
    _same_json(info.creation_event(first, {"retries": 1, "retry_delay": [0]}))
    for state in run_states[1:]:
        _same_json(info.state_event("task_run_state", state))
