"""Events, triggers, actions and automations: Prefect 3's shapes under riverrun's names.

Field names and defaults are Prefect 3.9.1's (measured): an ``EventTrigger()`` dumps to
``{"type": "event", "match": {}, "match_related": {}, "after": [], "expect": [],
"for_each": [], "posture": "Reactive", "threshold": 1, "within": 0.0}`` in both.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Annotated, ClassVar, Literal, Optional, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    field_validator,
    model_validator,
)

from riverrun.exceptions import RiverrunException
from riverrun.states import StateType


class InvalidAutomation(RiverrunException, ValueError):
    """An automation refers to something that does not exist, or a template does not render;
    the message names the field."""


# -- events -------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Resource(RootModel[dict[str, str]]):
    """A thing an event is about: labels, of which ``riverrun.resource.id`` is required."""

    @model_validator(mode="after")
    def _requires_id(self) -> Resource:
        if "riverrun.resource.id" not in self.root:
            raise ValueError(
                "A resource needs a 'riverrun.resource.id' label, e.g. "
                "{'riverrun.resource.id': 'my.thing.1'}."
            )
        return self

    @property
    def id(self) -> str:
        """The resource's ``riverrun.resource.id``."""
        return self.root["riverrun.resource.id"]

    @property
    def name(self) -> Optional[str]:
        """The resource's ``riverrun.resource.name``, if it has one."""
        return self.root.get("riverrun.resource.name")

    def get(self, label: str, default: Optional[str] = None) -> Optional[str]:
        """The value of a label, or ``default``."""
        return self.root.get(label, default)

    def __getitem__(self, label: str) -> str:
        return self.root[label]

    def __contains__(self, label: object) -> bool:
        return label in self.root


class RelatedResource(Resource):
    """A resource with a ``riverrun.resource.role`` in an event (flow, tag, deployment...)."""

    @model_validator(mode="after")
    def _requires_role(self) -> RelatedResource:
        if "riverrun.resource.role" not in self.root:
            raise ValueError("A related resource needs a 'riverrun.resource.role' label.")
        return self

    @property
    def role(self) -> str:
        """The related resource's ``riverrun.resource.role``."""
        return self.root["riverrun.resource.role"]


class Event(BaseModel):
    """Something that happened to a resource, as Prefect's ``Event``.

    ``event`` is its name (``riverrun.flow-run.Failed``); ``id`` makes writing it twice
    change nothing.
    """

    model_config = ConfigDict(extra="ignore")

    occurred: datetime = Field(default_factory=_now)
    event: str
    resource: Resource
    related: list[RelatedResource] = Field(default_factory=list)
    payload: dict[str, object] = Field(default_factory=dict)
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    follows: Optional[uuid.UUID] = None

    @property
    def involved_resources(self) -> list[Resource]:
        """The resource and every related resource."""
        return [self.resource, *self.related]

    def resource_in_role(self, role: str) -> Optional[RelatedResource]:
        """The first related resource in that role, or None."""
        return next((r for r in self.related if r.role == role), None)

    def find_resource_label(self, label: str) -> Optional[str]:
        """A label of the resource, or ``related:<role>:<label>`` of a related one."""
        if label.startswith("related:"):
            _, role, inner = label.split(":", 2)
            related = self.resource_in_role(role)
            return None if related is None else related.get(inner)
        return self.resource.get(label)


class ReceivedEvent(Event):
    """An event as the store holds it, with the time it was received."""

    received: datetime = Field(default_factory=_now)


class ResourceSpecification(RootModel[dict[str, Union[str, list[str]]]]):
    """Labels a resource must carry; a value may end in ``*`` (prefix) or start with ``!``."""

    def items(self) -> list[tuple[str, list[str]]]:
        """Each label with the list of values it accepts."""
        return [(k, [v] if isinstance(v, str) else list(v)) for k, v in self.root.items()]


class EventFilter(BaseModel):
    """Which events ``read_events`` returns (all fields optional, combined with AND)."""

    model_config = ConfigDict(extra="forbid")

    occurred_since: Optional[datetime] = None
    occurred_until: Optional[datetime] = None
    event_names: Optional[list[str]] = Field(
        default=None, description="Names; one ending in '*' matches by prefix."
    )
    resource_ids: Optional[list[str]] = Field(
        default=None, description="Resource IDs; one ending in '*' matches by prefix."
    )
    related_resource_ids: Optional[list[str]] = None
    received_after: Optional[datetime] = None


# -- triggers -----------------------------------------------------------------------------

Seconds = Annotated[timedelta, PlainSerializer(lambda v: v.total_seconds(), return_type=float)]
"""A duration, given as a timedelta or seconds, and written as seconds (as Prefect does)."""


class _Tagged(BaseModel):
    """A member of a union told apart by ``type``: the tag counts as given even when left at
    its default, so a dump of the set fields (``exclude_unset``, as the HTTP client sends a
    body) still says which kind it is."""

    @model_validator(mode="after")
    def _type_is_set(self) -> _Tagged:
        self.model_fields_set.add("type")
        return self


class Posture(str, enum.Enum):
    """Reactive triggers fire on events that happen; proactive ones on events that do not."""

    Reactive = "Reactive"
    Proactive = "Proactive"
    Metric = "Metric"


class EventTrigger(_Tagged):
    """Fires when ``threshold`` events of ``expect`` (after an ``after`` event, per
    ``for_each`` bucket) happen within ``within`` — or, proactive, fail to.

    Example:
        >>> EventTrigger(expect={"riverrun.flow-run.Failed"},
        ...              match_related={"riverrun.resource.id": "riverrun.tag.env:pro"})
    """

    model_config = ConfigDict(extra="forbid")

    type: Literal["event"] = "event"
    match: ResourceSpecification = Field(default_factory=lambda: ResourceSpecification({}))
    match_related: Union[ResourceSpecification, list[ResourceSpecification]] = Field(
        default_factory=lambda: ResourceSpecification({})
    )
    after: set[str] = Field(default_factory=set)
    expect: set[str] = Field(default_factory=set)
    for_each: set[str] = Field(default_factory=set)
    posture: Literal[Posture.Reactive, Posture.Proactive] = Posture.Reactive
    threshold: int = 1
    within: Seconds = timedelta(0)

    @field_validator("threshold")
    @classmethod
    def _positive_threshold(cls, value: int) -> int:
        if value < 1:
            raise ValueError("threshold must be at least 1 (how many events fire the trigger).")
        return value

    @field_validator("within")
    @classmethod
    def _non_negative_within(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("within must not be negative.")
        return value

    @model_validator(mode="after")
    def _proactive_needs_window(self) -> EventTrigger:
        if self.posture == Posture.Proactive and self.within <= timedelta(0):
            raise ValueError(
                "A proactive trigger needs a 'within' window greater than 0 (how long to "
                "wait for the expected event), e.g. within=timedelta(hours=2)."
            )
        return self


class CompoundTrigger(_Tagged):
    """Fires when ``require`` (a count, ``any`` or ``all``) of its triggers fire within
    ``within`` of each other."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["compound"] = "compound"
    triggers: list[TriggerTypes]
    within: Optional[Seconds] = None
    require: Union[int, Literal["any", "all"]]

    @model_validator(mode="after")
    def _require_fits(self) -> CompoundTrigger:
        if isinstance(self.require, int) and not 1 <= self.require <= len(self.triggers):
            raise ValueError(
                f"require={self.require} but the compound trigger has {len(self.triggers)} "
                "trigger(s); use a number between 1 and that, 'any' or 'all'."
            )
        return self


class SequenceTrigger(_Tagged):
    """Fires when its triggers fire in order, all within ``within``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["sequence"] = "sequence"
    triggers: list[TriggerTypes]
    within: Optional[Seconds] = None


TriggerTypes = Annotated[
    Union[EventTrigger, CompoundTrigger, SequenceTrigger], Field(discriminator="type")
]
CompoundTrigger.model_rebuild()
SequenceTrigger.model_rebuild()

# -- actions ------------------------------------------------------------------------------


class _Action(_Tagged):
    model_config = ConfigDict(extra="forbid")


class DoNothing(_Action):
    """An action that does nothing (handy in tests and drafts)."""

    type: Literal["do-nothing"] = "do-nothing"


class SendNotification(_Action):
    """Send ``body`` (a Jinja2 template over the event and its flow run) with a
    notification block (``SlackWebhook``, ``CustomWebhookNotificationBlock``, email...)."""

    type: Literal["send-notification"] = "send-notification"
    block_document_id: uuid.UUID
    subject: str = "Riverrun automated notification"
    body: str


class CallWebhook(_Action):
    """Call the ``Webhook`` block with ``payload`` (a Jinja2 template) as the body."""

    type: Literal["call-webhook"] = "call-webhook"
    block_document_id: uuid.UUID
    payload: str = ""


class _SelectedOrInferred(_Action):
    """An action on a deployment or automation chosen by ID (``selected``) or taken from
    the firing (``inferred``)."""

    _target: ClassVar[str]
    source: Literal["selected", "inferred"] = "selected"

    @model_validator(mode="after")
    def _selected_needs_id(self) -> _SelectedOrInferred:
        if self.source == "selected" and getattr(self, self._target) is None:
            raise ValueError(f"{self._target} is required when source='selected'.")
        return self


class _DeploymentAction(_SelectedOrInferred):
    _target = "deployment_id"
    deployment_id: Optional[uuid.UUID] = None


class RunDeployment(_DeploymentAction):
    """Create a flow run of a deployment (the selected one, or the triggering event's)."""

    type: Literal["run-deployment"] = "run-deployment"
    parameters: Optional[dict[str, object]] = None
    job_variables: Optional[dict[str, object]] = None
    schedule_after: Seconds = timedelta(0)


class PauseDeployment(_DeploymentAction):
    """Pause a deployment's schedules."""

    type: Literal["pause-deployment"] = "pause-deployment"


class ResumeDeployment(_DeploymentAction):
    """Resume a deployment's schedules."""

    type: Literal["resume-deployment"] = "resume-deployment"


class CancelFlowRun(_Action):
    """Cancel the flow run the triggering event is about."""

    type: Literal["cancel-flow-run"] = "cancel-flow-run"


class ChangeFlowRunState(_Action):
    """Move the triggering event's flow run to ``state``."""

    type: Literal["change-flow-run-state"] = "change-flow-run-state"
    name: Optional[str] = None
    state: StateType
    message: Optional[str] = None
    force: bool = False


class _AutomationAction(_SelectedOrInferred):
    _target = "automation_id"
    automation_id: Optional[uuid.UUID] = None


class PauseAutomation(_AutomationAction):
    """Disable an automation (the selected one, or the one that fired)."""

    type: Literal["pause-automation"] = "pause-automation"


class ResumeAutomation(_AutomationAction):
    """Enable an automation."""

    type: Literal["resume-automation"] = "resume-automation"


ActionTypes = Annotated[
    Union[
        DoNothing, SendNotification, CallWebhook, RunDeployment, PauseDeployment,
        ResumeDeployment, CancelFlowRun, ChangeFlowRunState, PauseAutomation,
        ResumeAutomation,
    ],
    Field(discriminator="type"),
]  # fmt: skip

# -- automations --------------------------------------------------------------------------


METRIC_TRIGGERS_REFUSED = (
    "metric triggers (MetricTrigger, posture 'Metric') are evaluated only by Prefect Cloud: "
    "Prefect's open-source server refuses them and riverrun does not evaluate them. For a "
    "deployment's duration or lateness give it an SLA (TimeToCompletionSla, LatenessSla, "
    "FrequencySla in riverrun._experimental.sla.objects) and trigger on "
    "'riverrun.sla.violation'; for failures use an EventTrigger on "
    "'riverrun.flow-run.Failed' with threshold= and within=."
)


def _is_metric(trigger: object) -> bool:
    """Whether a trigger (a model or a mapping), or one nested in it, is a metric trigger."""
    get = trigger.get if isinstance(trigger, dict) else lambda k: getattr(trigger, k, None)
    if get("type") == "metric" or get("posture") in ("Metric", Posture.Metric):
        return True
    nested = get("triggers")
    return isinstance(nested, list) and any(_is_metric(t) for t in nested)


class AutomationCore(BaseModel):
    """What defines an automation: a trigger and the actions it runs when it fires."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    enabled: bool = True
    tags: list[str] = Field(default_factory=list)
    trigger: TriggerTypes
    actions: list[ActionTypes] = Field(default_factory=list)
    actions_on_trigger: list[ActionTypes] = Field(default_factory=list)
    actions_on_resolve: list[ActionTypes] = Field(default_factory=list)
    owner_resource: Optional[str] = Field(
        default=None,
        description=(
            "The resource that owns this automation (``riverrun.deployment.<id>`` for a "
            "deployment's trigger): applying the deployment again replaces what it owns."
        ),
    )

    @field_validator("trigger", mode="before")
    @classmethod
    def _no_metric_trigger(cls, value: object) -> object:
        if _is_metric(value):
            raise ValueError(METRIC_TRIGGERS_REFUSED)
        return value


class AutomationRecord(AutomationCore):
    """An automation as the store holds it."""

    id: uuid.UUID
    created: Optional[datetime] = None
    updated: Optional[datetime] = None


def contains_proactive(trigger: Union[EventTrigger, CompoundTrigger, SequenceTrigger]) -> bool:
    """Whether a trigger (or one nested in it) is proactive."""
    if isinstance(trigger, EventTrigger):
        return trigger.posture == Posture.Proactive
    return any(contains_proactive(t) for t in trigger.triggers)


def flow_run_state_trigger(
    states: Iterable[str] = (),
    *,
    flow_ids: Iterable[Union[str, uuid.UUID]] = (),
    tags: Iterable[str] = (),
    posture: Union[Posture, str] = Posture.Reactive,
    within: Union[timedelta, float] = timedelta(0),
) -> EventTrigger:
    """The UI's "flow run state" trigger: a flow run entering one of ``states`` (reactive),
    or staying in one longer than ``within`` (proactive), for the given flows and tags.

    It is the trigger Prefect's UI builds from that form (``prefect-ui-library``'s
    ``mapFlowRunStateTriggerToAutomationTrigger``): ``match`` any flow run, one bucket per
    run (``for_each`` the resource ID), ``expect`` (reactive) or ``after`` (proactive) the
    states' events, every state when none is given.

    Args:
        states: state names, e.g. ``["Failed", "Crashed"]`` (none: any state).
        flow_ids: only runs of these flows (none: any flow).
        tags: only runs with one of these tags (none: any).
        posture: ``Reactive`` (entering a state) or ``Proactive`` (stuck in it).
        within: for a proactive trigger, how long a run may stay in the state.

    Example:
        >>> flow_run_state_trigger(["Running"], posture="Proactive", within=timedelta(hours=2))
    """
    events = [f"riverrun.flow-run.{s}" for s in states] or ["riverrun.flow-run.*"]
    related: list[dict[str, Union[str, list[str]]]] = []
    for role, values in (("flow", [str(x) for x in flow_ids]), ("tag", list(tags))):
        if values:
            related.append({"riverrun.resource.role": role,
                            "riverrun.resource.id": [f"riverrun.{role}.{v}" for v in values]})  # fmt: skip
    # The UI writes one spec (its tag filter replaces its flow filter when both are set);
    # riverrun keeps both, each of which must match.
    specs = [ResourceSpecification(r) for r in related]
    match_related: Union[ResourceSpecification, list[ResourceSpecification]] = (
        specs[0] if len(specs) == 1 else specs if specs else ResourceSpecification({})
    )
    proactive = Posture(posture) == Posture.Proactive
    return EventTrigger(
        posture=Posture.Proactive if proactive else Posture.Reactive,
        match=ResourceSpecification({"riverrun.resource.id": "riverrun.flow-run.*"}),
        match_related=match_related,
        for_each={"riverrun.resource.id"},
        expect={"riverrun.flow-run.*"} if proactive else set(events),
        after=set(events) if proactive else set(),
        within=within if isinstance(within, timedelta) else timedelta(seconds=within),
    )
