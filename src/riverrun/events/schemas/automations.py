"""Triggers and automations (Prefect's ``prefect.events.schemas.automations``)."""

from riverrun.schemas.automations import (
    AutomationCore,
    CompoundTrigger,
    EventTrigger,
    Posture,
    SequenceTrigger,
    TriggerTypes,
)
from riverrun.schemas.metric_triggers import (
    MetricTrigger,
    MetricTriggerOperator,
    MetricTriggerQuery,
    RiverrunMetric,
)

__all__ = [
    "AutomationCore", "CompoundTrigger", "EventTrigger", "MetricTrigger", "MetricTriggerOperator",
    "MetricTriggerQuery", "Posture", "RiverrunMetric", "SequenceTrigger", "TriggerTypes",
]  # fmt: skip
