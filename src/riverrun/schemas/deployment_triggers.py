"""Deployment triggers: a trigger that runs its deployment (Prefect's
``prefect.events.schemas.deployment_triggers``, measured on 3.9.1).

A ``DeploymentEventTrigger`` is an ``EventTrigger`` with the fields of the automation made
for it (``name``, ``description``, ``enabled``) and of its ``RunDeployment`` action
(``parameters``, ``job_variables``, ``schedule_after``). ``flow.to_deployment(...,
triggers=[...])`` names each one ``<deployment>__automation_<n>`` unless it has a name, and
applying the deployment replaces the automations it owns with one per trigger.

Example:
    >>> DeploymentEventTrigger(expect={"shop.order.paid"}, parameters={"mode": "fast"})
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any, ClassVar, Optional, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag

from riverrun.schemas.automations import (
    AutomationCore,
    CompoundTrigger,
    EventTrigger,
    RunDeployment,
    Seconds,
    SequenceTrigger,
    TriggerTypes,
)

DEPLOYMENT_RESOURCE = "riverrun.deployment."
"""The prefix of a deployment's resource ID, its automations' ``owner_resource``."""

PlainTrigger = Union[EventTrigger, CompoundTrigger, SequenceTrigger]


class BaseDeploymentTrigger(BaseModel):
    """The automation's and the ``RunDeployment`` action's fields of a deployment trigger."""

    model_config = ConfigDict(extra="forbid")

    trigger_type: ClassVar[type[PlainTrigger]]

    name: Optional[str] = Field(
        default=None, description="The automation's name (default <deployment>__automation_<n>)."
    )
    description: str = ""
    enabled: bool = True
    parameters: Optional[dict[str, Any]] = Field(
        default=None, description="The run's parameters; None: the deployment's defaults."
    )
    job_variables: Optional[dict[str, Any]] = Field(
        default=None, description="The run's job variables; None: the deployment's."
    )
    schedule_after: Seconds = Field(
        default_factory=lambda: timedelta(0),
        ge=timedelta(0),
        description="How long after the firing the run is scheduled (default: at once).",
    )
    _deployment_id: Optional[uuid.UUID] = PrivateAttr(default=None)

    def set_deployment_id(self, deployment_id: Union[uuid.UUID, str]) -> None:
        """Bind the trigger to the deployment it runs (``apply()`` does this)."""
        self._deployment_id = uuid.UUID(str(deployment_id))

    def owner_resource(self) -> Optional[str]:
        """``riverrun.deployment.<id>``: the resource that owns the trigger's automation."""
        return f"{DEPLOYMENT_RESOURCE}{self._deployment_id}"

    def actions(self) -> list[RunDeployment]:
        """The one action: run the bound deployment with this trigger's parameters."""
        return [
            RunDeployment(
                source="selected",
                deployment_id=self._bound(),
                parameters=self.parameters,
                job_variables=self.job_variables,
                schedule_after=self.schedule_after,
            )
        ]

    def as_automation(self) -> AutomationCore:
        """The automation that runs the bound deployment when the trigger fires.

        Raises:
            ValueError: the trigger is not bound to a deployment (``set_deployment_id``).
        """
        plain = self.trigger_type.model_validate(
            self.model_dump(include=set(self.trigger_type.model_fields))
        )
        return AutomationCore(
            name=self.name or f"Automation for deployment {self._bound()}",
            description=self.description,
            enabled=self.enabled,
            trigger=plain,
            actions=list(self.actions()),
            owner_resource=self.owner_resource(),
        )

    def _bound(self) -> uuid.UUID:
        if self._deployment_id is None:
            raise ValueError(
                "This trigger is not bound to a deployment: call set_deployment_id(id) first, "
                "or pass it in to_deployment(..., triggers=[...]) and apply()."
            )
        return self._deployment_id


class DeploymentEventTrigger(BaseDeploymentTrigger, EventTrigger):
    """An ``EventTrigger`` that runs its deployment when it fires."""

    trigger_type: ClassVar[type[PlainTrigger]] = EventTrigger


class DeploymentCompoundTrigger(BaseDeploymentTrigger, CompoundTrigger):
    """A ``CompoundTrigger`` that runs its deployment when it fires."""

    trigger_type: ClassVar[type[PlainTrigger]] = CompoundTrigger


class DeploymentSequenceTrigger(BaseDeploymentTrigger, SequenceTrigger):
    """A ``SequenceTrigger`` that runs its deployment when it fires."""

    trigger_type: ClassVar[type[PlainTrigger]] = SequenceTrigger


def deployment_trigger_discriminator(value: Any) -> str:
    """The kind of a deployment trigger given as a mapping (``riverrun.yaml``): its ``type``,
    else ``compound`` with ``triggers`` and ``require``, ``sequence`` with ``triggers`` only,
    else ``event`` (Prefect's rule)."""
    if isinstance(value, dict):
        if "type" in value:
            return str(value["type"])
        if "triggers" in value:
            return "compound" if "require" in value else "sequence"
        return "event"
    return str(getattr(value, "type", "event"))


DeploymentTriggerTypes = Annotated[
    Union[
        Annotated[DeploymentEventTrigger, Tag("event")],
        Annotated[DeploymentCompoundTrigger, Tag("compound")],
        Annotated[DeploymentSequenceTrigger, Tag("sequence")],
    ],
    Discriminator(deployment_trigger_discriminator),
]
"""Any deployment trigger; a mapping without ``type`` is told apart as Prefect does."""

_DEPLOYMENT_KIND: dict[type[BaseModel], type[BaseDeploymentTrigger]] = {
    EventTrigger: DeploymentEventTrigger,
    CompoundTrigger: DeploymentCompoundTrigger,
    SequenceTrigger: DeploymentSequenceTrigger,
}


def as_deployment_trigger(
    trigger: Union[BaseDeploymentTrigger, PlainTrigger],
) -> BaseDeploymentTrigger:
    """A copy of ``trigger`` as a deployment trigger: a plain ``EventTrigger`` (or compound,
    sequence) becomes the deployment kind with the defaults (run with the deployment's
    parameters, at once), so the caller's object is never changed.

    Raises:
        TypeError: not a trigger.
    """
    if isinstance(trigger, BaseDeploymentTrigger):
        return trigger.model_copy(deep=True)
    kind = _DEPLOYMENT_KIND.get(type(trigger))
    if kind is None:
        raise TypeError(
            f"triggers= takes DeploymentEventTrigger, DeploymentCompoundTrigger, "
            f"DeploymentSequenceTrigger or a plain EventTrigger/CompoundTrigger/SequenceTrigger "
            f"(or their mappings), not {type(trigger).__name__}."
        )
    return kind.model_validate(trigger.model_dump())


__all__ = [
    "BaseDeploymentTrigger", "DeploymentCompoundTrigger", "DeploymentEventTrigger",
    "DeploymentSequenceTrigger", "DeploymentTriggerTypes", "TriggerTypes",
    "as_deployment_trigger", "deployment_trigger_discriminator",
]  # fmt: skip
