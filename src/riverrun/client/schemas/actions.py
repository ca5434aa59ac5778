"""Payloads that create or change objects through the client and the HTTP API."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field

from riverrun.states import State


class ActionBaseModel(BaseModel):
    """Base of every action: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")


class FlowRunUpdate(ActionBaseModel):
    """Change a flow run's name or tags."""

    name: Optional[str] = None
    tags: Optional[list[str]] = None


class StateCreate(ActionBaseModel):
    """Propose a new state for a run."""

    state: State
    force: bool = False


class VariableCreate(ActionBaseModel):
    """Create a variable."""

    name: str
    value: Any = None
    tags: list[str] = Field(default_factory=list)


class VariableUpdate(ActionBaseModel):
    """Change a variable's value or tags."""

    value: Any = None
    tags: Optional[list[str]] = None


class ArtifactCreate(ActionBaseModel):
    """Create an artifact."""

    key: Optional[str] = None
    type: Optional[str] = None
    description: Optional[str] = None
    data: Any = None
    metadata_: Optional[dict[str, Any]] = None
    flow_run_id: Optional[str] = None
    task_run_id: Optional[str] = None
