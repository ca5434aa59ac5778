"""Task runs in the store: read, count, delete, rename, their states."""

from __future__ import annotations

import uuid

from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.run_rows import RunRowsBase, as_id, not_found, run_select
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.states import State


class TaskRunStoreMixin(RunRowsBase):
    """Queries and commands over task runs."""

    def read_task_runs(
        self,
        *,
        flow_filter: f.FlowFilter | None = None,
        flow_run_filter: f.FlowRunFilter | None = None,
        task_run_filter: f.TaskRunFilter | None = None,
        deployment_filter: f.DeploymentFilter | None = None,
        sort: s.TaskRunSort | str | None = None,
        limit: int | None = None,
        offset: int | None = 0,
    ) -> list[o.TaskRun]:
        """Task runs matching the filters, sorted (default ``EXPECTED_START_TIME_DESC``)."""
        where = fs.run_filters(
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
            target="task_run",
        )  # fmt: skip
        order = fs.order_by(sort, s.TaskRunSort.EXPECTED_START_TIME_DESC)
        rows = self._select_runs("task_run", where, order, limit, offset)
        return [convert.task_run(row) for row in rows]

    def count_task_runs(
        self,
        *,
        flow_filter: f.FlowFilter | None = None,
        flow_run_filter: f.FlowRunFilter | None = None,
        task_run_filter: f.TaskRunFilter | None = None,
        deployment_filter: f.DeploymentFilter | None = None,
    ) -> int:
        """How many task runs match the filters."""
        where = fs.run_filters(
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
            target="task_run",
        )  # fmt: skip
        return self._count_rows(t.task_run, where)

    def read_task_run(self, task_run_id: uuid.UUID | str) -> o.TaskRun:
        """One task run by ID.

        Raises:
            ObjectNotFound: no task run has that ID.
        """
        query = run_select("task_run").where(t.task_run.c.id == as_id(task_run_id))
        with self.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise not_found("task run", task_run_id, "riverrun flow-run inspect")
        return convert.task_run(row)

    def set_task_run_state(
        self, task_run_id: uuid.UUID | str, state: State, force: bool = False
    ) -> o.OrchestrationResult:
        """Propose a new state for a task run (see ``set_flow_run_state``)."""
        return self._set_state("task_run", as_id(task_run_id), state, force)

    def read_task_run_states(self, task_run_id: uuid.UUID | str) -> list[State]:
        """Every state a task run went through, oldest first."""
        return self._read_states("task_run", as_id(task_run_id))

    def delete_task_run(self, task_run_id: uuid.UUID | str) -> None:
        """Delete a task run with its states, tags, logs and artifacts.

        Raises:
            ObjectNotFound: no task run has that ID.
        """
        run_id = as_id(task_run_id)
        with self.begin() as conn:
            for table in (t.log, t.artifact):
                conn.execute(table.delete().where(table.c.task_run_id == run_id))
            deleted = conn.execute(t.task_run.delete().where(t.task_run.c.id == run_id))
            if deleted.rowcount == 0:
                raise not_found("task run", run_id, "riverrun flow-run inspect")

    def set_task_run_name(self, task_run_id: uuid.UUID | str, name: str) -> None:
        """Rename a task run.

        Raises:
            ObjectNotFound: no task run has that ID.
        """
        run_id = as_id(task_run_id)
        with self.begin() as conn:
            changed = conn.execute(
                t.task_run.update().where(t.task_run.c.id == run_id).values(name=name)
            )
            if changed.rowcount == 0:
                raise not_found("task run", run_id, "riverrun task-run ls")
