"""Artifacts in the store."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._internal.ids import new_id
from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.run_rows import RunRowsBase, as_id, not_found, page
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.schemas.actions import ArtifactCreate, ArtifactUpdate


class ArtifactStoreMixin(RunRowsBase):
    """Artifacts and their collections (the latest of each key)."""

    def read_artifacts(
        self,
        *,
        artifact_filter: f.ArtifactFilter | None = None,
        flow_run_filter: f.FlowRunFilter | None = None,
        task_run_filter: f.TaskRunFilter | None = None,
        sort: s.ArtifactSort | str | None = None,
        limit: int | None = None,
        offset: int | None = 0,
    ) -> list[o.Artifact]:
        """Artifacts matching the filters, newest first by default."""
        where = _artifact_where(artifact_filter, flow_run_filter, task_run_filter)
        query = sa.select(t.artifact).where(*where)
        query = query.order_by(*fs.order_by(sort, s.ArtifactSort.CREATED_DESC))
        with self.connect() as conn:
            return [convert.artifact(r) for r in conn.execute(page(query, limit, offset))]

    def read_latest_artifacts(
        self,
        *,
        artifact_filter: f.ArtifactCollectionFilter | None = None,
        flow_run_filter: f.FlowRunFilter | None = None,
        task_run_filter: f.TaskRunFilter | None = None,
        sort: s.ArtifactCollectionSort | str | None = None,
        limit: int | None = None,
        offset: int | None = 0,
    ) -> list[o.ArtifactCollection]:
        """The latest artifact of each key matching the filters, newest first by default."""
        c = t.artifact.c
        newer = t.artifact.alias("newer")
        # The latest of a key: no artifact of the same key created after it (ties: higher ID).
        later = sa.exists().where(
            newer.c.key == c.key,
            sa.or_(
                newer.c.created > c.created,
                sa.and_(newer.c.created == c.created, newer.c.id > c.id),
            ),
        )
        where = [
            c.key.is_not(None),
            ~later,
            *_artifact_where(artifact_filter, flow_run_filter, task_run_filter),
        ]
        query = sa.select(t.artifact).where(*where)
        query = query.order_by(*fs.order_by(sort, s.ArtifactCollectionSort.CREATED_DESC))
        with self.connect() as conn:
            rows = conn.execute(page(query, limit, offset))
            return [_collection(convert.artifact(r)) for r in rows]

    def create_artifact(self, artifact: ArtifactCreate) -> o.Artifact:
        """Store an artifact and return it."""
        fields = artifact.model_dump(exclude_none=True)
        event = {"kind": "artifact", "id": new_id(), "created": now_us(), **fields}
        self.ingest([event])
        with self.connect() as conn:
            row = conn.execute(sa.select(t.artifact).where(t.artifact.c.id == event["id"])).one()
        return convert.artifact(row)

    def update_artifact(self, artifact_id: uuid.UUID | str, artifact: ArtifactUpdate) -> None:
        """Change an artifact's data, description or metadata (fields left None are kept).

        Raises:
            ObjectNotFound: no artifact has that ID.
        """
        art_id = as_id(artifact_id)
        values: dict[str, Any] = {"updated": now_us()}
        for field in ("data", "metadata_"):
            value = getattr(artifact, field)
            if value is not None:
                values[field] = json.dumps(value)
        if artifact.description is not None:
            values["description"] = artifact.description
        with self.begin() as conn:
            changed = conn.execute(
                t.artifact.update().where(t.artifact.c.id == art_id).values(**values)
            )
            if changed.rowcount == 0:
                raise not_found("artifact", art_id, "riverrun artifact ls")

    def delete_artifact(self, artifact_id: uuid.UUID | str) -> None:
        """Delete an artifact.

        Raises:
            ObjectNotFound: no artifact has that ID.
        """
        art_id = as_id(artifact_id)
        with self.begin() as conn:
            deleted = conn.execute(t.artifact.delete().where(t.artifact.c.id == art_id))
            if deleted.rowcount == 0:
                raise not_found("artifact", art_id, "riverrun artifact ls")


def _artifact_where(
    artifact_filter: f.ArtifactFilter | f.ArtifactCollectionFilter | None,
    flow_run_filter: f.FlowRunFilter | None,
    task_run_filter: f.TaskRunFilter | None,
) -> list[Any]:
    """The WHERE clauses of artifacts matching these filters."""
    c = t.artifact.c
    where = fs._all(fs.artifact_where(artifact_filter))
    run_w = fs.flow_run_where(flow_run_filter)
    if run_w is not None:
        where.append(c.flow_run_id.in_(sa.select(t.flow_run.c.id).where(run_w)))
    task_w = fs.task_run_where(task_run_filter)
    if task_w is not None:
        where.append(c.task_run_id.in_(sa.select(t.task_run.c.id).where(task_w)))
    return where


def _collection(artifact: o.Artifact) -> o.ArtifactCollection:
    return o.ArtifactCollection(**artifact.model_dump(), latest_id=artifact.id)
