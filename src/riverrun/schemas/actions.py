"""Payloads that create or change objects through the client and the HTTP API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from riverrun.states import State


class ActionBaseModel(BaseModel):
    """Base of every action: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class FlowRunUpdate(ActionBaseModel):
    """Change a flow run's name or tags."""

    name: str | None = None
    tags: list[str] | None = None


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
    tags: list[str] | None = None


class ArtifactUpdate(ActionBaseModel):
    """Change an artifact's data, description or metadata (what is None is kept)."""

    data: Any = None
    description: str | None = None
    metadata_: dict[str, Any] | None = None


class ArtifactCreate(ActionBaseModel):
    """Create an artifact."""

    key: str | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, Any] | None = None
    flow_run_id: str | None = None
    task_run_id: str | None = None
