"""Automations in the server: evaluate new events, claim firings, deliver their actions.

A pass runs every second, or 0.1 s after events are posted to ``/api/events``. Each pass
reads the events received since the last one, in pages by ``(received, id)``
(``_store/event_feed.py``), plus those received up to ``_OVERLAP_US`` behind it that it has
not seen (another replica's transaction may commit an event stamped a little earlier: only
their IDs are read, then the unseen ones by ID), feeds them to the triggers, lets time pass for proactive triggers, and
reads only the events of the names the triggers can care about (when no trigger takes every
event), hands every due action to a few delivery threads (a slow webhook never holds up evaluation;
each action's lease keeps two threads or replicas from acting twice). The automations are
read again only when one changed (``automations_version``). Safe with several replicas: a firing's ID comes from the
automation, its bucket and the triggering event, so replicas that see the same events make
the same firings and the claim (a keyed insert) lets only one act; delivery takes a lease.
A claimed action survives a restart: it is a pending row until delivered; and what the
triggers were counting is rebuilt at start from the stored events (back as far as the longest
``within``, at least five minutes), so a firing in progress survives a restart too.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from riverrun._internal.clock import now_us
from riverrun.server.services.runner import Wakeup

if TYPE_CHECKING:
    from riverrun._automations.runner import AutomationRunner
    from riverrun._store.event_feed import Cursor, FeedItem
    from riverrun._store.service import Store
    from riverrun.schemas.automations import ReceivedEvent

logger = logging.getLogger("riverrun.server.automations")

_OVERLAP_US = 5_000_000
_BATCH = 5_000
_SEEN = 200_000
# After a start, events of at least this long ago are evaluated again (those received while
# the server was down or restarting; claims already made are not made twice).
_DOWNTIME_S = 300.0
# Past this many event names the triggers want, every event is read (a long IN list costs
# more than it saves).
_MAX_NAMES = 200
# Actions delivered at once (webhooks, e-mail: mostly waiting on the network).
_DELIVERERS = 8


class AutomationService:
    """Evaluates automations over the events the server receives."""

    name = "automations"

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.first_delay_s = 0.0
        # The event route wakes the service when events arrive (passes >= 0.1 s apart).
        self.wakeup = Wakeup()
        self._runner: AutomationRunner | None = None
        # Where the stored and the derived (task-run) events were read up to.
        self._cursor: Cursor = (now_us(), "")
        self._task_cursor: Cursor = (now_us(), "")
        self._started = False
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._version: tuple[int, int] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def run_once(self, store: Store) -> float | None:
        """One pass: evaluate new events, then deliver what is due."""
        from riverrun._automations.runner import AutomationRunner

        if self._runner is None or self._runner.store is not store:
            self._runner, self._version = AutomationRunner(store), None
        runner = self._runner
        version = store.automations_version()
        if version != self._version:
            runner.set_automations(store.read_automations())
            self._version = version
        if not self._started:
            # What the triggers remembered (counts, open proactive windows) is rebuilt from
            # the stored events, as far back as the longest window needs: the same events
            # make the same firings, whose claims exist already, so nothing fires twice.
            self._started = True
            back = max(runner.lookback().total_seconds(), _DOWNTIME_S)
            self._cursor = self._task_cursor = (now_us() - int(back * 1_000_000), "")
        # Only the events some trigger can care about are read (when that is known).
        names = runner.evaluator.names()
        wanted = None if names is None or len(names) > _MAX_NAMES else sorted(names)
        head = None if wanted is None else store.read_events_head()
        late = self._late(store, wanted)
        page = store.read_events_received_after(self._cursor, _BATCH, names=wanted, until=head)
        full = len(page) >= _BATCH
        items = [*late, *page]
        if page:
            self._cursor = page[-1][0]
        if head is not None and not full:
            # Every wanted event up to the head is read: the others need not be.
            self._cursor = max(self._cursor, (head, ""))
        if runner.task_run_events:
            # Derived from task-run states when read: read apart, with a cursor of their own.
            derived = store.read_events_received_after(self._task_cursor, _BATCH, task_runs=True)
            full = full or len(derived) >= _BATCH
            if derived:
                self._task_cursor = derived[-1][0]
            items += derived
        # Oldest first, as the triggers see events (proactive windows close by event time).
        fresh = self._fresh(sorted(items, key=lambda x: (x[1].occurred, x[0][1])))
        if runner.automations:
            runner.observe(fresh)
            runner.tick()
        self._deliver_due(runner)
        # A full page means more are waiting: come back at once.
        return 0.0 if full else None

    def _deliver_due(self, runner: AutomationRunner) -> None:
        """Hand the due actions not already in hand to the delivery threads."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(_DELIVERERS, thread_name_prefix="riverrun-deliver")
        for key, next_attempt in runner.due():
            with self._lock:
                if key in self._in_flight:
                    continue
                self._in_flight.add(key)
            self._pool.submit(self._deliver, runner, key, next_attempt)

    def _deliver(self, runner: AutomationRunner, key: str, next_attempt: int) -> None:
        try:
            runner.deliver(key, next_attempt)
        except Exception as exc:  # noqa: BLE001 - the row stays pending and is tried again
            logger.warning("delivering automation action %s failed: %s", key, exc)
        finally:
            with self._lock:
                self._in_flight.discard(key)

    def _late(self, store: Store, names: list[str] | None) -> list[FeedItem]:
        """Stored events received just behind the cursor that this service has not seen."""
        ids = store.read_event_ids_received_behind(self._cursor, _OVERLAP_US, names)
        unseen = [i for i in ids if i not in self._seen]
        return store.read_events_by_stored_id(unseen[:_BATCH])

    def _fresh(self, items: list[FeedItem]) -> list[ReceivedEvent]:
        fresh = []
        for (_, stored_id), event in items:
            if stored_id in self._seen:
                continue
            self._seen[stored_id] = None
            fresh.append(event)
        while len(self._seen) > _SEEN:
            self._seen.popitem(last=False)
        return fresh
