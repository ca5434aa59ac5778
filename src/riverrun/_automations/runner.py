"""From events to delivered actions: evaluate, claim each firing once, deliver with retries.

Shared by the server's service and the recording process. A firing's actions are claimed
by inserting one ``automation_action`` row each, keyed by the firing's ID and the action's
index: a firing found twice (two replicas, a replayed batch, a restart) inserts nothing the
second time, so no action runs twice. Delivery takes a lease on the row (an UPDATE that
only one process wins), performs the action, and records the outcome in the row and as an
event (``riverrun.automation.action.executed`` / ``.failed``); a failure is retried with
backoff until ``MAX_ATTEMPTS``, and a row whose lease ran out (its process died) is
delivered again by whoever looks next.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Optional

from riverrun._automations.triggers import Evaluator, Firing, lookback
from riverrun._internal.clock import now_us
from riverrun.schemas import automations as a

if TYPE_CHECKING:
    from riverrun._store.service import Store

MAX_ATTEMPTS = 4
# Delay before attempt n+1: 0.5 s, 1 s, 2 s...
BACKOFF_S = 0.5
LEASE_US = 60_000_000
# How often (in event time) proactive windows are checked while events are evaluated.
TICK = timedelta(seconds=1)

WriteEvents = Callable[[list[dict[str, Any]]], None]

CLAIM = """
INSERT INTO automation_action (
    key, automation_id, action_index, triggering_event_id, firing, status, attempts,
    next_attempt, error, created, updated
)
VALUES (
    :key, :automation_id, :action_index, :triggering_event_id, :firing, 'pending', 0,
    :now, NULL, :now, :now
)
ON CONFLICT (key) DO NOTHING
"""

LEASE = """
UPDATE automation_action SET next_attempt = :lease, attempts = attempts + 1, updated = :now
WHERE key = :key AND status = 'pending' AND next_attempt = :expected
"""

DUE = """
SELECT key, next_attempt FROM automation_action
WHERE status = 'pending' AND next_attempt <= :now ORDER BY next_attempt LIMIT :limit
"""

FINISH = """
UPDATE automation_action SET status = :status, error = :error, next_attempt = :next_attempt,
    updated = :now
WHERE key = :key
"""


def action_key(firing: Firing, index: int) -> str:
    """The idempotency key of one action of one firing."""
    return f"{firing.id}:{index}"


def _mentions_task_runs(trigger: a.TriggerTypes) -> bool:
    """Whether a trigger can match a ``riverrun.task-run.*`` event (an empty ``expect``
    matches every event)."""
    if isinstance(trigger, a.EventTrigger):
        names = trigger.expect | trigger.after
        prefix = "riverrun.task-run."
        return not trigger.expect or any(
            n.startswith(prefix) or (n.endswith("*") and prefix.startswith(n[:-1])) for n in names
        )
    return any(_mentions_task_runs(t) for t in trigger.triggers)


def _triggered_event(automation: a.AutomationRecord, firing: Firing) -> dict[str, Any]:
    """The ``riverrun.automation.triggered`` event of a firing (Prefect's shape)."""
    event = firing.triggering_event
    labels = dict(zip(sorted(_for_each(automation.trigger)), firing.bucket, strict=False))
    return {
        "kind": "event",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{firing.id}:triggered")),
        "occurred": now_us(),
        "event": "riverrun.automation.triggered",
        "resource": {"riverrun.resource.id": f"riverrun.automation.{automation.id}",
                     "riverrun.resource.name": automation.name},
        "related": [] if event is None else [{"riverrun.resource.id": f"riverrun.event.{event.id}",
                                              "riverrun.resource.role": "triggering-event"}],
        "payload": {"triggering_labels": labels,
                    "triggering_event": None if event is None else event.model_dump(mode="json")},
        "follows": None,
    }  # fmt: skip


def _for_each(trigger: a.TriggerTypes) -> set[str]:
    return trigger.for_each if isinstance(trigger, a.EventTrigger) else set()


def _as_event(row: dict[str, Any]) -> a.Event:
    from riverrun._internal.clock import from_us

    return a.Event.model_validate({**row, "occurred": from_us(row["occurred"])})


def _actions(automation: a.AutomationCore) -> list[a.ActionTypes]:
    return [*automation.actions, *automation.actions_on_trigger]


class AutomationRunner:
    """Evaluates automations over events and delivers what fires.

    Args:
        store: the store the automations, claims and outcomes live in.
        write_events: how outcome events are recorded (default: the store's ingest).
    """

    def __init__(self, store: Store, write_events: Optional[WriteEvents] = None) -> None:
        self.store = store
        self.write_events: WriteEvents = write_events or store.ingest
        self.evaluator = Evaluator()
        self.automations: dict[str, a.AutomationRecord] = {}
        # Whether a trigger can match task-run state events (derived when read, so they are
        # read only for such triggers).
        self.task_run_events = False
        self.proactive = False

    def set_automations(self, automations: Iterable[a.AutomationRecord]) -> None:
        """The enabled automations to evaluate from now on."""
        enabled = [x for x in automations if x.enabled]
        self.automations = {str(x.id): x for x in enabled}
        self.task_run_events = any(_mentions_task_runs(x.trigger) for x in enabled)
        self.proactive = any(a.contains_proactive(x.trigger) for x in enabled)
        self.evaluator.set_automations([(str(x.id), x.trigger) for x in enabled])

    def observe(self, events: Iterable[a.Event]) -> list[str]:
        """Evaluate events (oldest first); returns the keys of the actions newly claimed.

        With proactive triggers, time is let pass to each event's time (at most once a
        second of event time) before it is seen, so replaying stored history (after a
        restart) closes and reopens windows exactly as evaluating it live did.
        """
        firings: list[Firing] = []
        last_tick = None
        for event in events:
            if self.proactive and (last_tick is None or event.occurred - last_tick >= TICK):
                firings.extend(self.evaluator.tick(event.occurred))
                last_tick = event.occurred
            firings.extend(self.evaluator.observe(event))
        return self.claim(firings)

    def lookback(self) -> timedelta:
        """How much stored history rebuilds the triggers' state (see ``triggers.lookback``)."""
        return max((lookback(x.trigger) for x in self.automations.values()), default=timedelta(0))

    def tick(self) -> list[str]:
        """Let time pass (proactive triggers); returns the keys of actions newly claimed."""
        from riverrun._internal.clock import now

        return self.claim(self.evaluator.tick(now()))

    def claim(self, firings: list[Firing]) -> list[str]:
        """Insert one row per action of each firing; returns the keys this call inserted.

        Each firing is also recorded as ``riverrun.automation.triggered`` (its ID derived
        from the firing's, so recording it twice keeps one), as Prefect's; the
        ``actions_on_trigger`` see that event as their triggering event, as in Prefect.
        """
        rows = []
        triggered_events = []
        for firing in firings:
            automation = self.automations.get(firing.automation_id)
            if automation is None:
                continue
            event = firing.triggering_event
            triggered = _triggered_event(automation, firing)
            triggered_events.append(triggered)
            plain = len(automation.actions)
            for index in range(len(_actions(automation))):
                acting_on = event.model_dump(mode="json") if event is not None else None
                if index >= plain:
                    acting_on = _as_event(triggered).model_dump(mode="json")
                rows.append({
                    "key": action_key(firing, index),
                    "automation_id": firing.automation_id,
                    "action_index": index,
                    "triggering_event_id": None if event is None else str(event.id),
                    "firing": json.dumps({"firing_id": firing.id, "event": acting_on}),
                    "now": now_us(),
                })  # fmt: skip
        if triggered_events:
            self.write_events(triggered_events)
        claimed: list[str] = []
        if rows:
            with self.store.begin() as conn:
                for row in rows:
                    if conn.execute(self.store.text(CLAIM), row).rowcount:
                        claimed.append(str(row["key"]))
        return claimed

    def due(self, limit: int = 100) -> list[tuple[str, int]]:
        """Pending actions whose next attempt is due (or whose lease ran out)."""
        with self.store.connect() as conn:
            rows = conn.execute(self.store.text(DUE), {"now": now_us(), "limit": limit}).all()
        return [(r[0], r[1]) for r in rows]

    def deliver(self, key: str, expected_next: Optional[int] = None) -> Optional[float]:
        """Lease, perform and record one action.

        Returns None when it is finished (executed, failed for good, or owned by someone
        else), or the seconds to wait before its next attempt.
        """
        from riverrun._automations.actions import perform

        store = self.store
        with store.connect() as conn:
            row = conn.execute(
                store.text(
                    "SELECT automation_id, action_index, firing, status, attempts, next_attempt "
                    "FROM automation_action WHERE key = :key"
                ),
                {"key": key},
            ).first()
        if row is None or row[3] != "pending":
            return None
        now = now_us()
        expected = row[5] if expected_next is None else expected_next
        with store.begin() as conn:
            won = conn.execute(
                store.text(LEASE),
                {"key": key, "lease": now + LEASE_US, "now": now, "expected": expected},
            ).rowcount
        if not won:
            return None
        attempt = row[4] + 1
        automation = self.automations.get(row[0]) or store.read_automation(row[0])
        firing = json.loads(row[2])
        event = a.Event.model_validate(firing["event"]) if firing["event"] else None
        action = _actions(automation)[row[1]] if automation is not None else None
        if automation is None or action is None:
            self._finish(key, "failed", "The automation was deleted before its action ran.", None)
            return None
        try:
            details = perform(store, automation, action, event, firing["firing_id"], row[1])
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            error = f"{type(exc).__name__}: {exc}"
            if attempt < MAX_ATTEMPTS:
                delay = BACKOFF_S * 2 ** (attempt - 1)
                self._finish(key, "pending", error, now_us() + int(delay * 1_000_000))
                return delay
            self._finish(key, "failed", error, None)
            self._record(automation, action, row[1], firing, event, "failed",
                         {"reason": error, "attempts": attempt})  # fmt: skip
            return None
        self._finish(key, "executed", None, None)
        self._record(automation, action, row[1], firing, event, "executed",
                     {**details, "attempts": attempt})  # fmt: skip
        return None

    def _finish(
        self, key: str, status: str, error: Optional[str], next_attempt: Optional[int]
    ) -> None:
        with self.store.begin() as conn:
            conn.execute(
                self.store.text(FINISH),
                {
                    "key": key,
                    "status": status,
                    "error": error,
                    "now": now_us(),
                    "next_attempt": next_attempt if next_attempt is not None else now_us(),
                },  # fmt: skip
            )

    def _record(
        self,
        automation: a.AutomationRecord,
        action: a.ActionTypes,
        index: int,
        firing: dict[str, Any],
        event: Optional[a.Event],
        outcome: str,
        details: dict[str, Any],
    ) -> None:
        related = []
        if event is not None:
            related.append({"riverrun.resource.id": f"riverrun.event.{event.id}",
                            "riverrun.resource.role": "triggering-event"})  # fmt: skip
            related.extend(r.root for r in event.related if r.role in ("flow", "tag"))
            related.extend(
                {**r.root, "riverrun.resource.role": "flow-run"}
                for r in [event.resource]
                if r.id.startswith("riverrun.flow-run.")
            )
        self.write_events([{
            "kind": "event",
            # Derived from the action's key: recording the outcome twice keeps one event.
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{firing['firing_id']}:{index}:{outcome}")),
            "occurred": now_us(),
            "event": f"riverrun.automation.action.{outcome}",
            "resource": {"riverrun.resource.id": f"riverrun.automation.{automation.id}",
                         "riverrun.resource.name": automation.name},
            "related": related,
            "payload": {"action_index": index, "action_type": action.type,
                        "invocation": firing["firing_id"], **details},
            "follows": None,
        }])  # fmt: skip
