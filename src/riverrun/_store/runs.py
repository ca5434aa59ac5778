"""Flows, flow runs, task runs, their states, logs and artifacts in the store."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import timezone
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us, to_us
from riverrun._internal.ids import new_id
from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.base import StoreBase
from riverrun._store.orchestration import decide, fence
from riverrun._store.state_events import state_event as _state_event
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.schemas.actions import ArtifactCreate, ArtifactUpdate, LogCreate
from riverrun.states import State, StateType


def _id(value: uuid.UUID | str) -> str:
    return str(value)


def _page(query: Any, limit: int | None, offset: int | None) -> Any:
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return query


def _run_select(kind: str) -> Any:
    run = t.flow_run if kind == "flow_run" else t.task_run
    states = t.flow_run_state if kind == "flow_run" else t.task_run_state
    # The current state's data and details live in the state row; one PK lookup per run.
    columns: list[Any] = [
        run,
        states.c.data.label("s_data"),
        states.c.state_details.label("s_state_details"),
    ]
    joined = run.outerjoin(states, states.c.id == run.c.state_id)
    if kind == "flow_run":
        columns.append(t.flow.c.name.label("flow_name"))
        joined = joined.outerjoin(t.flow, t.flow.c.id == run.c.flow_id)
    return sa.select(*columns).select_from(joined)


class RunStoreMixin(StoreBase):
    """Queries and commands over runs and what hangs off them."""

    def _select_runs(
        self, kind: str, where: list[Any], order: list[Any], limit: int | None, offset: int | None
    ) -> list[Any]:
        query = _run_select(kind).where(*where).order_by(*order)
        with self.connect() as conn:
            return list(conn.execute(_page(query, limit, offset)).all())

    def _count_rows(self, table: sa.Table, where: list[Any]) -> int:
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        with self.connect() as conn:
            return int(conn.execute(query).scalar_one())

    # -- flow runs ---------------------------------------------------------------------------
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
        query = _run_select("flow_run").where(t.flow_run.c.id == _id(flow_run_id))
        with self.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise _not_found("flow run", flow_run_id, "riverrun flow-run ls")
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
        run_id = _id(flow_run_id)
        self._require("flow_run", run_id)
        event = {"kind": "flow_run_update", "id": new_id(), "run_id": run_id, "name": name,
                 "tags": None if tags is None else sorted(set(tags)) if isinstance(tags, (set, frozenset)) else list(tags)}  # fmt: skip
        self.ingest([event])

    def set_flow_run_state(
        self, flow_run_id: uuid.UUID | str, state: State, force: bool = False
    ) -> o.OrchestrationResult:
        """Propose a new state for a flow run; the orchestration policy accepts or rejects it.

        Raises:
            ObjectNotFound: no flow run has that ID.
        """
        return self._set_state("flow_run", _id(flow_run_id), state, force)

    def read_flow_run_states(self, flow_run_id: uuid.UUID | str) -> list[State]:
        """Every state a flow run went through, oldest first."""
        return self._read_states("flow_run", _id(flow_run_id))

    def delete_flow_run(self, flow_run_id: uuid.UUID | str) -> None:
        """Delete a flow run with its states, tags, task runs, logs and artifacts.

        Raises:
            ObjectNotFound: no flow run has that ID.
        """
        run_id = _id(flow_run_id)
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
                raise _not_found("flow run", run_id, "riverrun flow-run ls")

    # -- task runs -----------------------------------------------------------------------------
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
        query = _run_select("task_run").where(t.task_run.c.id == _id(task_run_id))
        with self.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise _not_found("task run", task_run_id, "riverrun flow-run inspect")
        return convert.task_run(row)

    def set_task_run_state(
        self, task_run_id: uuid.UUID | str, state: State, force: bool = False
    ) -> o.OrchestrationResult:
        """Propose a new state for a task run (see ``set_flow_run_state``)."""
        return self._set_state("task_run", _id(task_run_id), state, force)

    def read_task_run_states(self, task_run_id: uuid.UUID | str) -> list[State]:
        """Every state a task run went through, oldest first."""
        return self._read_states("task_run", _id(task_run_id))

    def delete_task_run(self, task_run_id: uuid.UUID | str) -> None:
        """Delete a task run with its states, tags, logs and artifacts.

        Raises:
            ObjectNotFound: no task run has that ID.
        """
        run_id = _id(task_run_id)
        with self.begin() as conn:
            for table in (t.log, t.artifact):
                conn.execute(table.delete().where(table.c.task_run_id == run_id))
            deleted = conn.execute(t.task_run.delete().where(t.task_run.c.id == run_id))
            if deleted.rowcount == 0:
                raise _not_found("task run", run_id, "riverrun flow-run inspect")

    # -- flows -------------------------------------------------------------------------------------
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
            return [convert.flow(r) for r in conn.execute(_page(query, limit, offset))]

    def read_flow(self, flow_id: uuid.UUID | str) -> o.Flow:
        """One flow by ID.

        Raises:
            ObjectNotFound: no flow has that ID.
        """
        with self.connect() as conn:
            row = conn.execute(sa.select(t.flow).where(t.flow.c.id == _id(flow_id))).first()
        if row is None:
            raise _not_found("flow", flow_id, "riverrun flow ls")
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

    # -- logs and artifacts -----------------------------------------------------------------------
    def read_logs(
        self,
        log_filter: f.LogFilter | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort: s.LogSort | str | None = s.LogSort.TIMESTAMP_ASC,
    ) -> list[o.Log]:
        """Log lines matching the filter, oldest first by default."""
        query = sa.select(t.log).where(*fs._all(fs.log_where(log_filter)))
        query = query.order_by(*fs.order_by(sort, s.LogSort.TIMESTAMP_ASC))
        with self.connect() as conn:
            return [convert.log(r) for r in conn.execute(_page(query, limit, offset))]

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
            return [convert.artifact(r) for r in conn.execute(_page(query, limit, offset))]

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
            rows = conn.execute(_page(query, limit, offset))
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
        art_id = _id(artifact_id)
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
                raise _not_found("artifact", art_id, "riverrun artifact ls")

    def delete_artifact(self, artifact_id: uuid.UUID | str) -> None:
        """Delete an artifact.

        Raises:
            ObjectNotFound: no artifact has that ID.
        """
        art_id = _id(artifact_id)
        with self.begin() as conn:
            deleted = conn.execute(t.artifact.delete().where(t.artifact.c.id == art_id))
            if deleted.rowcount == 0:
                raise _not_found("artifact", art_id, "riverrun artifact ls")

    # -- the client's write side (Prefect's create_flow_run, create_logs, ...) --------------------
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
            "parent_task_run_id": None if parent_task_run_id is None else _id(parent_task_run_id),
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
        state_id = _id(flow_run_state_id)
        with self.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.id == state_id)).first()
        if row is None:
            raise _not_found("flow run state", state_id, "riverrun flow-run inspect")
        return convert.state_from_row(row)

    def set_task_run_name(self, task_run_id: uuid.UUID | str, name: str) -> None:
        """Rename a task run.

        Raises:
            ObjectNotFound: no task run has that ID.
        """
        run_id = _id(task_run_id)
        with self.begin() as conn:
            changed = conn.execute(
                t.task_run.update().where(t.task_run.c.id == run_id).values(name=name)
            )
            if changed.rowcount == 0:
                raise _not_found("task run", run_id, "riverrun task-run ls")

    def create_logs(self, logs: list[LogCreate]) -> None:
        """Store log lines (``LogCreate`` models or dicts of the same fields)."""
        from riverrun.schemas.actions import LogCreate

        events = []
        for log in logs:
            line = log if isinstance(log, LogCreate) else LogCreate.model_validate(log)
            stamp = (
                line.timestamp
                if line.timestamp.tzinfo
                else line.timestamp.replace(tzinfo=timezone.utc)
            )
            events.append({
                "kind": "log", "id": new_id(), "flow_run_id": line.flow_run_id,
                "task_run_id": line.task_run_id, "name": line.name, "level": line.level,
                "message": line.message, "timestamp": to_us(stamp),
            })  # fmt: skip
        if events:
            self.ingest(events)

    # -- helpers ------------------------------------------------------------------------------------
    def _require(self, kind: str, run_id: str) -> None:
        table = t.flow_run if kind == "flow_run" else t.task_run
        with self.connect() as conn:
            found = conn.execute(sa.select(table.c.id).where(table.c.id == run_id)).first()
        if found is None:
            raise _not_found(kind.replace("_", " "), run_id, "riverrun flow-run ls")

    def _read_states(self, kind: str, run_id: str) -> list[State]:
        table = t.flow_run_state if kind == "flow_run" else t.task_run_state
        fk = table.c[f"{kind}_id"]
        query = sa.select(table).where(fk == run_id).order_by(table.c.timestamp, table.c.id)
        with self.connect() as conn:
            return [convert.state_from_row(r) for r in conn.execute(query)]

    def _set_state(
        self, kind: str, run_id: str, state: State, force: bool
    ) -> o.OrchestrationResult:
        if state.timestamp.tzinfo is None:  # a naive time is UTC; the rules compare aware ones
            state.timestamp = state.timestamp.replace(tzinfo=timezone.utc)
        table = t.flow_run if kind == "flow_run" else t.task_run
        with self.connect() as conn:
            row = conn.execute(_run_select(kind).where(table.c.id == run_id)).first()
        if row is None:
            raise _not_found(kind.replace("_", " "), run_id, "riverrun flow-run ls")
        run = convert.flow_run(row) if kind == "flow_run" else convert.task_run(row)
        current = run.state
        if (
            kind == "flow_run"
            and state.is_cancelling()
            and current is not None
            and (current.type in (StateType.SCHEDULED, StateType.PAUSED))
        ):
            # Nothing runs it yet, so nothing would finish the cancellation: as Prefect's
            # server, a run that never started is Cancelled at once.
            state = State(type=StateType.CANCELLED, name="Cancelled", message=state.message,
                          state_details=state.state_details)  # fmt: skip
        # Fencing holds even when forced: a stale lease holder must never move the run.
        fenced = fence(row._mapping["lease_token"], state) if kind == "flow_run" else None
        decision = fenced or decide(current, state, force=force)
        if decision is not None:
            return o.OrchestrationResult(status=decision.status, state=current,
                                         reason=decision.reason)  # fmt: skip
        self.ingest([_state_event(kind, run_id, row._mapping, state)])
        return o.OrchestrationResult(status="ACCEPT", state=state)


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


def _not_found(what: str, ident: Any, listing: str) -> ObjectNotFound:
    return ObjectNotFound(f"No {what} with ID {str(ident)!r}. `{listing}` lists them.")
