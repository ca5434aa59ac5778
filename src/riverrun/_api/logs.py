"""Log lines: query, store."""

from __future__ import annotations

from typing import Optional, Protocol

from riverrun._api.operation import operation
from riverrun.schemas import actions as a
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s


class LogsAPI(Protocol):
    """The log operations."""

    @operation("POST", "/logs/filter")
    def read_logs(
        self,
        log_filter: Optional[f.LogFilter] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
        sort: s.LogSort = s.LogSort.TIMESTAMP_ASC,
    ) -> list[o.Log]:
        """Log lines matching the filter, oldest first by default."""
        ...

    @operation("POST", "/logs/", body="logs", status_code=201, client=False)
    def create_logs(self, logs: list[a.LogCreate]) -> None:
        """Store log lines. They carry no IDs, so sending the same lines twice stores them
        twice, as in Prefect."""
        ...
