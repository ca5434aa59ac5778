"""Proposing states, shared by flow runs and task runs."""

from __future__ import annotations

from datetime import timezone
from typing import Any

from fastapi import Response
from pydantic import model_validator

from riverrun.schemas import objects as o
from riverrun.schemas.actions import StateCreate
from riverrun.server.api._common import json_response
from riverrun.states import State, StateType

_STATE_TYPES = {t.value for t in StateType}


class ProposedState(StateCreate):
    """``StateCreate``, with the state's shape checked before ``State`` parses it, so a
    missing or wrong field is a 422 naming it rather than an error inside the parser."""

    @model_validator(mode="before")
    @classmethod
    def _check_state_shape(cls, data: Any) -> Any:
        state = data.get("state") if isinstance(data, dict) else None
        if isinstance(data, dict) and "state" in data and not isinstance(state, dict):
            raise ValueError("state must be an object with at least a type")
        if isinstance(state, dict):
            kind = state.get("type")
            if not isinstance(kind, str) or kind.upper() not in _STATE_TYPES:
                raise ValueError(f"state.type must be one of {', '.join(sorted(_STATE_TYPES))}")
            for field in ("name", "message", "timestamp", "id"):
                if state.get(field) is not None and not isinstance(state[field], str):
                    raise ValueError(f"state.{field} must be a string")
            if state.get("state_details") is not None and not isinstance(state["state_details"], dict):
                raise ValueError("state.state_details must be an object")
            if isinstance(state.get("timestamp"), str):
                from datetime import datetime

                try:
                    datetime.fromisoformat(state["timestamp"])
                except ValueError:
                    raise ValueError("state.timestamp must be an ISO 8601 date-time") from None
            data = {**data, "state": {**state, "type": kind.upper()}}
        return data


def utc_state(state: State) -> State:
    """The state with a naive timestamp read as UTC (the store compares aware times)."""
    if state.timestamp.tzinfo is None:
        state.timestamp = state.timestamp.replace(tzinfo=timezone.utc)
    return state


def set_state_response(result: o.OrchestrationResult) -> Response:
    """200 with the result if accepted; 409 with the reason and current state if not."""
    if result.status == "ACCEPT":
        return json_response(o.OrchestrationResult, result)
    body = result.model_dump(mode="json")
    body["detail"] = f"State {result.status.lower()}ed: {result.reason}"
    return json_response(dict, body, status_code=409)
