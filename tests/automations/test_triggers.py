"""Trigger evaluation as pure functions over events (no store, no I/O)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from riverrun._automations.triggers import Evaluator, label_matches
from riverrun.events import (
    CompoundTrigger,
    Event,
    EventTrigger,
    Posture,
    SequenceTrigger,
)

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _event(name: str, run: str = "r1", tags: tuple[str, ...] = (), at: float = 0.0) -> Event:
    related = [
        {"riverrun.resource.id": f"riverrun.tag.{t}", "riverrun.resource.role": "tag"} for t in tags
    ]
    return Event.model_validate({
        "event": name, "occurred": T0 + timedelta(seconds=at),
        "resource": {"riverrun.resource.id": f"riverrun.flow-run.{run}"}, "related": related,
    })  # fmt: skip


def _evaluator(trigger: object) -> Evaluator:
    evaluator = Evaluator()
    evaluator.set_automations([("a1", trigger)])  # type: ignore[list-item]
    return evaluator


def test_label_matching_has_prefix_wildcards_and_negation() -> None:
    assert label_matches("riverrun.flow-run.*", "riverrun.flow-run.1")
    assert not label_matches("riverrun.flow-run.*", "riverrun.task-run.1")
    assert label_matches("!riverrun.tag.env:dev", "riverrun.tag.env:pro")
    assert not label_matches("x", None)


def test_reactive_trigger_fires_on_expected_event_with_related_tag() -> None:
    trigger = EventTrigger(expect={"riverrun.flow-run.Failed"},
                           match_related={"riverrun.resource.id": "riverrun.tag.env:pro"})  # fmt: skip
    evaluator = _evaluator(trigger)
    assert evaluator.observe(_event("riverrun.flow-run.Failed", tags=("env:dev",))) == []
    assert evaluator.observe(_event("riverrun.flow-run.Completed", tags=("env:pro",))) == []
    fired = evaluator.observe(_event("riverrun.flow-run.Failed", tags=("env:pro",)))
    assert [f.automation_id for f in fired] == ["a1"]


def test_threshold_within_window_counts_per_for_each_bucket() -> None:
    trigger = EventTrigger(expect={"riverrun.flow-run.Failed"}, threshold=2,
                           within=timedelta(minutes=1), for_each={"riverrun.resource.id"})  # fmt: skip
    evaluator = _evaluator(trigger)
    assert evaluator.observe(_event("riverrun.flow-run.Failed", run="a", at=0)) == []
    assert evaluator.observe(_event("riverrun.flow-run.Failed", run="b", at=1)) == []
    fired = evaluator.observe(_event("riverrun.flow-run.Failed", run="a", at=2))
    assert [f.bucket for f in fired] == [("riverrun.flow-run.a",)]


def test_threshold_window_that_passed_starts_over() -> None:
    trigger = EventTrigger(expect={"x"}, threshold=2, within=timedelta(seconds=10))
    evaluator = _evaluator(trigger)
    assert evaluator.observe(_event("x", at=0)) == []
    assert evaluator.observe(_event("x", at=30)) == []
    assert len(evaluator.observe(_event("x", at=35))) == 1


def test_after_arms_the_trigger_for_its_bucket() -> None:
    trigger = EventTrigger(after={"riverrun.flow-run.Running"}, expect={"riverrun.flow-run.Failed"},
                           for_each={"riverrun.resource.id"})  # fmt: skip
    evaluator = _evaluator(trigger)
    assert evaluator.observe(_event("riverrun.flow-run.Failed", run="a")) == []
    assert evaluator.observe(_event("riverrun.flow-run.Running", run="a")) == []
    assert len(evaluator.observe(_event("riverrun.flow-run.Failed", run="a"))) == 1


def test_proactive_trigger_fires_when_expected_event_is_missing_after_window() -> None:
    trigger = EventTrigger(posture=Posture.Proactive, after={"riverrun.flow-run.Running"},
                           expect={"riverrun.flow-run.Completed"}, within=timedelta(hours=2),
                           for_each={"riverrun.resource.id"})  # fmt: skip
    evaluator = _evaluator(trigger)
    evaluator.observe(_event("riverrun.flow-run.Running", run="slow", at=0))
    evaluator.observe(_event("riverrun.flow-run.Running", run="fast", at=0))
    evaluator.observe(_event("riverrun.flow-run.Completed", run="fast", at=60))
    assert evaluator.tick(T0 + timedelta(hours=1)) == []
    fired = evaluator.tick(T0 + timedelta(hours=2, seconds=1))
    assert [f.bucket for f in fired] == [("riverrun.flow-run.slow",)]


def test_proactive_trigger_without_window_is_refused_naming_within() -> None:
    with pytest.raises(ValidationError, match="within"):
        EventTrigger(posture=Posture.Proactive, expect={"x"})


def test_compound_trigger_all_needs_every_child() -> None:
    trigger = CompoundTrigger(require="all", within=timedelta(minutes=5),
                              triggers=[EventTrigger(expect={"a"}), EventTrigger(expect={"b"})])  # fmt: skip
    evaluator = _evaluator(trigger)
    assert evaluator.observe(_event("a", at=0)) == []
    assert len(evaluator.observe(_event("b", at=1))) == 1


def test_compound_trigger_forgets_child_firings_outside_its_window() -> None:
    trigger = CompoundTrigger(require="all", within=timedelta(seconds=10),
                              triggers=[EventTrigger(expect={"a"}), EventTrigger(expect={"b"})])  # fmt: skip
    evaluator = _evaluator(trigger)
    evaluator.observe(_event("a", at=0))
    assert evaluator.observe(_event("b", at=60)) == []


def test_sequence_trigger_fires_only_in_order() -> None:
    trigger = SequenceTrigger(triggers=[EventTrigger(expect={"a"}), EventTrigger(expect={"b"})])
    evaluator = _evaluator(trigger)
    assert evaluator.observe(_event("b", at=0)) == []
    assert evaluator.observe(_event("a", at=1)) == []
    assert len(evaluator.observe(_event("b", at=2))) == 1


def test_same_firing_has_the_same_id() -> None:
    trigger = EventTrigger(expect={"x"})
    event = _event("x")
    first = _evaluator(trigger).observe(event)[0]
    again = _evaluator(trigger).observe(event)[0]
    assert first.id == again.id


def test_trigger_fields_and_defaults_match_prefect() -> None:
    assert EventTrigger().model_dump(mode="json") == {
        "type": "event", "match": {}, "match_related": {}, "after": [], "expect": [],
        "for_each": [], "posture": "Reactive", "threshold": 1, "within": 0.0,
    }  # fmt: skip
