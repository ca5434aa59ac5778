"""Artifacts: filter, create."""

from __future__ import annotations

from fastapi import APIRouter, Response

from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas.actions import ArtifactCreate
from riverrun.schemas.sorting import ArtifactSort
from riverrun.server.api._common import Body, Limit, Offset, json_response
from riverrun.server.deps import StoreDep

router = APIRouter(prefix="/artifacts", tags=["artifacts"])


class ArtifactQuery(Body):
    """Artifact, flow run and task run filters, order (default newest first) and page."""

    artifact_filter: f.ArtifactFilter | None = None
    flow_run_filter: f.FlowRunFilter | None = None
    task_run_filter: f.TaskRunFilter | None = None
    sort: ArtifactSort | None = None
    limit: Limit = None
    offset: Offset = 0


@router.post("/filter", response_model=list[o.Artifact])
def read_artifacts(store: StoreDep, body: ArtifactQuery | None = None) -> Response:
    """Artifacts matching the filters."""
    body = body or ArtifactQuery()
    found = store.read_artifacts(
        artifact_filter=body.artifact_filter, flow_run_filter=body.flow_run_filter,
        task_run_filter=body.task_run_filter, sort=body.sort, limit=body.limit,
        offset=body.offset,
    )  # fmt: skip
    return json_response(list[o.Artifact], found)


@router.post("/", response_model=o.Artifact, status_code=201)
def create_artifact(body: ArtifactCreate, store: StoreDep) -> Response:
    """Store an artifact."""
    artifact = store.create_artifact(**body.model_dump(exclude_none=True))
    return json_response(o.Artifact, artifact, status_code=201)
