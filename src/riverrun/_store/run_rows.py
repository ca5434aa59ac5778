"""What flow runs and task runs share in the store: the run query, paging, states."""

from __future__ import annotations

import uuid
from datetime import timezone
from typing import Any

import sqlalchemy as sa

from riverrun._store import convert
from riverrun._store import tables as t
from riverrun._store.base import StoreBase
from riverrun._store.orchestration import decide, fence
from riverrun._store.state_events import state_event as _state_event
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas import objects as o
from riverrun.states import State, StateType


def as_id(value: uuid.UUID | str) -> str:
    return str(value)


def page(query: Any, limit: int | None, offset: int | None) -> Any:
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return query


def run_select(kind: str) -> Any:
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


class RunRowsBase(StoreBase):
    """Reading runs and their states, and setting a state through the orchestration rules."""

    def _select_runs(
        self, kind: str, where: list[Any], order: list[Any], limit: int | None, offset: int | None
    ) -> list[Any]:
        query = run_select(kind).where(*where).order_by(*order)
        with self.connect() as conn:
            return list(conn.execute(page(query, limit, offset)).all())

    def _count_rows(self, table: sa.Table, where: list[Any]) -> int:
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        with self.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _require(self, kind: str, run_id: str) -> None:
        table = t.flow_run if kind == "flow_run" else t.task_run
        with self.connect() as conn:
            found = conn.execute(sa.select(table.c.id).where(table.c.id == run_id)).first()
        if found is None:
            raise not_found(kind.replace("_", " "), run_id, "riverrun flow-run ls")

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
            row = conn.execute(run_select(kind).where(table.c.id == run_id)).first()
        if row is None:
            raise not_found(kind.replace("_", " "), run_id, "riverrun flow-run ls")
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
        fenced = (
            fence(row._mapping["lease_token"], state, row._mapping["lease_owner"] is not None)
            if kind == "flow_run"
            else None
        )
        decision = fenced or decide(current, state, force=force)
        if decision is not None:
            return o.OrchestrationResult(status=decision.status, state=current,
                                         reason=decision.reason)  # fmt: skip
        self.ingest([_state_event(kind, run_id, row._mapping, state)])
        return o.OrchestrationResult(status="ACCEPT", state=state)


def not_found(what: str, ident: Any, listing: str) -> ObjectNotFound:
    return ObjectNotFound(f"No {what} with ID {str(ident)!r}. `{listing}` lists them.")
