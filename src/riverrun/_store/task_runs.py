"""Task runs in the store: create, read, count, delete, rename, their states."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._internal.ids import new_id
from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.run_rows import RunRowsBase, as_id, not_found, run_select
from riverrun._store.state_events import state_event
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.states import Pending, State


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

    def create_task_run(
        self,
        task_key: str,
        flow_run_id: uuid.UUID | str | None,
        dynamic_key: str,
        id: uuid.UUID | str | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        task_version: str | None = None,
        empirical_policy: dict[str, Any] | None = None,
        state: State | None = None,
        task_inputs: dict[str, list[o.TaskRunInput]] | None = None,
    ) -> o.TaskRun:
        """Create a task run without running it (the creation event the engine records),
        Pending unless ``state`` says otherwise; as Prefect's server, the flow run's existing
        task run of the same ``(task_key, dynamic_key)`` is answered instead of a second one.

        Raises:
            ObjectNotFound: ``flow_run_id`` names no flow run.
        """
        from riverrun._internal.names import generate_run_name  # its word lists load on use

        parent = None if flow_run_id is None else as_id(flow_run_id)
        if parent is not None:
            self._require("flow_run", parent)
            c = t.task_run.c
            with self.connect() as conn:
                existing = conn.execute(
                    sa.select(c.id).where(
                        c.flow_run_id == parent, c.task_key == task_key,
                        c.dynamic_key == str(dynamic_key),
                    ).limit(1)
                ).scalar()  # fmt: skip
            if existing is not None:
                return self.read_task_run(existing)
        run_id = as_id(id) if id is not None else new_id()
        now = now_us()
        fresh = {"run_count": 0, "start_time": None, "state_type": None, "state_timestamp": None,
                 "total_run_time": 0.0}  # fmt: skip
        first = state_event("task_run", run_id, fresh, state if state is not None else Pending())
        first.pop("kind")
        self.ingest([{
            "kind": "task_run", "id": run_id, "flow_run_id": parent, "task_key": task_key,
            "name": name or generate_run_name(), "dynamic_key": str(dynamic_key),
            "tags": sorted(set(tags or [])), "task_version": task_version,
            "task_inputs": {k: [i.model_dump() for i in v] for k, v in (task_inputs or {}).items()},
            "created": now, "expected_start_time": now,
            "empirical_policy": empirical_policy or {}, "state": first,
        }])  # fmt: skip
        return self.read_task_run(run_id)
