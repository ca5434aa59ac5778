"""Triggers and automations (Prefect's ``prefect.events.schemas.automations``)."""

from riverrun.schemas.automations import (
    AutomationCore,
    CompoundTrigger,
    EventTrigger,
    Posture,
    SequenceTrigger,
    TriggerTypes,
)

__all__ = [
    "AutomationCore", "CompoundTrigger", "EventTrigger", "Posture", "SequenceTrigger",
    "TriggerTypes",
]  # fmt: skip
