"""Flow runs created from deployments: parameters merged and checked, idempotent by key.

``create_flow_run_from_deployment`` serves the client, the API, the CLI and
``run_deployment``; the scheduler inserts its runs with the same ``flow_run_row`` and
``insert_flow_run``, so a run made by hand and one made by a schedule look alike.
"""

from __future__ import annotations

import contextlib
import functools
import json
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import from_us, now_us, to_us
from riverrun._internal.ids import new_id
from riverrun._internal.names import generate_run_name
from riverrun._internal.parameter_schema import parameter_problems
from riverrun._store import tables as t
from riverrun._store.deployments import DeploymentStoreMixin, _dump, _id
from riverrun._store.dialect import insert_or_ignore
from riverrun.exceptions import ParameterTypeError
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.states import Scheduled, State, StateType

# Prefect's page for a runner's poll of its deployments' scheduled runs.
DEFAULT_SCHEDULED_LIMIT = 200


class DeploymentRunStoreMixin(DeploymentStoreMixin):
    """Make flow runs of deployments."""

    def set_deployment_paused_state(self, deployment_id: uuid.UUID | str, paused: bool) -> None:
        """Pause (``paused=True``) or resume a deployment; raises ``ObjectNotFound``."""
        if paused:
            self.pause_deployment(deployment_id)
        else:
            self.resume_deployment(deployment_id)

    def get_scheduled_flow_runs_for_deployments(
        self,
        deployment_ids: list[uuid.UUID | str],
        scheduled_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[o.FlowRun]:
        """Scheduled runs of the deployments, by next scheduled start (Prefect's order), due
        before ``scheduled_before`` when it is given; at most ``limit`` (default 200)."""
        if not deployment_ids:
            return []
        when = None if scheduled_before is None else f.FlowRunFilterNextScheduledStartTime(
            before_=scheduled_before
        )  # fmt: skip
        return self.read_flow_runs(
            deployment_filter=f.DeploymentFilter(
                id=f.DeploymentFilterId(any_=[str(i) for i in deployment_ids])
            ),
            flow_run_filter=f.FlowRunFilter(
                next_scheduled_start_time=when,
                state=f.FlowRunFilterState(
                    type=f.FlowRunFilterStateType(any_=[StateType.SCHEDULED])
                ),
            ),
            sort=s.FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC,
            limit=limit or DEFAULT_SCHEDULED_LIMIT,
        )

    # -- runs from deployments ---------------------------------------------------------------------
    def create_flow_run_from_deployment(
        self,
        deployment_id: uuid.UUID | str,
        *,
        parameters: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        state: State | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        idempotency_key: str | None = None,
        parent_task_run_id: uuid.UUID | str | None = None,
        work_queue_name: str | None = None,
        job_variables: dict[str, Any] | None = None,
        labels: dict[str, Any] | None = None,
    ) -> o.FlowRun:
        """A flow run of the deployment, Scheduled for now unless ``state`` says otherwise.

        ``parameters`` are merged over the deployment's; with ``enforce_parameter_schema``
        (the default) the result must match the deployment's parameter schema. Tags are the
        deployment's plus ``tags``. With an ``idempotency_key`` already used for this flow,
        the existing run is returned and nothing is created.

        Raises:
            ObjectNotFound: no deployment has that ID.
            ParameterTypeError: parameters that fail the schema, every bad field named.
        """
        dep_id = _id(deployment_id)
        with self.connect() as conn:
            dep = self._require_deployment(conn, dep_id)
        merged = {**json.loads(dep.parameters or "{}"), **(parameters or {})}
        check_parameters(dep, merged)
        now = now_us()
        first = (
            state
            if state is not None
            else Scheduled(state_details={"scheduled_time": from_us(now)})
        )
        all_tags = sorted(set(json.loads(dep.tags or "[]")) | set(tags or []))
        run_id = new_id()
        row = flow_run_row(
            run_id, dep, name or generate_run_name(), merged, all_tags, first, now,
            idempotency_key=idempotency_key, context=context or {},
            parent_task_run_id=None if parent_task_run_id is None else _id(parent_task_run_id),
            work_queue_name=work_queue_name or dep.work_queue_name,
        )  # fmt: skip
        with self.begin() as conn:
            created = insert_flow_run(conn, self.is_sqlite, row, first, all_tags)
            if not created:
                fr = t.flow_run.c
                run_id = conn.execute(
                    sa.select(fr.id).where(
                        fr.flow_id == dep.flow_id, fr.idempotency_key == idempotency_key
                    )
                ).scalar_one()
        return self.read_flow_run(run_id)


def check_parameters(dep: Any, merged: dict[str, Any]) -> None:
    """Refuse parameters that fail the deployment's schema (when it enforces one)."""
    schema = json.loads(dep.parameter_openapi_schema) if dep.parameter_openapi_schema else None
    if not dep.enforce_parameter_schema or not schema:
        return
    problems = parameter_problems(merged, schema)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise ParameterTypeError(
            f"Parameters for deployment {dep.name!r} do not match its schema:\n{listed}\n"
            "Fix the values (`riverrun deployment inspect` shows the schema), or create the "
            "deployment with enforce_parameter_schema=False to skip this check."
        )


def flow_run_row(
    run_id: str,
    dep: Any,
    name: str,
    parameters: dict[str, Any],
    tags: list[str],
    state: State,
    now: int,
    *,
    idempotency_key: str | None = None,
    context: dict[str, Any] | None = None,
    parent_task_run_id: str | None = None,
    work_queue_name: str | None = None,
    deployment_schedule_id: str | None = None,
) -> dict[str, Any]:
    """The ``flow_run`` row of a run created from deployment row ``dep``, in ``state``."""
    scheduled = state.state_details.get("scheduled_time")
    if isinstance(scheduled, str):  # a state that came over HTTP carries its details as JSON
        with contextlib.suppress(ValueError):  # not a time: ignored, as any other non-time
            scheduled = datetime.fromisoformat(scheduled)
    expected = to_us(scheduled) if isinstance(scheduled, datetime) else now
    return {
        "id": run_id, "flow_id": dep.flow_id, "name": name, "parameters": _dump(parameters),
        "tags": _dump(tags), "parent_task_run_id": parent_task_run_id, "deployment_id": dep.id,
        "deployment_schedule_id": deployment_schedule_id,
        "work_queue_name": work_queue_name, "work_pool_name": dep.work_pool_name,
        "flow_version": dep.version, "idempotency_key": idempotency_key,
        "empirical_policy": "{}", "context": _dump(context or {}), "created": now, "updated": now,
        "state_id": state.id, "state_type": state.type.value, "state_name": state.name,
        "state_timestamp": state.timestamp_us, "state_message": state.message,
        "expected_start_time": expected,
        "next_scheduled_start_time": expected if state.type is StateType.SCHEDULED else None,
        "run_count": 0, "total_run_time": 0.0,
    }  # fmt: skip


@functools.lru_cache(maxsize=2)
def _insert_run_statement(is_sqlite: bool) -> Any:
    return insert_or_ignore(t.flow_run, is_sqlite).returning(t.flow_run.c.id)


def insert_flow_run(
    conn: Any, is_sqlite: bool, row: dict[str, Any], state: State, tags: list[str]
) -> bool:
    """Insert a run with its first state and tags; False if its idempotency key was taken."""
    return insert_flow_runs(conn, is_sqlite, [(row, state)], tags) == 1


def insert_flow_runs(
    conn: Any, is_sqlite: bool, runs: list[tuple[dict[str, Any], State]], tags: list[str]
) -> int:
    """Insert runs (each with its first state) sharing ``tags``; how many were new.

    A run whose idempotency key was taken is skipped, with no state or tags.
    """
    return insert_tagged_flow_runs(conn, is_sqlite, [(row, state, tags) for row, state in runs])


def insert_tagged_flow_runs(
    conn: Any, is_sqlite: bool, runs: list[tuple[dict[str, Any], State, list[str]]]
) -> int:
    """Insert runs, each with its first state and its tags; how many were new.

    A run whose idempotency key was taken is skipped, with no state or tags. One statement
    per table, whatever the number of runs: a scheduler pass inserts thousands, from many
    deployments at once.
    """
    if not runs:
        return 0
    # RETURNING, not rowcount: on PostgreSQL a skipped insert's rowcount is not reliable.
    # Values go as parameters, not ``.values()``: the statement compiles once per process.
    inserted = {
        r[0] for r in conn.execute(_insert_run_statement(is_sqlite), [row for row, _, _ in runs])
    }
    new = [run for run in runs if run[0]["id"] in inserted]
    if not new:
        return 0
    states = []
    for row, state, _ in new:
        stored = state.to_dict()
        states.append({
            "id": state.id, "flow_run_id": row["id"], "type": stored["type"],
            "name": stored["name"], "timestamp": state.timestamp_us, "message": stored["message"],
            "data": None if stored["data"] is None else _dump(stored["data"]),
            "state_details": _dump(stored["state_details"]),
        })  # fmt: skip
    conn.execute(t.flow_run_state.insert(), states)
    tag_rows = [{"flow_run_id": row["id"], "tag": tag} for row, _, tags in new for tag in tags]
    if tag_rows:
        conn.execute(t.flow_run_tag.insert(), tag_rows)
    return len(new)
