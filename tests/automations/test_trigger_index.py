"""The evaluator feeds an event only to the triggers its name can concern: with any mix of
triggers and events (hypothesis), observing and letting time pass after each, it fires exactly
what feeding every trigger every event does."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from riverrun._automations.triggers import Evaluator, Firing, Trigger, TriggerState
from riverrun.events import CompoundTrigger, Event, EventTrigger, Posture, SequenceTrigger

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
NAMES = ["a.Failed", "a.Completed", "b.Running", "b.Failed"]
PATTERNS = [*NAMES, "a.*", "!a.Failed", "*"]

patterns = st.sets(st.sampled_from(PATTERNS), max_size=2)
event_triggers = st.builds(
    EventTrigger,
    expect=patterns,
    after=st.sets(st.sampled_from(PATTERNS), max_size=1),
    posture=st.sampled_from([Posture.Reactive, Posture.Proactive]),
    threshold=st.integers(1, 3),
    within=st.sampled_from([timedelta(seconds=5), timedelta(seconds=30)]),
    for_each=st.sampled_from([set(), {"riverrun.resource.id"}]),
)
triggers: st.SearchStrategy[Trigger] = st.one_of(
    event_triggers,
    st.builds(
        CompoundTrigger,
        triggers=st.lists(event_triggers, min_size=1, max_size=2),
        require=st.just("any"),
    ),  # fmt: skip
    st.builds(SequenceTrigger, triggers=st.lists(event_triggers, min_size=1, max_size=2)),
)
events = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["r1", "r2"])), max_size=25)


def _every_trigger_every_event(
    automations: list[tuple[str, Trigger]], stream: list[Event]
) -> list[Firing]:
    states = [(automation_id, TriggerState(trigger)) for automation_id, trigger in automations]
    fired = []
    for event in stream:
        for automation_id, state in states:
            for key, triggering, evs in state.observe(event):
                fired.append(Firing(automation_id, triggering, key, event.occurred, tuple(evs)))
            for key, triggering, evs in state.tick(event.occurred):
                fired.append(Firing(automation_id, triggering, key, event.occurred, tuple(evs)))
    return fired


@settings(max_examples=200, deadline=None)
@given(st.lists(triggers, min_size=1, max_size=5), events)
def test_indexed_evaluation_fires_what_evaluating_every_trigger_does(
    chosen: list[Trigger], names: list[tuple[str, str]]
) -> None:
    automations = [(f"auto-{n}", trigger) for n, trigger in enumerate(chosen)]
    stream = [
        Event.model_validate({"event": name, "occurred": T0 + timedelta(seconds=2 * n),
                              "resource": {"riverrun.resource.id": f"riverrun.flow-run.{run}"}})
        for n, (name, run) in enumerate(names)
    ]  # fmt: skip
    evaluator = Evaluator()
    evaluator.set_automations(automations)
    indexed = []
    for event in stream:
        indexed += evaluator.observe(event)
        indexed += evaluator.tick(event.occurred)
    expected = _every_trigger_every_event(automations, stream)
    assert sorted(f.id for f in indexed) == sorted(f.id for f in expected)
