"""Deployments (read side): filter, read by ID."""

from __future__ import annotations

from fastapi import APIRouter, Response

from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas.sorting import DeploymentSort
from riverrun.server.api._common import Body, Limit, Offset, json_response
from riverrun.server.deps import StoreDep

router = APIRouter(prefix="/deployments", tags=["deployments"])


class DeploymentQuery(Body):
    """Deployment and flow filters, order (default by name) and page."""

    deployment_filter: f.DeploymentFilter | None = None
    flow_filter: f.FlowFilter | None = None
    sort: DeploymentSort | None = None
    limit: Limit = None
    offset: Offset = 0


@router.post("/filter", response_model=list[o.Deployment])
def read_deployments(store: StoreDep, body: DeploymentQuery | None = None) -> Response:
    """Deployments matching the filters."""
    body = body or DeploymentQuery()
    found = store.read_deployments(deployment_filter=body.deployment_filter,
                                   flow_filter=body.flow_filter, sort=body.sort,
                                   limit=body.limit, offset=body.offset)  # fmt: skip
    return json_response(list[o.Deployment], found)


@router.get("/{id}", response_model=o.Deployment)
def read_deployment(id: str, store: StoreDep) -> Response:
    """One deployment (404 if none)."""
    return json_response(o.Deployment, store.read_deployment(id))
