"""Flows: filter, read by ID, read by name."""

from __future__ import annotations

from fastapi import APIRouter, Response

from riverrun.schemas import objects as o
from riverrun.schemas.sorting import FlowSort
from riverrun.server.api._common import Limit, Offset, json_response
from riverrun.server.api.flow_runs import RunFilters, _filters
from riverrun.server.deps import StoreDep

router = APIRouter(prefix="/flows", tags=["flows"])


class FlowQuery(RunFilters):
    """Filters (a run filter keeps flows with a matching run), order and page."""

    sort: FlowSort | None = None
    limit: Limit = None
    offset: Offset = 0


@router.post("/filter", response_model=list[o.Flow])
def read_flows(store: StoreDep, body: FlowQuery | None = None) -> Response:
    """Flows matching the filters, by name by default."""
    body = body or FlowQuery()
    flows = store.read_flows(**_filters(body), sort=body.sort, limit=body.limit,
                             offset=body.offset)  # fmt: skip
    return json_response(list[o.Flow], flows)


@router.get("/name/{name:path}", response_model=o.Flow)
def read_flow_by_name(name: str, store: StoreDep) -> Response:
    """One flow by name (404 if none)."""
    return json_response(o.Flow, store.read_flow_by_name(name))


@router.get("/{id}", response_model=o.Flow)
def read_flow(id: str, store: StoreDep) -> Response:
    """One flow by ID (404 if none)."""
    return json_response(o.Flow, store.read_flow(id))
