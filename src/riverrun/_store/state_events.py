"""The event that records an accepted state on a run (stdlib only: the embedded path uses it)."""

from __future__ import annotations

from typing import Any

from riverrun._internal.clock import to_us
from riverrun.states import State, StateType


def state_event(kind: str, run_id: str, run: Any, state: State) -> dict[str, Any]:
    """The state event for an accepted state, with the run fields it changes."""
    ts = to_us(state.timestamp)
    start_time = end_time = run_count = total = None
    if state.type is StateType.RUNNING:
        run_count = (run["run_count"] or 0) + 1
        if run["start_time"] is None:
            start_time = ts
    if run["state_type"] == StateType.RUNNING.value and run["state_timestamp"] is not None:
        total = (run["total_run_time"] or 0.0) + max(0, ts - run["state_timestamp"]) / 1e6
    if state.is_final():
        end_time = ts
    details = {f"{kind}_id": run_id, **state.to_dict()["state_details"]}
    data = (
        state.data
        if isinstance(state.data, dict) and state.data.get("__riverrun_result__")
        else None
    )
    return {
        "kind": f"{kind}_state", "id": state.id, "run_id": run_id, "type": state.type.value,
        "name": state.name, "message": state.message, "timestamp": ts, "data": data,
        "state_details": details, "start_time": start_time, "end_time": end_time,
        "run_count": run_count, "total_run_time": total,
    }  # fmt: skip
