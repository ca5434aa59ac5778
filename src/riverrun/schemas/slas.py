"""Service level agreements of a deployment (Prefect's ``prefect._experimental.sla.objects``).

An SLA names what a deployment's runs must meet; when they do not, riverrun records a
``riverrun.sla.violation`` event that automations can act on. Prefect keeps SLAs to its Cloud
(its open-source client raises "only supported on Prefect Cloud"); riverrun evaluates them in
its server and in a ``serve()`` process (``docs/automations.md``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal, Optional, Union

from pydantic import Field, PrivateAttr, computed_field, field_validator

from riverrun.schemas.objects import RiverrunBaseModel

Severity = Literal["minor", "low", "moderate", "high", "critical"]


class ServiceLevelAgreement(RiverrunBaseModel):
    """What every SLA has: a name unique within its deployment, a severity, an on/off switch."""

    _deployment_id: Optional[uuid.UUID] = PrivateAttr(default=None)
    name: str = Field(default=..., description="The name of the SLA, unique within its deployment.")
    severity: Severity = Field(default="moderate", description="The severity of the SLA.")
    enabled: Optional[bool] = Field(default=True, description="Whether the SLA is enabled.")

    def set_deployment_id(self, deployment_id: uuid.UUID) -> ServiceLevelAgreement:
        """Bind the SLA to a deployment (``apply_slas_for_deployment`` does this)."""
        self._deployment_id = deployment_id
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def owner_resource(self) -> Optional[str]:
        """``riverrun.deployment.<id>`` once bound to a deployment."""
        if self._deployment_id:
            return f"riverrun.deployment.{self._deployment_id}"
        return None


def _positive(value: timedelta, field: str) -> timedelta:
    if value.total_seconds() <= 0:
        raise ValueError(f"{field} must be a positive duration, such as timedelta(minutes=10)")
    return value


class TimeToCompletionSla(ServiceLevelAgreement):
    """Violated when a flow run runs longer than ``duration`` seconds."""

    duration: int = Field(
        default=..., description="The longest a run may run before the SLA is violated, in s."
    )

    @field_validator("duration")
    @classmethod
    def _duration_positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("duration must be a positive number of seconds, such as 600")
        return value


class FrequencySla(ServiceLevelAgreement):
    """Violated when no run completes within ``stale_after`` of the previous completed run
    (or of the SLA's creation, before any)."""

    stale_after: timedelta = Field(
        default=..., description="How long after a completed run the next must complete."
    )

    @field_validator("stale_after")
    @classmethod
    def _stale_after_positive(cls, value: timedelta) -> timedelta:
        return _positive(value, "stale_after")


class LatenessSla(ServiceLevelAgreement):
    """Violated when a scheduled run has not started ``within`` its expected start time."""

    within: timedelta = Field(
        default=..., description="How long after its expected start a run must have started."
    )

    @field_validator("within")
    @classmethod
    def _within_positive(cls, value: timedelta) -> timedelta:
        return _positive(value, "within")


SlaTypes = Union[TimeToCompletionSla, LatenessSla, FrequencySla]
"""Any SLA."""

SlaType = Literal["time_to_completion", "lateness", "frequency"]


def sla_type_of(sla: SlaTypes) -> SlaType:
    """The stored type name of an SLA."""
    if isinstance(sla, TimeToCompletionSla):
        return "time_to_completion"
    if isinstance(sla, LatenessSla):
        return "lateness"
    return "frequency"


class SlaMergeResponse(RiverrunBaseModel):
    """What ``apply_slas_for_deployment`` did: the names of the SLAs created, updated, deleted."""

    created: list[str]
    updated: list[str]
    deleted: list[str]


class Sla(RiverrunBaseModel):
    """A stored SLA of a deployment."""

    id: str
    deployment_id: str
    name: str
    type: SlaType
    severity: Severity
    enabled: bool
    duration: Optional[int] = None
    """``time_to_completion``: seconds."""
    within: Optional[timedelta] = None
    """``lateness``."""
    stale_after: Optional[timedelta] = None
    """``frequency``."""
    created: datetime
    updated: datetime
