"""Trigger evaluation: pure functions and small state machines over events, no I/O.

An ``Evaluator`` is fed events (``observe``) and the passing of time (``tick``) and answers
with the ``Firing``s that result. It keeps only what triggers need between events: counts
and first-event times per bucket (reactive), open windows (proactive), which children of a
compound or sequence trigger fired and when. The same evaluator serves the server's service
and the recording process, so both fire on exactly the same events. Semantics follow
Prefect 3's: ``expect``/``after`` names and resource labels match exactly, with a trailing
``*`` as a prefix and a leading ``!`` as a negation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional, Union

from riverrun._automations import loops
from riverrun.schemas.automations import (
    CompoundTrigger,
    Event,
    EventTrigger,
    Posture,
    Resource,
    ResourceSpecification,
    SequenceTrigger,
)

Trigger = Union[EventTrigger, CompoundTrigger, SequenceTrigger]


def label_matches(expected: str, value: Optional[str]) -> bool:
    """Whether a label value matches ``expected`` (``x*`` is a prefix, ``!x`` a negation)."""
    if value is None:
        return False
    positive = not expected.startswith("!")
    if not positive:
        expected = expected[1:]
    hit = value.startswith(expected[:-1]) if expected.endswith("*") else value == expected
    return hit if positive else not hit


def resource_matches(spec: ResourceSpecification, resource: Resource) -> bool:
    """Whether one resource carries every label of the specification."""
    return all(
        any(label_matches(candidate, resource.get(label)) for candidate in expected)
        for label, expected in spec.items()
    )


def includes(spec: ResourceSpecification, candidates: list[Resource]) -> bool:
    """Whether any candidate matches (an empty specification matches everything)."""
    if not spec.root:
        return True
    return any(resource_matches(spec, c) for c in candidates)


def name_matches(patterns: set[str], name: str) -> bool:
    """Whether an event name matches any of the patterns (an empty set matches all)."""
    return not patterns or any(label_matches(p, name) for p in patterns)


def covers_resources(trigger: EventTrigger, event: Event) -> bool:
    """Whether the event's resource and related resources match the trigger's filters."""
    if not includes(trigger.match, [event.resource]):
        return False
    specs = trigger.match_related
    related: list[Resource] = list(event.related)
    for spec in specs if isinstance(specs, list) else [specs]:
        if not includes(spec, related):
            return False
    return True


def bucket_key(trigger: EventTrigger, event: Event) -> tuple[str, ...]:
    """The ``for_each`` bucket an event counts in (one bucket when ``for_each`` is empty)."""
    return tuple(event.find_resource_label(label) or "" for label in sorted(trigger.for_each))


@dataclass(frozen=True)
class Firing:
    """A trigger fired: which automation, on which event, for which bucket.

    ``id`` is derived from those, so the same firing found twice (two replicas, a restart)
    has the same ID and is acted on once.
    """

    automation_id: str
    triggering_event: Optional[Event]
    bucket: tuple[str, ...]
    occurred: datetime
    events: tuple[Event, ...] = ()

    @property
    def id(self) -> str:
        """A stable ID for this firing."""
        anchor = (
            str(self.triggering_event.id) if self.triggering_event else self.occurred.isoformat()
        )
        return str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{self.automation_id}|{'|'.join(self.bucket)}|{anchor}")
        )


@dataclass
class _Bucket:
    count: int = 0
    first: Optional[datetime] = None
    armed_at: Optional[datetime] = None
    events: list[Event] = field(default_factory=list)


class EventTriggerState:
    """What one event trigger remembers between events."""

    def __init__(self, trigger: EventTrigger) -> None:
        self.trigger = trigger
        self.buckets: dict[tuple[str, ...], _Bucket] = {}

    def observe(self, event: Event) -> list[tuple[tuple[str, ...], Event, list[Event]]]:
        """Feed one event; returns the buckets that fired, with the event that did it."""
        trigger = self.trigger
        if not covers_resources(trigger, event):
            return []
        key = bucket_key(trigger, event)
        starts = bool(trigger.after) and name_matches(trigger.after, event.event)
        expected = name_matches(trigger.expect, event.event)
        if trigger.posture == Posture.Proactive:
            return self._observe_proactive(key, event, starts, expected)
        bucket = self.buckets.get(key)
        if trigger.after:
            if starts and bucket is None:
                self.buckets[key] = _Bucket(armed_at=event.occurred)
                return []
            if bucket is None or bucket.armed_at is None:
                return []
        if not expected:
            return []
        if bucket is None:
            bucket = self.buckets[key] = _Bucket()
        within = trigger.within
        if (
            bucket.first is not None
            and within > timedelta(0)
            and event.occurred - bucket.first > within
        ):
            # The window of the first counted event has passed: this one starts a new one.
            bucket.count, bucket.first, bucket.events = 0, None, []
        if bucket.first is None:
            bucket.first = event.occurred
        bucket.count += 1
        bucket.events.append(event)
        if bucket.count >= trigger.threshold:
            events = bucket.events
            del self.buckets[key]
            return [(key, event, events)]
        return []

    def _observe_proactive(
        self, key: tuple[str, ...], event: Event, starts: bool, expected: bool
    ) -> list[tuple[tuple[str, ...], Event, list[Event]]]:
        bucket = self.buckets.get(key)
        if starts and bucket is None:
            self.buckets[key] = _Bucket(
                first=event.occurred, armed_at=event.occurred, events=[event]
            )
            return []
        if not self.trigger.after and bucket is None:
            # Proactive with no 'after': every window opens at the first event seen.
            self.buckets[key] = bucket = _Bucket(first=event.occurred, armed_at=event.occurred)
        if bucket is not None and expected:
            bucket.count += 1
            if bucket.count >= self.trigger.threshold:
                del self.buckets[key]
        return []

    def tick(self, now: datetime) -> list[tuple[tuple[str, ...], Optional[Event], list[Event]]]:
        """Close the proactive windows that ended before ``now`` short of the threshold."""
        if self.trigger.posture != Posture.Proactive:
            return []
        fired = []
        for key, bucket in list(self.buckets.items()):
            assert bucket.armed_at is not None
            if now - bucket.armed_at >= self.trigger.within:
                del self.buckets[key]
                if bucket.count < self.trigger.threshold:
                    starter = bucket.events[0] if bucket.events else None
                    fired.append((key, starter, bucket.events))
        return fired


class TriggerState:
    """The state of any trigger: an event trigger, or a compound / sequence of triggers."""

    def __init__(self, trigger: Trigger) -> None:
        self.trigger = trigger
        self.event_state = EventTriggerState(trigger) if isinstance(trigger, EventTrigger) else None
        self.children = (
            [] if isinstance(trigger, EventTrigger) else [TriggerState(t) for t in trigger.triggers]
        )
        # For composites: the latest firing time of each child.
        self.fired_at: dict[int, datetime] = {}
        self.fired_events: dict[int, Event] = {}

    def observe(self, event: Event) -> list[tuple[tuple[str, ...], Optional[Event], list[Event]]]:
        """Feed one event; returns firings as (bucket, triggering event, events)."""
        if self.event_state is not None:
            return list(self.event_state.observe(event))
        results = [child.observe(event) for child in self.children]
        return self._combine(results, event.occurred)

    def tick(self, now: datetime) -> list[tuple[tuple[str, ...], Optional[Event], list[Event]]]:
        """Let time pass (proactive windows close)."""
        if self.event_state is not None:
            return self.event_state.tick(now)
        return self._combine([child.tick(now) for child in self.children], now)

    def _combine(
        self,
        results: list[list[tuple[tuple[str, ...], Optional[Event], list[Event]]]],
        now: datetime,
    ) -> list[tuple[tuple[str, ...], Optional[Event], list[Event]]]:
        trigger = self.trigger
        assert isinstance(trigger, (CompoundTrigger, SequenceTrigger))
        last: Optional[Event] = None
        fired_now = False
        for index, fired in enumerate(results):
            if not fired:
                continue
            if isinstance(trigger, SequenceTrigger) and any(
                i not in self.fired_at for i in range(index)
            ):
                continue  # out of order: an earlier step has not fired yet
            fired_now = True
            self.fired_at[index] = now
            last = fired[-1][1] or last
            if last is not None:
                self.fired_events[index] = last
        if trigger.within is not None:
            for index, at in list(self.fired_at.items()):
                if now - at > trigger.within:
                    del self.fired_at[index]
                    self.fired_events.pop(index, None)
        if isinstance(trigger, CompoundTrigger) and trigger.require == "any":
            needed = 1
        elif isinstance(trigger, CompoundTrigger) and isinstance(trigger.require, int):
            needed = trigger.require
        else:
            needed = len(self.children)
        if not fired_now or len(self.fired_at) < needed:
            return []
        events = [self.fired_events[i] for i in sorted(self.fired_events)]
        self.fired_at.clear()
        self.fired_events.clear()
        return [((), last, events)]


class Evaluator:
    """Evaluates every automation's trigger over a stream of events.

    Args:
        automations: (automation id, trigger) pairs; call ``set_automations`` when they
            change (state is kept for unchanged triggers).
    """

    def __init__(self) -> None:
        self._states: dict[str, tuple[Trigger, TriggerState]] = {}
        self._index = _NameIndex([])

    def set_automations(self, automations: list[tuple[str, Trigger]]) -> None:
        """Replace the evaluated automations, keeping the state of unchanged triggers."""
        states: dict[str, tuple[Trigger, TriggerState]] = {}
        for automation_id, trigger in automations:
            kept = self._states.get(automation_id)
            states[automation_id] = (
                kept
                if kept is not None and kept[0] == trigger
                else (trigger, TriggerState(trigger))
            )
        self._states = states
        self._index = _NameIndex([(i, t) for i, (t, _) in states.items()])

    def names(self) -> Optional[set[str]]:
        """The event-name patterns that can change what any trigger remembers, or None
        when any event can (events of other names need not be read)."""
        return self._index.names()

    @property
    def empty(self) -> bool:
        """Whether no automation is evaluated."""
        return not self._states

    def observe(self, event: Event) -> list[Firing]:
        """Feed one event to every trigger; returns what fired."""
        firings: list[Firing] = []
        candidates = self._index.candidates(event.event)
        if candidates and loops.is_automation_event(event.event):
            if loops.chain_depth(event) >= loops.MAX_CHAIN:
                return firings
            candidates = [a for a in candidates if not loops.about(event, a)]
        for automation_id in candidates:
            state = self._states[automation_id][1]
            for key, triggering, events in state.observe(event):
                firings.append(
                    Firing(automation_id, triggering, key, event.occurred, tuple(events))
                )
        return firings

    def tick(self, now: datetime) -> list[Firing]:
        """Let time pass; returns the proactive triggers that fired."""
        firings = []
        for automation_id, (_, state) in self._states.items():
            for key, triggering, events in state.tick(now):
                firings.append(Firing(automation_id, triggering, key, now, tuple(events)))
        return firings


def relevant_names(trigger: Trigger) -> Optional[set[str]]:
    """The event-name patterns an event must match to change what ``trigger`` remembers or
    fire it, or None when any event may (an empty or negated ``expect``, a proactive trigger
    without ``after``, whose window any matching event opens)."""
    if isinstance(trigger, EventTrigger):
        if not trigger.expect or (trigger.posture == Posture.Proactive and not trigger.after):
            return None
        names = set(trigger.expect) | set(trigger.after)
        return None if any(n.startswith("!") for n in names) else names
    found: set[str] = set()
    for child in trigger.triggers:
        child_names = relevant_names(child)
        if child_names is None:
            return None
        found |= child_names
    return found


class _NameIndex:
    """Which automations an event of a given name can concern: a trigger is fed only events
    its ``expect``/``after`` names could match (any event leaves it unchanged otherwise), so
    1,000 automations cost an event a dictionary lookup, not 1,000 evaluations."""

    def __init__(self, automations: list[tuple[str, Trigger]]) -> None:
        self._rank = {automation_id: n for n, (automation_id, _) in enumerate(automations)}
        self._exact: dict[str, list[str]] = {}
        self._prefixes: list[tuple[str, str]] = []
        self._always: list[str] = []
        self._see_automation_events: set[str] = set()
        for automation_id, trigger in automations:
            if loops.names_automation_events(trigger):
                self._see_automation_events.add(automation_id)
            names = relevant_names(trigger)
            if names is None:
                self._always.append(automation_id)
                continue
            for name in names:
                if name.endswith("*"):
                    self._prefixes.append((name[:-1], automation_id))
                else:
                    self._exact.setdefault(name, []).append(automation_id)

    def names(self) -> Optional[set[str]]:
        """Every name pattern indexed, or None when some trigger takes every event."""
        if self._always:
            return None
        return set(self._exact) | {f"{prefix}*" for prefix, _ in self._prefixes}

    def candidates(self, name: str) -> list[str]:
        """The automations to feed an event named ``name``, in their given order."""
        found = set(self._always)
        found.update(self._exact.get(name, ()))
        found.update(a for prefix, a in self._prefixes if name.startswith(prefix))
        if loops.is_automation_event(name):
            found &= self._see_automation_events
        return sorted(found, key=self._rank.__getitem__)


# A trigger that counts without a window (reactive ``within=0`` with a threshold, a
# composite without ``within``) is rebuilt from at most this much history after a restart.
MAX_LOOKBACK = timedelta(days=1)


def lookback(trigger: Trigger) -> timedelta:
    """How much event history rebuilds what ``trigger`` remembers (0: it remembers nothing
    between events: reactive, threshold 1, no ``after``)."""
    if isinstance(trigger, EventTrigger):
        if trigger.posture == Posture.Proactive:
            return min(trigger.within, MAX_LOOKBACK)
        if trigger.threshold <= 1 and not trigger.after:
            return timedelta(0)
        return min(trigger.within, MAX_LOOKBACK) if trigger.within > timedelta(0) else MAX_LOOKBACK
    children = max((lookback(t) for t in trigger.triggers), default=timedelta(0))
    own = trigger.within if trigger.within is not None else MAX_LOOKBACK
    return min(own + children, MAX_LOOKBACK)
