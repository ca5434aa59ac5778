"""Flow runs in the store: read, count, update, delete, create, their states."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._internal.ids import new_id
from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.run_rows import RunRowsBase, as_id, not_found, run_select
from riverrun._store.state_events import state_event as _state_event
from riverrun.schemas import encoding
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.states import State


class FlowRunStoreMixin(RunRowsBase):
    """Queries and commands over flow runs."""

    def read_flow_runs(
        self,
        *,
        flow_filter: f.FlowFilter | None = None,
        flow_run_filter: f.FlowRunFilter | None = None,
        task_run_filter: f.TaskRunFilter | None = None,
        deployment_filter: f.DeploymentFilter | None = None,
        sort: s.FlowRunSort | str | None = None,
        limit: int | None = None,
        offset: int | None = 0,
    ) -> list[o.FlowRun]:
        """Flow runs matching every given filter, sorted (default ``ID_DESC``) and paged."""
        where = fs.run_filters(
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
            target="flow_run",
        )  # fmt: skip
        rows = self._select_runs(
            "flow_run", where, fs.order_by(sort, s.FlowRunSort.ID_DESC), limit, offset
        )
        return [convert.flow_run(row) for row in rows]

    def count_flow_runs(
        self,
        *,
        flow_filter: f.FlowFilter | None = None,
        flow_run_filter: f.FlowRunFilter | None = None,
        task_run_filter: f.TaskRunFilter | None = None,
        deployment_filter: f.DeploymentFilter | None = None,
    ) -> int:
        """How many flow runs match the filters."""
        where = fs.run_filters(
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
            target="flow_run",
        )  # fmt: skip
        return self._count_rows(t.flow_run, where)

    def read_flow_run(self, flow_run_id: uuid.UUID | str) -> o.FlowRun:
        """One flow run by ID.

        Raises:
            ObjectNotFound: no flow run has that ID.
        """
        query = run_select("flow_run").where(t.flow_run.c.id == as_id(flow_run_id))
        with self.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise not_found("flow run", flow_run_id, "riverrun flow-run ls")
        return convert.flow_run(row)

    def update_flow_run(
        self,
        flow_run_id: uuid.UUID | str,
        name: str | None = None,
        tags: Iterable[str] | None = None,
    ) -> None:
        """Rename a flow run and/or replace its tags; later state changes keep them.

        Raises:
            ObjectNotFound: no flow run has that ID.
        """
        run_id = as_id(flow_run_id)
        self._require("flow_run", run_id)
        event = {"kind": "flow_run_update", "id": new_id(), "run_id": run_id, "name": name,
                 "tags": None if tags is None else sorted(set(tags)) if isinstance(tags, (set, frozenset)) else list(tags)}  # fmt: skip
        self.ingest([event])

    def update_flow_run_labels(
        self, flow_run_id: uuid.UUID | str, labels: dict[str, bool | int | float | str]
    ) -> None:
        """Merge labels into the flow run's (see the operation table)."""
        run_id, c = as_id(flow_run_id), t.flow_run.c
        with self.begin() as conn:
            query = sa.select(c.labels).where(c.id == run_id)
            row = conn.execute(query if self.is_sqlite else query.with_for_update()).first()
            if row is None:
                raise not_found("flow run", run_id, "riverrun flow-run ls")
            merged = {**json.loads(row.labels or "{}"), **labels}
            conn.execute(t.flow_run.update().where(c.id == run_id)
                         .values(labels=encoding.dumps(merged)))  # fmt: skip

    def set_flow_run_state(
        self, flow_run_id: uuid.UUID | str, state: State, force: bool = False
    ) -> o.OrchestrationResult:
        """Propose a new state for a flow run; the orchestration policy accepts or rejects it.

        Raises:
            ObjectNotFound: no flow run has that ID.
        """
        return self._set_state("flow_run", as_id(flow_run_id), state, force)

    def read_flow_run_states(self, flow_run_id: uuid.UUID | str) -> list[State]:
        """Every state a flow run went through, oldest first."""
        return self._read_states("flow_run", as_id(flow_run_id))

    def delete_flow_run(self, flow_run_id: uuid.UUID | str) -> None:
        """Delete a flow run with its states, tags, task runs, logs and artifacts.

        Raises:
            ObjectNotFound: no flow run has that ID.
        """
        run_id = as_id(flow_run_id)
        task_ids = sa.select(t.task_run.c.id).where(t.task_run.c.flow_run_id == run_id)
        with self.begin() as conn:
            for table in (t.log, t.artifact):
                conn.execute(
                    table.delete().where(
                        sa.or_(table.c.flow_run_id == run_id, table.c.task_run_id.in_(task_ids))
                    )
                )
            deleted = conn.execute(t.flow_run.delete().where(t.flow_run.c.id == run_id))
            if deleted.rowcount == 0:
                raise not_found("flow run", run_id, "riverrun flow-run ls")

    def create_flow_run(
        self,
        flow_name: str,
        name: str | None = None,
        parameters: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        parent_task_run_id: uuid.UUID | str | None = None,
        state: State | None = None,
        flow_version: str | None = None,
    ) -> o.FlowRun:
        """Create a flow run of the flow named ``flow_name``, Pending unless ``state`` says
        otherwise, without running it (the same creation event the engine records)."""
        from riverrun._internal.ids import flow_id_for
        from riverrun._internal.names import generate_run_name
        from riverrun.schemas.encoding import jsonable
        from riverrun.states import Pending

        first = state if state is not None else Pending()
        run_id = new_id()
        now = now_us()
        event: dict[str, Any] = {
            "kind": "flow_run", "id": run_id, "flow_id": flow_id_for(flow_name),
            "flow_name": flow_name, "name": name or generate_run_name(),
            "parameters": jsonable(parameters or {}), "tags": list(tags or []),
            "parent_task_run_id": None if parent_task_run_id is None else as_id(parent_task_run_id),
            "flow_version": flow_version, "created": now, "expected_start_time": now,
            "context": jsonable(context or {}),
        }  # fmt: skip
        fresh = {"run_count": 0, "start_time": None, "state_type": None, "state_timestamp": None,
                 "total_run_time": 0.0}  # fmt: skip
        payload = _state_event("flow_run", run_id, fresh, first)
        payload.pop("kind")
        event["state"] = payload
        self.ingest([event])
        return self.read_flow_run(run_id)

    def read_flow_run_state(self, flow_run_state_id: uuid.UUID | str) -> State:
        """One state of a flow run, by the state's ID.

        Raises:
            ObjectNotFound: no flow run state has that ID.
        """
        table = t.flow_run_state
        state_id = as_id(flow_run_state_id)
        with self.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.id == state_id)).first()
        if row is None:
            raise not_found("flow run state", state_id, "riverrun flow-run inspect")
        return convert.state_from_row(row)
