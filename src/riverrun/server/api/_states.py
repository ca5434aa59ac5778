"""Proposing states, shared by flow runs and task runs."""

from __future__ import annotations

from datetime import timezone

from fastapi import Response

from riverrun.client.schemas import objects as o
from riverrun.server.api._common import json_response
from riverrun.states import State


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
