"""Logs: filter."""

from __future__ import annotations

from fastapi import APIRouter, Response

from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas.sorting import LogSort
from riverrun.server.api._common import Body, Limit, Offset, json_response
from riverrun.server.deps import StoreDep

router = APIRouter(prefix="/logs", tags=["logs"])


class LogQuery(Body):
    """A log filter, order (default oldest first) and page."""

    log_filter: f.LogFilter | None = None
    sort: LogSort = LogSort.TIMESTAMP_ASC
    limit: Limit = None
    offset: Offset = 0


@router.post("/filter", response_model=list[o.Log])
def read_logs(store: StoreDep, body: LogQuery | None = None) -> Response:
    """Log lines matching the filter."""
    body = body or LogQuery()
    logs = store.read_logs(log_filter=body.log_filter, limit=body.limit, offset=body.offset,
                           sort=body.sort)  # fmt: skip
    return json_response(list[o.Log], logs)
