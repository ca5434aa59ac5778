"""Deployment triggers (Prefect's ``prefect.events.schemas.deployment_triggers``)."""

from riverrun.schemas.deployment_triggers import (
    BaseDeploymentTrigger,
    DeploymentCompoundTrigger,
    DeploymentEventTrigger,
    DeploymentSequenceTrigger,
    DeploymentTriggerTypes,
    deployment_trigger_discriminator,
)
from riverrun.schemas.metric_triggers import DeploymentMetricTrigger

__all__ = [
    "BaseDeploymentTrigger", "DeploymentCompoundTrigger", "DeploymentEventTrigger",
    "DeploymentMetricTrigger", "DeploymentSequenceTrigger", "DeploymentTriggerTypes", "deployment_trigger_discriminator",
]  # fmt: skip
