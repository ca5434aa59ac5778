"""Flows in the store."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.run_rows import RunRowsBase, as_id, not_found, page
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s


class FlowStoreMixin(RunRowsBase):
    """Reading flows by ID, by name, by filter; deleting one."""

    def read_flows(
        self,
        *,
        flow_filter: f.FlowFilter | None = None,
        flow_run_filter: f.FlowRunFilter | None = None,
        task_run_filter: f.TaskRunFilter | None = None,
        deployment_filter: f.DeploymentFilter | None = None,
        sort: s.FlowSort | str | None = None,
        limit: int | None = None,
        offset: int | None = 0,
    ) -> list[o.Flow]:
        """Flows matching the filters (a run filter keeps flows with a matching run)."""
        where = fs.run_filters(
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
            target="flow",
        )  # fmt: skip
        query = sa.select(t.flow).where(*where).order_by(*fs.order_by(sort, s.FlowSort.NAME_ASC))
        with self.connect() as conn:
            return [convert.flow(r) for r in conn.execute(page(query, limit, offset))]

    def read_flow(self, flow_id: uuid.UUID | str) -> o.Flow:
        """One flow by ID.

        Raises:
            ObjectNotFound: no flow has that ID.
        """
        with self.connect() as conn:
            row = conn.execute(sa.select(t.flow).where(t.flow.c.id == as_id(flow_id))).first()
        if row is None:
            raise not_found("flow", flow_id, "riverrun flow ls")
        return convert.flow(row)

    def read_flow_by_name(self, flow_name: str) -> o.Flow:
        """One flow by its name.

        Raises:
            ObjectNotFound: no flow has that name.
        """
        with self.connect() as conn:
            row = conn.execute(sa.select(t.flow).where(t.flow.c.name == flow_name)).first()
        if row is None:
            raise ObjectNotFound(
                f"No flow named {flow_name!r}. A flow is recorded when it first runs; "
                "`riverrun flow ls` lists them."
            )
        return convert.flow(row)

    def delete_flow(self, flow_id: uuid.UUID | str) -> None:
        """Delete a flow with its runs, their task runs, logs and artifacts, and its deployments.

        Raises:
            ObjectNotFound: no flow has that ID.
        """
        fid = as_id(flow_id)
        run_ids = sa.select(t.flow_run.c.id).where(t.flow_run.c.flow_id == fid)
        task_ids = sa.select(t.task_run.c.id).where(t.task_run.c.flow_run_id.in_(run_ids))
        with self.begin() as conn:
            # Logs and artifacts have no foreign key to their runs (as in delete_flow_run); the
            # runs, their states, tags, task runs and inputs, and the deployments go by
            # ON DELETE CASCADE.
            for table in (t.log, t.artifact):
                conn.execute(
                    table.delete().where(
                        sa.or_(table.c.flow_run_id.in_(run_ids), table.c.task_run_id.in_(task_ids))
                    )
                )
            deleted = conn.execute(t.flow.delete().where(t.flow.c.id == fid))
            if deleted.rowcount == 0:
                raise not_found("flow", fid, "riverrun flow ls")
