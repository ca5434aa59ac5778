"""Automations never feed on their own events: a trigger that matches any event fires once per
event of the world, not again on the ``riverrun.automation.*`` events its firing records; an
automation never fires on an event about itself; a chain of automations that name each
other's events stops at ``MAX_CHAIN`` deep. (A fuzz run with 180 match-anything automations
stored 673,209 triggered events from one flow-run event before this.)"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timezone

import pytest

from riverrun._automations.loops import MAX_CHAIN
from riverrun._automations.runner import _triggered_event
from riverrun._automations.triggers import Evaluator, Firing
from riverrun.automations import Automation, DoNothing, EventTrigger
from riverrun.client.orchestration import get_client
from riverrun.events import Event, EventFilter, ReceivedEvent, emit_event
from riverrun.schemas.automations import AutomationRecord

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
TRIGGERED = "riverrun.automation.triggered"


def _event(name: str, resource: str = "shop.store.1") -> Event:
    return Event.model_validate(
        {"event": name, "resource": {"riverrun.resource.id": resource}, "occurred": T0}
    )


def _record(automation_id: str, trigger: EventTrigger) -> AutomationRecord:
    return AutomationRecord.model_validate(
        {
            "id": automation_id,
            "name": automation_id,
            "trigger": trigger.model_dump(),
            "actions": [{"type": "do-nothing"}],
        }  # fmt: skip
    )


def _triggered(firing: Firing, trigger: EventTrigger) -> Event:
    """The ``riverrun.automation.triggered`` event the firing records, as stored."""
    row = _triggered_event(_record(firing.automation_id, trigger), firing)
    return Event.model_validate({**row, "occurred": T0})


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _evaluator(triggers: dict[str, EventTrigger]) -> Evaluator:
    """An evaluator of one automation per trigger, the automation's ID derived from its key."""
    evaluator = Evaluator()
    evaluator.set_automations([(_id(name), trigger) for name, trigger in triggers.items()])
    return evaluator


def test_match_anything_triggers_do_not_fire_on_the_triggered_events_they_record() -> None:
    anything = EventTrigger()
    evaluator = _evaluator({"a": anything, "b": anything})
    first = evaluator.observe(_event("shop.alarm"))
    assert sorted(f.automation_id for f in first) == sorted([_id("a"), _id("b")])
    assert [evaluator.observe(_triggered(f, anything)) for f in first] == [[], []]


def test_a_negated_expect_does_not_see_automation_events_either() -> None:
    not_completed = EventTrigger(expect={"!riverrun.flow-run.Completed"})
    evaluator = _evaluator({"a": not_completed})
    (firing,) = evaluator.observe(_event("riverrun.flow-run.Failed"))
    assert evaluator.observe(_triggered(firing, not_completed)) == []


def test_an_automation_does_not_fire_on_its_own_triggered_event() -> None:
    on_triggered = EventTrigger(expect={TRIGGERED})
    evaluator = _evaluator({"watcher": on_triggered, "alarm": EventTrigger(expect={"shop.alarm"})})
    (alarm,) = evaluator.observe(_event("shop.alarm"))
    (watched,) = evaluator.observe(_triggered(alarm, EventTrigger(expect={"shop.alarm"})))
    assert watched.automation_id == _id("watcher")
    assert evaluator.observe(_triggered(watched, on_triggered)) == []


def test_automations_naming_each_others_events_stop_at_the_chain_limit() -> None:
    on_triggered = EventTrigger(expect={"riverrun.automation.*"})
    triggers = {"ping": on_triggered, "pong": on_triggered, "start": EventTrigger(expect={"go"})}
    evaluator = _evaluator(triggers)
    by_id = {_id(name): trigger for name, trigger in triggers.items()}
    firings = evaluator.observe(_event("go"))
    hops = 0
    while firings:
        hops += 1
        assert hops <= MAX_CHAIN, "the chain did not stop"
        firings = [
            later
            for f in firings
            for later in evaluator.observe(_triggered(f, by_id[f.automation_id]))
        ]
    assert hops == MAX_CHAIN


def _triggered_count_once(count: int, timeout: float = 60.0) -> list[ReceivedEvent]:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_events(filter=EventFilter(event_names=[TRIGGERED]), limit=200)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            pause.wait(0.05)


@pytest.mark.both_modes
def test_two_match_anything_automations_fire_once_per_event_of_the_world() -> None:
    for name in ("first", "second"):
        Automation(name=name, trigger=EventTrigger(), actions=[DoNothing()]).create()
    emit_event("shop.alarm", resource={"riverrun.resource.id": "shop.store.1"})
    assert len(_triggered_count_once(2)) == 2
    # A second event after the first's firings are stored: by the time its own two firings
    # are visible, any firing on the first two triggered events would be stored too.
    emit_event("shop.sentinel", resource={"riverrun.resource.id": "shop.store.1"})
    found = _triggered_count_once(4)
    assert sorted(e.payload["triggering_event"]["event"] for e in found) == [  # type: ignore[index]
        "shop.alarm", "shop.alarm", "shop.sentinel", "shop.sentinel"
    ]  # fmt: skip
