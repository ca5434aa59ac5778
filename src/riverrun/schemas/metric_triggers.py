"""Metric triggers: Prefect's ``MetricTrigger`` and ``MetricTriggerQuery``, kept so that code
written for Prefect imports and builds them — and refused as an automation's trigger.

Prefect evaluates metric triggers (a deployment's ``successes``, ``duration`` or ``lateness``
over a range) only in Prefect Cloud: its open-source 3.9.1 server answers 422 to an
automation with one (measured: ``trigger.EventTrigger.type: Input should be 'event'``), and
nothing in it computes those metrics. riverrun does not evaluate them either; an automation
with one is refused when it is made, with what to use instead (``docs/compatibility.md``
D22): an SLA on the deployment for duration and lateness, an event trigger with a
threshold for failures.
"""

from __future__ import annotations

import enum
from datetime import timedelta
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from riverrun.schemas.automations import (
    METRIC_TRIGGERS_REFUSED,
    Posture,
    ResourceSpecification,
    Seconds,
    _Tagged,
)

_MINIMUM = timedelta(seconds=300)


class MetricTriggerOperator(enum.Enum):
    """How a metric query's result is compared with its threshold."""

    LT = "<"
    LTE = "<="
    GT = ">"
    GTE = ">="


class RiverrunMetric(enum.Enum):
    """The metrics a metric trigger can query (Prefect's ``PrefectMetric``)."""

    lateness = "lateness"
    duration = "duration"
    successes = "successes"


class MetricTriggerQuery(BaseModel):
    """The query of a metric trigger: a metric over ``range``, compared with ``threshold``
    by ``operator``, breaching for ``firing_for`` before it fires (Prefect's fields)."""

    model_config = ConfigDict(extra="forbid")

    name: Union[RiverrunMetric, str] = Field(union_mode="left_to_right")
    threshold: float
    operator: MetricTriggerOperator
    range: Seconds = _MINIMUM
    firing_for: Seconds = _MINIMUM

    @field_validator("range", "firing_for")
    @classmethod
    def _at_least_five_minutes(cls, value: timedelta) -> timedelta:
        if value < _MINIMUM:
            raise ValueError("The minimum range is 300 seconds (5 minutes)")
        return value


class MetricTrigger(_Tagged):
    """A trigger on a metric query (Prefect Cloud's). It can be built, but an automation
    with one is refused: neither riverrun nor Prefect's open-source server evaluates it."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["metric"] = "metric"
    match: ResourceSpecification = Field(default_factory=lambda: ResourceSpecification({}))
    match_related: Union[ResourceSpecification, list[ResourceSpecification]] = Field(
        default_factory=lambda: ResourceSpecification({})
    )
    posture: Literal[Posture.Metric] = Posture.Metric
    metric: MetricTriggerQuery


class DeploymentMetricTrigger(MetricTrigger):
    """Prefect's deployment metric trigger: refused when made, as a deployment's triggers
    become automations and an automation cannot have a metric trigger."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _refused(cls, data: Any) -> Any:
        raise ValueError(METRIC_TRIGGERS_REFUSED)


__all__ = [
    "DeploymentMetricTrigger", "MetricTrigger", "MetricTriggerOperator", "MetricTriggerQuery",
    "RiverrunMetric",
]  # fmt: skip
