"""Ingest: turn a batch of events into rows, with one set of SQL text for every driver.

The events are those ``riverrun.schemas.events`` defines, field for field (a test checks
that this module reads every declared field and no other); the server has validated them
already, the engine builds them to that format. Events carry no ``v`` yet: version 1.

The SQL uses ``:named`` parameters, which both the stdlib ``sqlite3`` module (the embedded
fast path) and SQLAlchemy's ``text()`` (every other path) understand, and only constructs
that SQLite and PostgreSQL share (``INSERT ... ON CONFLICT DO NOTHING``), so writing an event
means the same thing everywhere. Nothing here imports SQLAlchemy.

Every insert is idempotent by primary key, so a batch ingested twice changes nothing. A state
event moves its run's denormalised state columns only if it is not older than the run's
current state, so out-of-order or replayed events converge on the same rows.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable
from typing import Any

from riverrun._internal.clock import from_us, now_us
from riverrun._internal.events import KINDS
from riverrun.exceptions import StoreError
from riverrun.schemas.encoding import dumps as _dumps
from riverrun.schemas.leases import LEASE_TOKEN_DETAIL

ExecuteMany = Callable[[str, list[dict[str, Any]]], None]
Plan = list[tuple[str, list[dict[str, Any]]]]

INSERT_FLOW = """
INSERT INTO flow (id, name, tags, created, updated)
VALUES (:id, :name, '[]', :created, :created)
ON CONFLICT DO NOTHING
"""

_RUN_STATE_COLUMNS = (
    "state_id, state_type, state_name, state_timestamp, state_message, "
    "start_time, end_time, run_count, total_run_time"
)
_RUN_STATE_VALUES = (
    ":state_id, :state_type, :state_name, :state_timestamp, :state_message, "
    ":start_time, :end_time, :run_count, :total_run_time"
)

# The flow is looked up by its unique name: a flow first recorded under another ID (another
# process, an older version) keeps its ID, and the run must point at it.
INSERT_FLOW_RUN_ROW = f"""
INSERT INTO flow_run (
    id, flow_id, name, parameters, tags, parent_task_run_id, deployment_id,
    work_queue_name, work_pool_name, flow_version, idempotency_key, empirical_policy,
    context, created, updated, expected_start_time, {_RUN_STATE_COLUMNS}
)
VALUES (
    :id, COALESCE((SELECT id FROM flow WHERE name = :flow_name), :flow_id), :name,
    :parameters, :tags, :parent_task_run_id, :deployment_id, :work_queue_name,
    :work_pool_name, :flow_version, :idempotency_key, :empirical_policy, :context,
    :created, :created, :expected_start_time, {_RUN_STATE_VALUES}
)
ON CONFLICT (id) DO NOTHING
"""

INSERT_TASK_RUN_ROW = f"""
INSERT INTO task_run (
    id, flow_run_id, task_key, name, dynamic_key, tags, task_inputs, cache_key,
    cache_expiration, task_version, empirical_policy, created, updated,
    expected_start_time, {_RUN_STATE_COLUMNS}
)
VALUES (
    :id, :flow_run_id, :task_key, :name, :dynamic_key, :tags, :task_inputs, :cache_key,
    :cache_expiration, :task_version, :empirical_policy, :created, :created,
    :expected_start_time, {_RUN_STATE_VALUES}
)
ON CONFLICT (id) DO NOTHING
"""


def _upsert(insert_sql: str, table: str) -> str:
    """The run insert, but when the run exists (a replayed batch) move its state forward.

    Used for runs whose later states arrive in the same batch as their creation: the newest
    of those states goes straight onto the inserted row, with no separate UPDATE.
    """
    head = insert_sql.rsplit("ON CONFLICT (id) DO NOTHING", 1)[0]
    return (
        head
        + f"""ON CONFLICT (id) DO UPDATE SET
    state_id = excluded.state_id, state_type = excluded.state_type,
    state_name = excluded.state_name, state_timestamp = excluded.state_timestamp,
    state_message = excluded.state_message,
    start_time = COALESCE(excluded.start_time, {table}.start_time),
    end_time = COALESCE(excluded.end_time, {table}.end_time),
    run_count = GREATEST_RUN_COUNT,
    total_run_time = CASE WHEN excluded.total_run_time > {table}.total_run_time
        THEN excluded.total_run_time ELSE {table}.total_run_time END,
    updated = excluded.state_timestamp
WHERE {table}.state_timestamp IS NULL OR {table}.state_timestamp <= excluded.state_timestamp
""".replace(
            "GREATEST_RUN_COUNT",
            f"CASE WHEN excluded.run_count > {table}.run_count THEN excluded.run_count ELSE {table}.run_count END",
        )
    )


INSERT_FLOW_RUN = INSERT_FLOW_RUN_ROW
INSERT_TASK_RUN = INSERT_TASK_RUN_ROW
UPSERT_FLOW_RUN = _upsert(INSERT_FLOW_RUN_ROW, "flow_run")
UPSERT_TASK_RUN = _upsert(INSERT_TASK_RUN_ROW, "task_run")

INSERT_FLOW_RUN_TAG = """
INSERT INTO flow_run_tag (flow_run_id, tag) VALUES (:run_id, :tag) ON CONFLICT DO NOTHING
"""
INSERT_TASK_RUN_TAG = """
INSERT INTO task_run_tag (task_run_id, tag) VALUES (:run_id, :tag) ON CONFLICT DO NOTHING
"""
DELETE_FLOW_RUN_TAGS = "DELETE FROM flow_run_tag WHERE flow_run_id = :run_id"


def _held(run: str) -> str:
    """SQL: the flow run ``run`` is leased to whoever holds the token ``:fence`` (or the state
    carries no token). The fencing of ``orchestration.fence``, for states that come as events."""
    return (f"(CAST(:fence AS INTEGER) IS NULL OR ({run}.lease_token = CAST(:fence AS INTEGER)"
            f" AND {run}.lease_owner IS NOT NULL))")  # fmt: skip


def _insert_state(kind: str, fenced_by_token: bool = False) -> str:
    # A state of a run that is not (yet) stored is skipped rather than failing the whole
    # batch on the foreign key; the engine always records a run before its states.
    # A flow run's state stamped with a lease token (``state_details.lease_token``) is
    # kept only while that token holds the run's lease, or as history older than the run's
    # current state: a holder that lost its lease adds nothing after the takeover.
    fenced = (f" AND ({_held('run')} OR :timestamp < run.state_timestamp)"
              if fenced_by_token else "")  # fmt: skip
    return f"""
INSERT INTO {kind}_state (id, {kind}_id, type, name, timestamp, message, data, state_details)
SELECT :id, run.id, :type, :name, :timestamp, :message, :data, :state_details
FROM {kind} AS run WHERE run.id = :run_id{fenced}
ON CONFLICT (id) DO NOTHING
"""


def _update_run_state(kind: str, fenced_by_token: bool = False) -> str:
    fenced = f" AND {_held(kind)}" if fenced_by_token else ""
    return f"""
UPDATE {kind} SET
    state_id = :id, state_type = :type, state_name = :name, state_timestamp = :timestamp,
    state_message = :message,
    start_time = COALESCE(:start_time, start_time),
    end_time = COALESCE(:end_time, end_time),
    run_count = COALESCE(:run_count, run_count),
    total_run_time = COALESCE(:total_run_time, total_run_time),
    updated = :timestamp
WHERE {kind}.id = :run_id AND (state_timestamp IS NULL OR state_timestamp <= :timestamp){fenced}
"""


INSERT_FLOW_RUN_STATE = _insert_state("flow_run")
INSERT_TASK_RUN_STATE = _insert_state("task_run")
UPDATE_FLOW_RUN_STATE = _update_run_state("flow_run")
UPDATE_TASK_RUN_STATE = _update_run_state("task_run")
# The states that carry a lease token get the fenced statements; the rest (every state of a
# run no worker or lease renewal holds) keep the plain ones, which read no lease column.
INSERT_FENCED_FLOW_RUN_STATE = _insert_state("flow_run", fenced_by_token=True)
UPDATE_FENCED_FLOW_RUN_STATE = _update_run_state("flow_run", fenced_by_token=True)

UPDATE_FLOW_RUN = """
UPDATE flow_run SET name = COALESCE(:name, name), tags = COALESCE(:tags, tags),
    updated = :updated
WHERE flow_run.id = :run_id
"""

RELEASE_RUN_SLOTS = "DELETE FROM concurrency_lease WHERE holder_id = :run_id"
"""Free every concurrency slot a run holds (its deployment's slot, leases naming it holder);
the leases sweeper runs it for each run it crashes (``_store/concurrency.py``) in its
transaction, and ingest (``RELEASE_ENDED_RUN_SLOTS``) for each flow run reaching a final state."""

RELEASE_ENDED_RUN_SLOTS = """
DELETE FROM concurrency_lease WHERE holder_id = :run_id
AND (CAST(:fence AS INTEGER) IS NULL
     OR EXISTS (SELECT 1 FROM flow_run WHERE id = :run_id AND state_id = :state_id))
"""
"""``RELEASE_RUN_SLOTS`` for a final state: one a stale lease holder sent (refused by the
fence) must not free the slots the run's new holder took."""

_FINAL_TYPES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "CRASHED"})

INSERT_LOG = """
INSERT INTO log (id, flow_run_id, task_run_id, name, level, message, timestamp)
VALUES (:id, :flow_run_id, :task_run_id, :name, :level, :message, :timestamp)
ON CONFLICT (id) DO NOTHING
"""

INSERT_ARTIFACT = """
INSERT INTO artifact (
    id, "key", type, description, data, metadata_, flow_run_id, task_run_id, created, updated
)
VALUES (
    :id, :key, :type, :description, :data, :metadata_, :flow_run_id, :task_run_id,
    :created, :created
)
ON CONFLICT (id) DO NOTHING
"""


INSERT_EVENT = """
INSERT INTO event (
    id, occurred, event, resource_id, resource, related, payload, received, follows,
    flow_run_id
)
VALUES (
    :id, :occurred, :event, :resource_id, :resource, :related, :payload, :received,
    :follows, :flow_run_id
)
ON CONFLICT (id) DO NOTHING
"""

INSERT_FENCED_STATE_EVENT = """
INSERT INTO event (
    id, occurred, event, resource_id, resource, related, payload, received, follows,
    flow_run_id
)
SELECT :id, :occurred, :event, :resource_id, :resource, :related, :payload, :received,
    :follows, :flow_run_id
FROM flow_run_state AS s WHERE s.id = :state_id
ON CONFLICT (id) DO NOTHING
"""
"""The event of a state that carried a lease token: written only if the fence let the state
in (the event's ID is the state's, given again as ``state_id``: PostgreSQL types each
parameter once), so automations never see a refused state."""


def _by_fence(
    rows: list[dict[str, Any]], plain: str, fenced: str
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The rows without a lease token for ``plain``, those with one for ``fenced``."""
    unfenced = [r for r in rows if r.get("fence") is None]
    tokened = [r for r in rows if r.get("fence") is not None]
    return [(sql, group) for sql, group in ((plain, unfenced), (fenced, tokened)) if group]


def _json_object(value: dict[str, Any] | None) -> str:
    # Most dicts the engine sends are empty; skip the encoder for them.
    return _dumps(value) if value else "{}"


def _json_list(value: list[Any]) -> str:
    # Most runs have no tags; skip the encoder for them.
    return _dumps(value) if value else "[]"


def _tags(value: Iterable[str] | None) -> list[str]:
    # Keep the caller's order (it is what they see back) but drop duplicates.
    return list(dict.fromkeys(value or ()))


def _initial_state(row: dict[str, Any], state: dict[str, Any] | None) -> None:
    if state is None:
        row.update(
            state_id=None, state_type=None, state_name=None, state_timestamp=None,
            state_message=None, start_time=None, end_time=None, run_count=0,
            total_run_time=0.0,
        )  # fmt: skip
        return
    row["state_id"] = state["id"]
    row["state_type"] = state["type"]
    row["state_name"] = state["name"]
    row["state_timestamp"] = state["timestamp"]
    row["state_message"] = state.get("message")
    row["start_time"] = state.get("start_time")
    row["end_time"] = state.get("end_time")
    run_count = state.get("run_count")
    row["run_count"] = 0 if run_count is None else run_count
    total = state.get("total_run_time")
    row["total_run_time"] = 0.0 if total is None else total


class _Json(str):
    """Text already encoded as JSON by ``_state_row``, so a second plan leaves it as it is."""

    __slots__ = ()


_EMPTY_OBJECT = _Json("{}")


def unplan(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give back, in place, the values planning encoded in a batch's states.

    For a batch planned but not written (the database refused it) that is to be kept as
    JSON in a spool: there its encoded text would lose its mark and be encoded twice.
    """
    for event in events:
        kind = event["kind"]
        if kind == "task_run_state" or kind == "flow_run_state":
            _decode_state(event)
        elif kind == "task_run" or kind == "flow_run":
            state = event.get("state")
            if state:
                _decode_state(state)
    return events


def _decode_state(state: dict[str, Any]) -> None:
    state.pop("fence", None)  # planning's own key: a state payload has no such field
    for key in ("data", "state_details"):
        value = state.get(key)
        if value.__class__ is _Json:
            state[key] = json.loads(value)


def _flow_run_state_row(state: dict[str, Any], run_id: str) -> dict[str, Any]:
    """``_state_row`` for a flow run's state, with ``fence``: the lease token it carries.

    A token that cannot be one (not an integer) fences nothing, as a state without one; an
    integer out of the column's range is -1, which no lease holds.
    """
    details = state.get("state_details")
    if details.__class__ is not _Json:  # planned once already: ``fence`` is there
        token = details.get(LEASE_TOKEN_DETAIL) if details else None
        if token.__class__ is not int:
            token = None
        elif not 0 <= token < 2**31:
            token = -1
        state["fence"] = token
    return _state_row(state, run_id)


_STATE_FIELDS = frozenset(
    {"data", "message", "start_time", "end_time", "run_count", "total_run_time"}
)


def _state_row(state: dict[str, Any], run_id: str) -> dict[str, Any]:
    """The state payload itself, made into its state row in place.

    A task run's three states were three new dicts, a third of the writer's Python time
    per task run; the payload is the batch's own and is used for nothing else. Its ``data``
    and ``state_details`` become JSON text, marked so that planning the same batch again
    (one put back after an interrupt) does not encode them twice.
    """
    state["run_id"] = run_id
    data = state.get("data")
    if data is not None and data.__class__ is not _Json:
        state["data"] = _Json(_dumps(data))
    details = state.get("state_details")
    if details.__class__ is not _Json:
        state["state_details"] = _Json(_dumps(details)) if details else _EMPTY_OBJECT
    if not _STATE_FIELDS <= state.keys():
        # A payload that left out optional fields (from another client): fill them in.
        for field in _STATE_FIELDS:
            state.setdefault(field, None)
    return state


def _fold_states(
    runs: list[dict[str, Any]], states: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], bool]:
    """Collapse a batch's state events to one change per run.

    A task run usually arrives with Pending, Running and Completed in one batch; applying
    the newest state once (with the newest non-null start/end/run count/run time among them)
    leaves the same row as applying each in turn, at a third of the cost. For a run created
    in this batch the change goes onto its insert row (upserted, so a replay still moves an
    existing row forward); for others it becomes one UPDATE.

    Returns:
        The UPDATE rows for runs not created in the batch, and whether any state was folded
        into an insert row (then the insert must be the upsert).
    """
    if not states:
        return [], False
    # Per run: [newest state, then the newest non-null start_time, end_time, run_count and
    # total_run_time among its states]. Stable sort: states with equal timestamps keep their
    # batch order and the later wins, exactly as sequential updates with
    # ``state_timestamp <= :timestamp`` would.
    by_run: dict[str, list[Any]] = {}
    for state in sorted(states, key=_timestamp):
        folded = by_run.get(state["run_id"])
        if folded is None:
            by_run[state["run_id"]] = [
                state, state["start_time"], state["end_time"], state["run_count"],
                state["total_run_time"],
            ]  # fmt: skip
            continue
        folded[0] = state
        if state["start_time"] is not None:
            folded[1] = state["start_time"]
        if state["end_time"] is not None:
            folded[2] = state["end_time"]
        if state["run_count"] is not None:
            folded[3] = state["run_count"]
        if state["total_run_time"] is not None:
            folded[4] = state["total_run_time"]
    folded_into_insert = False
    for row in runs:
        folded = by_run.get(row["id"])
        if folded is None or folded[0].get("fence") is not None:
            # A state carrying a lease token goes through the fenced UPDATE, never onto an
            # insert row (the upsert cannot see the run's lease).
            continue
        del by_run[row["id"]]
        newest, start, end, count, total = folded
        initial = row["state_timestamp"]
        if initial is None or initial <= newest["timestamp"]:
            row["state_id"] = newest["id"]
            row["state_type"] = newest["type"]
            row["state_name"] = newest["name"]
            row["state_timestamp"] = newest["timestamp"]
            row["state_message"] = newest["message"]
            if start is not None:
                row["start_time"] = start
            if end is not None:
                row["end_time"] = end
            if count is not None:
                row["run_count"] = max(row["run_count"], count)
            if total is not None:
                row["total_run_time"] = max(row["total_run_time"], total)
            folded_into_insert = True
    updates = [
        {
            **newest,
            "start_time": start,
            "end_time": end,
            "run_count": count,
            "total_run_time": total,
        }
        for newest, start, end, count, total in by_run.values()
    ]
    return updates, folded_into_insert


_timestamp = operator.itemgetter("timestamp")


def _flow_run_state_event(state: dict[str, Any], run_id: str, received: int) -> dict[str, Any]:
    """The ``riverrun.flow-run.<state name>`` event of a flow run entering a state.

    As Prefect's, its ID is the state's ID. The run's name, flow, tags and deployment are
    joined in when it is read (``flow_run_id``), so deriving it needs no lookup here.
    """
    timestamp = state["timestamp"]
    message = state.get("message") or ""
    resource = {
        "riverrun.resource.id": f"riverrun.flow-run.{run_id}",
        "riverrun.state-message": message[:100_000],
        "riverrun.state-name": state["name"] or "",
        "riverrun.state-timestamp": from_us(timestamp).isoformat(),
        "riverrun.state-type": state["type"],
    }
    if state.get("run_count") is not None:
        resource["riverrun.run-count"] = str(state["run_count"])
    validated = {"type": state["type"], "name": state["name"], "message": message,
                 "timestamp": resource["riverrun.state-timestamp"]}  # fmt: skip
    return {
        "id": state["id"],
        "occurred": timestamp,
        "event": f"riverrun.flow-run.{state['name']}",
        "resource_id": resource["riverrun.resource.id"],
        "resource": _dumps(resource),
        "related": "[]",
        "payload": _dumps({"intended": {"to": state["type"]}, "validated_state": validated}),
        "received": received,
        "follows": None,
        "flow_run_id": run_id,
    }


def _custom_event(event: dict[str, Any], received: int) -> dict[str, Any]:
    """The row of an event a user emitted (``riverrun.events.emit_event``)."""
    resource = event["resource"]
    return {
        "id": event["id"],
        "occurred": event.get("occurred") or received,
        "event": event["event"],
        "resource_id": resource["riverrun.resource.id"],
        "resource": _dumps(resource),
        "related": _json_list(event.get("related") or []),
        "payload": _json_object(event.get("payload")),
        "received": received,
        "follows": event.get("follows"),
        "flow_run_id": None,
    }


def plan(events: Iterable[dict[str, Any]]) -> Plan:
    """Turn events into ``(sql, rows)`` pairs, in the order they must be executed.

    Runs come before their tags and states; state rows before the updates they cause.
    State payloads are made into their rows in place (``_state_row``): the batch is the
    plan's, and planning it again gives the same rows.

    Raises:
        StoreError: an event has an unknown ``kind`` (a bug in whoever made it).
    """
    flows: dict[str, dict[str, Any]] = {}
    flow_runs: list[dict[str, Any]] = []
    flow_run_tags: list[dict[str, Any]] = []
    task_runs: list[dict[str, Any]] = []
    task_run_tags: list[dict[str, Any]] = []
    flow_run_states: list[dict[str, Any]] = []
    task_run_states: list[dict[str, Any]] = []
    # A run's first state is already on its row; it needs a state row but no update.
    first_states: list[dict[str, Any]] = []
    task_first_states: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}
    logs: list[dict[str, Any]] = []
    artifacts: list[dict[str, Any]] = []
    # Prefect-shaped events: custom ones (``emit_event``) and one per flow-run state.
    events_out: list[dict[str, Any]] = []
    fenced_events_out: list[dict[str, Any]] = []  # of states with a lease token
    received = now_us()

    for event in events:
        kind = event["kind"]
        if kind == "task_run_state":
            task_run_states.append(_state_row(event, event["run_id"]))
        elif kind == "task_run":
            run_id = event["id"]
            tags = _tags(event.get("tags"))
            row = {
                "id": run_id,
                "flow_run_id": event.get("flow_run_id"),
                "task_key": event["task_key"],
                "name": event["name"],
                "dynamic_key": str(event.get("dynamic_key", "0")),
                "tags": _json_list(tags),
                "task_inputs": _json_object(event.get("task_inputs")),
                "cache_key": event.get("cache_key"),
                "cache_expiration": event.get("cache_expiration"),
                "task_version": event.get("task_version"),
                "empirical_policy": _json_object(event.get("empirical_policy")),
                "created": event["created"],
                "expected_start_time": event.get("expected_start_time"),
            }
            state = event.get("state")
            _initial_state(row, state)
            task_runs.append(row)
            for tag in tags:
                task_run_tags.append({"run_id": run_id, "tag": tag})
            if state is not None:
                task_first_states.append(_state_row(state, run_id))
        elif kind == "log":
            logs.append(
                {
                    "id": event["id"],
                    "flow_run_id": event.get("flow_run_id"),
                    "task_run_id": event.get("task_run_id"),
                    "name": event.get("name") or "riverrun",
                    "level": event["level"],
                    "message": event["message"],
                    "timestamp": event["timestamp"],
                }
            )
        elif kind == "flow_run_state":
            state_row = _flow_run_state_row(event, event["run_id"])
            out = fenced_events_out if state_row["fence"] is not None else events_out
            out.append(_flow_run_state_event(event, event["run_id"], received))
            flow_run_states.append(state_row)
        elif kind == "flow_run":
            run_id = event["id"]
            tags = _tags(event.get("tags"))
            flows.setdefault(
                event["flow_name"],
                {"id": event["flow_id"], "name": event["flow_name"], "created": event["created"]},
            )
            row = {
                "id": run_id,
                "flow_id": event["flow_id"],
                "flow_name": event["flow_name"],
                "name": event["name"],
                "parameters": _json_object(event.get("parameters")),
                "tags": _json_list(tags),
                "parent_task_run_id": event.get("parent_task_run_id"),
                "deployment_id": event.get("deployment_id"),
                "work_queue_name": event.get("work_queue_name"),
                "work_pool_name": event.get("work_pool_name"),
                "flow_version": event.get("flow_version"),
                "idempotency_key": event.get("idempotency_key"),
                "empirical_policy": _json_object(event.get("empirical_policy")),
                "context": _json_object(event.get("context")),
                "created": event["created"],
                "expected_start_time": event.get("expected_start_time"),
            }
            state = event.get("state")
            _initial_state(row, state)
            flow_runs.append(row)
            for tag in tags:
                flow_run_tags.append({"run_id": run_id, "tag": tag})
            if state is not None:
                state_row = _flow_run_state_row(state, run_id)
                out = fenced_events_out if state_row["fence"] is not None else events_out
                out.append(_flow_run_state_event(state, run_id, received))
                first_states.append(state_row)
        elif kind == "flow_run_update":
            # Several updates of one run in a batch collapse into one, the last value winning.
            merged = updates.setdefault(
                event["run_id"], {"run_id": event["run_id"], "name": None, "tags": None}
            )
            if event.get("name") is not None:
                merged["name"] = event["name"]
            if event.get("tags") is not None:
                merged["tags"] = _tags(event["tags"])
        elif kind == "artifact":
            data = event.get("data")
            metadata = event.get("metadata_")
            artifacts.append(
                {
                    "id": event["id"],
                    "key": event.get("key"),
                    "type": event.get("type"),
                    "description": event.get("description"),
                    "data": None if data is None else _dumps(data),
                    "metadata_": None if metadata is None else _dumps(metadata),
                    "flow_run_id": event.get("flow_run_id"),
                    "task_run_id": event.get("task_run_id"),
                    "created": event.get("created") or now_us(),
                }
            )
        elif kind == "event":
            events_out.append(_custom_event(event, received))
        else:
            raise StoreError(
                f"Cannot ingest an event of unknown kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}."
            )

    flow_run_updates, flow_runs_folded = _fold_states(flow_runs, flow_run_states)
    task_run_updates, task_runs_folded = _fold_states(task_runs, task_run_states)

    steps: Plan = []
    if flows:
        steps.append((INSERT_FLOW, list(flows.values())))
    if flow_runs:
        steps.append((UPSERT_FLOW_RUN if flow_runs_folded else INSERT_FLOW_RUN, flow_runs))
    if flow_run_tags:
        steps.append((INSERT_FLOW_RUN_TAG, flow_run_tags))
    if task_runs:
        steps.append((UPSERT_TASK_RUN if task_runs_folded else INSERT_TASK_RUN, task_runs))
    if task_run_tags:
        steps.append((INSERT_TASK_RUN_TAG, task_run_tags))
    for sql, rows in _by_fence(first_states + flow_run_states, INSERT_FLOW_RUN_STATE,
                               INSERT_FENCED_FLOW_RUN_STATE):  # fmt: skip
        steps.append((sql, rows))
    for sql, rows in _by_fence(flow_run_updates, UPDATE_FLOW_RUN_STATE,
                               UPDATE_FENCED_FLOW_RUN_STATE):  # fmt: skip
        steps.append((sql, rows))
    if task_first_states or task_run_states:
        steps.append((INSERT_TASK_RUN_STATE, task_first_states + task_run_states))
    if task_run_updates:
        steps.append((UPDATE_TASK_RUN_STATE, task_run_updates))
    if updates:
        updated = now_us()
        rows = []
        for u in updates.values():
            rows.append(
                {
                    "run_id": u["run_id"],
                    "name": u["name"],
                    "tags": None if u["tags"] is None else _dumps(u["tags"]),
                    "updated": updated,
                }
            )
        steps.append((UPDATE_FLOW_RUN, rows))
        retagged = [u for u in updates.values() if u["tags"] is not None]
        if retagged:
            steps.append((DELETE_FLOW_RUN_TAGS, [{"run_id": u["run_id"]} for u in retagged]))
            tag_rows = [{"run_id": u["run_id"], "tag": t} for u in retagged for t in u["tags"]]
            if tag_rows:
                steps.append((INSERT_FLOW_RUN_TAG, tag_rows))
    ended: dict[str, dict[str, Any]] = {}
    for row in sorted(first_states + flow_run_states, key=_timestamp):
        if row["type"] in _FINAL_TYPES:  # the newest final state: the one that can be current
            ended[row["run_id"]] = {"run_id": row["run_id"], "fence": row["fence"],
                                    "state_id": row["id"]}  # fmt: skip
    if ended:
        steps.append((RELEASE_ENDED_RUN_SLOTS, [ended[run_id] for run_id in sorted(ended)]))
    if events_out:
        steps.append((INSERT_EVENT, events_out))
    if fenced_events_out:
        for event in fenced_events_out:
            event["state_id"] = event["id"]
        steps.append((INSERT_FENCED_STATE_EVENT, fenced_events_out))
    if logs:
        steps.append((INSERT_LOG, logs))
    if artifacts:
        steps.append((INSERT_ARTIFACT, artifacts))
    return steps


def apply(steps: Plan, executemany: ExecuteMany) -> None:
    """Execute a plan with a driver's ``executemany`` (inside the caller's transaction)."""
    for sql, rows in steps:
        executemany(sql, rows)
