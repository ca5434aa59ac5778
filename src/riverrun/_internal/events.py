"""Events: every fact the engine records about a run, as a plain JSON-able dict.

Events are the one format between the engine and the store, in-process (embedded) or over
HTTP (remote). Each event has an ``id`` (a UUID) so that ingesting it twice changes nothing,
and a ``kind``. Timestamps are integer microseconds since the Unix epoch (UTC).

Kinds and their fields:

``flow_run``   a flow run was created.
    id, flow_id, flow_name, name, parameters (dict), tags (list), parent_task_run_id,
    deployment_id, flow_version, created, expected_start_time, empirical_policy (dict),
    state (a ``state`` payload, the run's first state) or None.
``task_run``   a task run was created (also used for the task run standing for a subflow).
    id, flow_run_id, task_key, name, dynamic_key, tags, task_inputs (dict of lists of
    {"input_type", "id"}), cache_key, task_version, created, expected_start_time,
    empirical_policy, state (first state payload) or None.
``flow_run_state`` / ``task_run_state``  a run entered a state.
    id (the state's id), run_id, type, name, message, timestamp, data (JSON-able result
    reference or None), state_details (dict), and the run's derived fields after it:
    start_time, end_time, run_count, total_run_time (seconds) — any of which may be None,
    meaning unchanged.
``log``        a log line: id, flow_run_id, task_run_id, name, level, message, timestamp.
``artifact``   id, key, type, description, data, flow_run_id, task_run_id, created.
``flow_run_update``  id (event id), run_id, and any of: name, tags (replaces all tags).
``event``      a Prefect-shaped event a user emitted (``riverrun.events.emit_event``): id,
    occurred, event (its name), resource (dict of labels), related (list of dicts),
    payload (dict), follows (an event id or None). The store also derives one such event
    from every flow-run state it ingests (``riverrun.flow-run.<state name>``).

The store applies a state event to its run only if the state is not older than the run's
current state, so events replayed out of a spool in order, or twice, leave the same rows.
"""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]

KINDS = frozenset(
    {
        "flow_run",
        "task_run",
        "flow_run_state",
        "task_run_state",
        "log",
        "artifact",
        "flow_run_update",
        "event",
    }
)


def state_payload(
    *,
    state_id: str,
    run_id: str,
    type: str,
    name: str,
    timestamp: int,
    message: str | None = None,
    data: Any = None,
    state_details: dict[str, Any] | None = None,
    start_time: int | None = None,
    end_time: int | None = None,
    run_count: int | None = None,
    total_run_time: float | None = None,
) -> dict[str, Any]:
    """Build the fields of a state event (without its ``kind``)."""
    return {
        "id": state_id,
        "run_id": run_id,
        "type": type,
        "name": name,
        "message": message,
        "timestamp": timestamp,
        "data": data,
        "state_details": state_details or {},
        "start_time": start_time,
        "end_time": end_time,
        "run_count": run_count,
        "total_run_time": total_run_time,
    }
