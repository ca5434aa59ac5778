"""Logs in the store."""

from __future__ import annotations

from datetime import timezone

import sqlalchemy as sa

from riverrun._internal.clock import to_us
from riverrun._internal.ids import new_id
from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.run_rows import RunRowsBase, page
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.schemas.actions import LogCreate


class LogStoreMixin(RunRowsBase):
    """Reading and writing log lines."""

    def read_logs(
        self,
        log_filter: f.LogFilter | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort: s.LogSort | str | None = s.LogSort.TIMESTAMP_ASC,
    ) -> list[o.Log]:
        """Log lines matching the filter, oldest first by default."""
        query = sa.select(t.log).where(*fs._all(fs.log_where(log_filter)))
        query = query.order_by(*fs.order_by(sort, s.LogSort.TIMESTAMP_ASC))
        with self.connect() as conn:
            return [convert.log(r) for r in conn.execute(page(query, limit, offset))]

    def create_logs(self, logs: list[LogCreate]) -> None:
        """Store log lines (``LogCreate`` models or dicts of the same fields)."""
        from riverrun.schemas.actions import LogCreate

        events = []
        for log in logs:
            line = log if isinstance(log, LogCreate) else LogCreate.model_validate(log)
            stamp = (
                line.timestamp
                if line.timestamp.tzinfo
                else line.timestamp.replace(tzinfo=timezone.utc)
            )
            events.append({
                "kind": "log", "id": new_id(), "flow_run_id": line.flow_run_id,
                "task_run_id": line.task_run_id, "name": line.name, "level": line.level,
                "message": line.message, "timestamp": to_us(stamp),
            })  # fmt: skip
        if events:
            self.ingest(events)
