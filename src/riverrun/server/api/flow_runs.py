"""Flow runs: filter, count, read, rename/retag, delete, propose a state, read states."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas.actions import FlowRunUpdate
from riverrun.schemas.sorting import FlowRunSort
from riverrun.server.api._common import NO_CONTENT, Body, Limit, Offset, json_response
from riverrun.server.api._states import ProposedState, set_state_response, utc_state
from riverrun.server.deps import StoreDep
from riverrun.states import State

router = APIRouter(prefix="/flow_runs", tags=["flow runs"])


class RunFilters(Body):
    """The filters every run query takes (Prefect's shape)."""

    flow_filter: f.FlowFilter | None = None
    flow_run_filter: f.FlowRunFilter | None = None
    task_run_filter: f.TaskRunFilter | None = None
    deployment_filter: f.DeploymentFilter | None = None


class FlowRunQuery(RunFilters):
    """Filters, order and page of a flow run query."""

    sort: FlowRunSort | None = None
    limit: Limit = None
    offset: Offset = 0


@router.post("/filter", response_model=list[o.FlowRun])
def read_flow_runs(store: StoreDep, body: FlowRunQuery | None = None) -> Response:
    """Flow runs matching every given filter, sorted (default ``ID_DESC``) and paged."""
    body = body or FlowRunQuery()
    runs = store.read_flow_runs(
        **_filters(body), sort=body.sort, limit=body.limit, offset=body.offset
    )
    return json_response(list[o.FlowRun], runs)


@router.post("/count", response_model=int)
def count_flow_runs(store: StoreDep, body: RunFilters | None = None) -> int:
    """How many flow runs match the filters."""
    return store.count_flow_runs(**_filters(body or RunFilters()))


@router.get("/{id}", response_model=o.FlowRun)
def read_flow_run(id: str, store: StoreDep) -> Response:
    """One flow run (404 if there is none with that ID)."""
    return json_response(o.FlowRun, store.read_flow_run(id))


@router.patch("/{id}", status_code=NO_CONTENT)
def update_flow_run(id: str, body: FlowRunUpdate, store: StoreDep) -> Response:
    """Rename a flow run and/or replace its tags."""
    store.update_flow_run(id, name=body.name, tags=body.tags)
    return Response(status_code=NO_CONTENT)


@router.delete("/{id}", status_code=NO_CONTENT)
def delete_flow_run(id: str, store: StoreDep) -> Response:
    """Delete a flow run with its states, task runs, logs and artifacts."""
    store.delete_flow_run(id)
    return Response(status_code=NO_CONTENT)


@router.post(
    "/{id}/set_state",
    response_model=o.OrchestrationResult,
    responses={409: {"description": "The orchestration policy rejected the state; "
                                    "the body carries the reason and the current state."}},
)  # fmt: skip
def set_flow_run_state(id: str, body: ProposedState, store: StoreDep) -> Response:
    """Propose a state; 200 if accepted, 409 with the orchestration reason if not."""
    result = store.set_flow_run_state(id, utc_state(body.state), force=body.force)
    return set_state_response(result)


@router.get("/{id}/states", response_model=list[State])
def read_flow_run_states(id: str, store: StoreDep) -> Response:
    """Every state the flow run went through, oldest first (none for an unknown run)."""
    return json_response(list[State], store.read_flow_run_states(id))


def _filters(body: RunFilters) -> dict[str, Any]:
    return {
        "flow_filter": body.flow_filter,
        "flow_run_filter": body.flow_run_filter,
        "task_run_filter": body.task_run_filter,
        "deployment_filter": body.deployment_filter,
    }
