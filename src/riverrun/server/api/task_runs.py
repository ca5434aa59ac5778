"""Task runs: filter, count, read, propose a state, read states."""

from __future__ import annotations

from fastapi import APIRouter, Response

from riverrun.schemas import objects as o
from riverrun.schemas.sorting import TaskRunSort
from riverrun.server.api._common import Limit, Offset, json_response
from riverrun.server.api._states import ProposedState, set_state_response, utc_state
from riverrun.server.api.flow_runs import RunFilters, _filters
from riverrun.server.deps import StoreDep
from riverrun.states import State

router = APIRouter(prefix="/task_runs", tags=["task runs"])


class TaskRunQuery(RunFilters):
    """Filters, order and page of a task run query."""

    sort: TaskRunSort | None = None
    limit: Limit = None
    offset: Offset = 0


@router.post("/filter", response_model=list[o.TaskRun])
def read_task_runs(store: StoreDep, body: TaskRunQuery | None = None) -> Response:
    """Task runs matching the filters (default order ``EXPECTED_START_TIME_DESC``)."""
    body = body or TaskRunQuery()
    runs = store.read_task_runs(
        **_filters(body), sort=body.sort, limit=body.limit, offset=body.offset
    )
    return json_response(list[o.TaskRun], runs)


@router.post("/count", response_model=int)
def count_task_runs(store: StoreDep, body: RunFilters | None = None) -> int:
    """How many task runs match the filters."""
    return store.count_task_runs(**_filters(body or RunFilters()))


@router.get("/{id}", response_model=o.TaskRun)
def read_task_run(id: str, store: StoreDep) -> Response:
    """One task run (404 if there is none with that ID)."""
    return json_response(o.TaskRun, store.read_task_run(id))


@router.post("/{id}/set_state", response_model=o.OrchestrationResult,
             responses={409: {"description": "The orchestration policy rejected the state."}})  # fmt: skip
def set_task_run_state(id: str, body: ProposedState, store: StoreDep) -> Response:
    """Propose a state; 200 if accepted, 409 with the orchestration reason if not."""
    result = store.set_task_run_state(id, utc_state(body.state), force=body.force)
    return set_state_response(result)


@router.get("/{id}/states", response_model=list[State])
def read_task_run_states(id: str, store: StoreDep) -> Response:
    """Every state the task run went through, oldest first."""
    return json_response(list[State], store.read_task_run_states(id))
