"""Events: what the engine records about a run, as plain JSON-able dicts.

The format — every kind and field — is defined once, by the pydantic models of
``riverrun.schemas.events``. This module holds only what the hot path needs without
importing pydantic: the kinds, the format's version, and a builder for state payloads.
"""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]

# The ``v`` of every event; bump it (and teach the server the old one) when a field changes
# meaning or a required field is added.
EVENT_VERSION = 1

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
