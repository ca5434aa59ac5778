"""Events: read them with a filter (Prefect's ``read_events`` / ``POST /events/filter``)."""

from __future__ import annotations

from typing import Optional, Protocol

from riverrun._api.operation import operation
from riverrun.schemas.automations import EventFilter, ReceivedEvent


class EventsAPI(Protocol):
    """The event operations (events are written by the recorders, through ``/api/events``)."""

    @operation("POST", "/events/filter")
    def read_events(
        self,
        filter: Optional[EventFilter] = None,
        limit: Optional[int] = 100,  # noqa: A002
    ) -> list[ReceivedEvent]:
        """Events matching the filter, oldest first."""
        ...
