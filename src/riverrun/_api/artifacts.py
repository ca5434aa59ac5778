"""Artifacts: query, create, change, delete."""

from __future__ import annotations

from typing import Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import actions as a
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s


class ArtifactsAPI(Protocol):
    """The artifact operations."""

    @operation("POST", "/artifacts/filter")
    def read_artifacts(
        self,
        *,
        artifact_filter: Optional[f.ArtifactFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        sort: Optional[s.ArtifactSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.Artifact]:
        """Artifacts matching the filters, newest first by default."""
        ...

    @operation("POST", "/artifacts/latest/filter")
    def read_latest_artifacts(
        self,
        *,
        artifact_filter: Optional[f.ArtifactCollectionFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        sort: Optional[s.ArtifactCollectionSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.ArtifactCollection]:
        """The latest artifact of each key matching the filters, newest first by default."""
        ...

    @operation("POST", "/artifacts/", body="artifact", status_code=201)
    def create_artifact(self, artifact: a.ArtifactCreate) -> o.Artifact:
        """Store an artifact."""
        ...

    @operation("PATCH", "/artifacts/{artifact_id}", body="artifact", status_code=204)
    def update_artifact(self, artifact_id: Id, artifact: a.ArtifactUpdate) -> None:
        """Change an artifact's data, description or metadata; raises ``ObjectNotFound``."""
        ...

    @operation("DELETE", "/artifacts/{artifact_id}", status_code=204)
    def delete_artifact(self, artifact_id: Id) -> None:
        """Delete an artifact; raises ``ObjectNotFound``."""
        ...
