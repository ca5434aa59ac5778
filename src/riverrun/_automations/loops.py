"""What keeps automations from feeding on their own events.

Every firing records a ``riverrun.automation.triggered`` event, and every action an
``riverrun.automation.action.*`` one. A trigger that matches any event (an empty or negated
``expect``) would fire again on those, and two such automations fire on each other's events
without end: the fuzz run that found this stored 673,209 triggered events from one flow-run
event in eight minutes, and the server stalled behind the writes. So, by construction:

- an automation event reaches only triggers that name automation events in ``expect`` or
  ``after`` (``riverrun.automation.triggered``, ``riverrun.automation.*``...);
- an automation never fires on an event about itself;
- a chain of automations firing on each other's events stops at ``MAX_CHAIN`` deep (the
  depth is read from the triggering events nested in a triggered event's payload, so every
  replica and a restarted server count alike).
"""

from __future__ import annotations

from typing import Union

from riverrun.schemas.automations import CompoundTrigger, Event, EventTrigger, SequenceTrigger

AUTOMATION_EVENTS = "riverrun.automation."
MAX_CHAIN = 3


def is_automation_event(name: str) -> bool:
    """Whether an event name is one automations record about themselves."""
    return name.startswith(AUTOMATION_EVENTS)


def names_automation_events(trigger: Union[EventTrigger, CompoundTrigger, SequenceTrigger]) -> bool:
    """Whether a trigger asks for automation events by name (a negation does not count)."""
    if isinstance(trigger, EventTrigger):
        prefix = AUTOMATION_EVENTS.rstrip(".")
        return any(n.startswith(prefix) for n in trigger.expect | trigger.after)
    return any(names_automation_events(t) for t in trigger.triggers)


def chain_depth(event: Event) -> int:
    """How many automation firings led to ``event`` (0: it is not an automation event)."""
    depth = 0
    name: object = event.event
    payload: object = event.payload
    while isinstance(name, str) and is_automation_event(name) and depth < MAX_CHAIN:
        depth += 1
        nested = payload.get("triggering_event") if isinstance(payload, dict) else None
        if not isinstance(nested, dict):
            break
        name, payload = nested.get("event"), nested.get("payload")
    return depth


def about(event: Event, automation_id: str) -> bool:
    """Whether ``event`` is about the automation itself (its resource is the automation)."""
    return event.resource.id == f"riverrun.automation.{automation_id}"
