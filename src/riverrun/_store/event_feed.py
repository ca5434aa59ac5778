"""Events in the order they were received, for a reader that follows them (the server's
automations service).

A follower pages by ``(received, id)``: each page starts after the last row of the previous
one, so a page is never the same rows again however many events share the reading window.
(Reading "received since T, oldest first, limit N" came back with the same N rows once more
than N events had been received since T, and the service stopped seeing new events.) An
event stamped before its transaction committed can still appear behind the cursor; the
follower asks for the IDs received in a short window behind it and reads the few it has not
seen by ID. A follower that only cares about some event names (the triggers' ``expect`` and
``after``) reads only those: most events (a run's Pending, Running, Completed) then cost it
nothing, where each one read cost building a Prefect-shaped event.
"""

from __future__ import annotations

from typing import Any, Optional

from riverrun._store.base import StoreBase
from riverrun._store.events import (
    SELECT_EVENTS,
    SELECT_TASK_RUN_EVENTS,
    _like_or_equal,
    event_from_row,
)
from riverrun.schemas.automations import ReceivedEvent

# (received µs, stored ID) of the last event read.
Cursor = tuple[int, str]
FeedItem = tuple[Cursor, ReceivedEvent]

# SQLite allows at most 999 bound parameters in a statement in older builds.
_IDS_PER_READ = 500
_AFTER = "(e.received > :after_r OR (e.received = :after_r AND e.id > :after_id))"


class EventFeedMixin(StoreBase):
    """Follow the events as they are received."""

    def read_events_head(self) -> int:
        """The latest receipt time (µs) of a stored event, 0 when there is none."""
        with self.connect() as conn:
            return int(conn.execute(self.text("SELECT MAX(received) FROM event")).scalar() or 0)

    def read_events_received_after(
        self,
        after: Cursor,
        limit: int,
        *,
        names: Optional[list[str]] = None,
        until: Optional[int] = None,
        task_runs: bool = False,
    ) -> list[FeedItem]:
        """Up to ``limit`` events received after ``after`` (and at or before ``until``), in
        ``(received, id)`` order; only those of ``names`` (``x*`` a prefix) if given.

        With ``task_runs``, the task-run state events derived from stored states are read
        instead of the stored events (their ``received`` is the state's time).
        """
        params: dict[str, Any] = {"after_r": after[0], "after_id": after[1], "limit": limit}
        where = [_AFTER, *_names_and_until(names, until, params)]
        select = SELECT_TASK_RUN_EVENTS if task_runs else SELECT_EVENTS
        sql = f"{select} WHERE {' AND '.join(where)} ORDER BY e.received, e.id LIMIT :limit"
        with self.connect() as conn:
            rows = conn.execute(self.text(sql), params).all()
        return [((r[6], r[0]), event_from_row(r)) for r in rows]

    def read_event_ids_received_behind(
        self, cursor: Cursor, window_us: int, names: Optional[list[str]] = None
    ) -> list[str]:
        """The stored IDs of the stored events (of ``names``, if given) at or behind
        ``cursor`` by up to ``window_us`` (those after it are the next page's)."""
        params: dict[str, Any] = {
            "low": cursor[0] - window_us, "high": cursor[0], "high_id": cursor[1]
        }  # fmt: skip
        where = [
            "e.received > :low",
            "(e.received < :high OR (e.received = :high AND e.id <= :high_id))",
            *_names_and_until(names, None, params),
        ]
        sql = f"SELECT e.id FROM event AS e WHERE {' AND '.join(where)}"
        with self.connect() as conn:
            return [r[0] for r in conn.execute(self.text(sql), params)]

    def read_events_by_stored_id(self, ids: list[str]) -> list[FeedItem]:
        """The stored events of these stored IDs, in ``(received, id)`` order."""
        rows: list[Any] = []
        with self.connect() as conn:
            for start in range(0, len(ids), _IDS_PER_READ):
                params: dict[str, object] = {}
                where = _like_or_equal("e.id", ids[start : start + _IDS_PER_READ], "id", params)
                rows += conn.execute(self.text(f"{SELECT_EVENTS} WHERE {where}"), params).all()
        rows.sort(key=lambda r: (r[6], r[0]))
        return [((r[6], r[0]), event_from_row(r)) for r in rows]


def _names_and_until(
    names: Optional[list[str]], until: Optional[int], params: dict[str, Any]
) -> list[str]:
    where = []
    if names is not None:
        where.append(_like_or_equal("e.event", names, "name", params))
    if until is not None:
        where.append("e.received <= :until")
        params["until"] = until
    return where
