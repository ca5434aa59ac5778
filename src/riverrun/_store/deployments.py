"""Deployments, their schedules, and flow runs created from them.

Methods are keyword-shaped like Prefect's client methods of the same names. A deployment is
unique per (flow, name); creating one that exists updates it, as Prefect's API does. Runs
made from a deployment carry its ID, tags, work queue and merged parameters; parameters are
checked against the deployment's schema when the run is created, so a bad value is refused
before anything runs. An idempotency key is unique per flow (an index enforces it), so a
second create with the same key returns the first run — on both dialects, across processes.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._internal.ids import flow_id_for, new_id
from riverrun._store import convert
from riverrun._store import filters_sql as fs
from riverrun._store import tables as t
from riverrun._store.dialect import insert_or_ignore
from riverrun._store.events import deployment_changes, record_deployment_event
from riverrun._store.runs import RunStoreMixin
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas import actions as a
from riverrun.schemas import encoding
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.schemas.actions import as_schedule_create
from riverrun.schemas.schedules import SCHEDULE_TYPES
from riverrun.states import StateType

AUTO_SCHEDULED_TAG = "auto-scheduled"
_UNSET: Any = object()
# Deployment columns set from DeploymentCreate/Update fields of the same name, as JSON.
_JSON_FIELDS = ("tags", "parameters", "parameter_openapi_schema", "job_variables", "pull_steps")
_PLAIN_FIELDS = (
    "description", "version", "entrypoint", "path", "work_pool_name", "work_queue_name",
    "paused", "concurrency_limit", "enforce_parameter_schema", "catchup", "overlap",
)  # fmt: skip


def _dump(value: Any) -> str:
    # The one encoder: the same text for a datetime or bytes value as a server stores from a
    # request body (``str`` gave "b'...'" and a space-separated time, remote the ISO form).
    return encoding.dumps(value)


def _id(value: uuid.UUID | str) -> str:
    return str(value)


def _pool_and_queue_where(
    work_pool_filter: f.WorkPoolFilter | None, work_queue_filter: f.WorkQueueFilter | None
) -> list[Any]:
    """Deployments whose work pool matches ``work_pool_filter`` and whose work queue (the
    pool's ``default`` when it names none, as claims read it) matches ``work_queue_filter``."""
    from riverrun._store.work_pools import DEFAULT_QUEUE, work_pool_where
    from riverrun._store.work_queues import queue_clauses

    d, p, q = t.deployment.c, t.work_pool.c, t.work_queue.c
    where: list[Any] = []
    pools = work_pool_where(work_pool_filter)
    if pools is not None:
        where.append(d.work_pool_name.in_(sa.select(p.name).where(pools)))
    queues = queue_clauses(work_queue_filter)
    if queues:
        assert work_queue_filter is not None
        join = sa.or_ if work_queue_filter.operator == "or_" else sa.and_
        where.append(sa.exists().where(
            q.work_pool_id == p.id, p.name == d.work_pool_name,
            q.name == sa.func.coalesce(d.work_queue_name, DEFAULT_QUEUE), join(*queues),
        ))  # fmt: skip
    return where


def deployment_columns(fields: dict[str, Any]) -> dict[str, Any]:
    """Column values for the deployment fields given (create or update payload fields)."""
    values: dict[str, Any] = {}
    for name in _JSON_FIELDS:
        if name in fields:
            value = fields[name]
            values[name] = (
                None
                if value is None and name in ("parameter_openapi_schema", "pull_steps")
                else _dump(value if value is not None else ([] if name == "tags" else {}))
            )
    for name in _PLAIN_FIELDS:
        if name in fields:
            values[name] = fields[name]
    if "concurrency_options" in fields:
        opts = fields["concurrency_options"]
        values["concurrency_options"] = (
            None
            if opts is None
            else _dump(opts.model_dump(mode="json") if hasattr(opts, "model_dump") else opts)
        )
    if "catchup_window" in fields:
        window = fields["catchup_window"]
        values["catchup_window_seconds"] = None if window is None else _seconds(window)
    return values


def _seconds(value: timedelta | float | int) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def schedule_row(deployment_id: str, spec: a.DeploymentScheduleCreate, now: int) -> dict[str, Any]:
    """The ``deployment_schedule`` row of a schedule to create."""
    return {
        "id": new_id(),
        "deployment_id": deployment_id,
        "schedule": spec.schedule.model_dump_json(),
        "active": spec.active,
        "max_scheduled_runs": spec.max_scheduled_runs,
        "parameters": _dump(spec.parameters),
        "slug": spec.slug,
        "jitter_seconds": None if spec.jitter is None else spec.jitter.total_seconds(),
        "high_water": None,
        "created": now,
        "updated": now,
    }


class DeploymentStoreMixin(RunStoreMixin):
    """Create, read, change and delete deployments and schedules; make runs from them."""

    # -- flows -----------------------------------------------------------------------------
    def create_flow_from_name(self, flow_name: str) -> str:
        """The ID of the flow named ``flow_name``, creating its row if needed (idempotent)."""
        flow_id = flow_id_for(flow_name)
        now = now_us()
        with self.begin() as conn:
            conn.execute(
                insert_or_ignore(t.flow, self.is_sqlite).values(
                    id=flow_id, name=flow_name, tags="[]", created=now, updated=now
                )
            )
            found = conn.execute(sa.select(t.flow.c.id).where(t.flow.c.name == flow_name))
            return str(found.scalar_one())

    # -- deployments ---------------------------------------------------------------------------
    def create_deployment(
        self,
        flow_id: uuid.UUID | str,
        name: str,
        version: str | None = None,
        schedules: list[a.DeploymentScheduleCreate] | None = None,
        concurrency_limit: int | None = None,
        concurrency_options: o.ConcurrencyOptions | None = None,
        parameters: dict[str, Any] | None = None,
        description: str | None = None,
        work_queue_name: str | None = None,
        work_pool_name: str | None = None,
        tags: list[str] | None = None,
        path: str | None = None,
        entrypoint: str | None = None,
        parameter_openapi_schema: dict[str, Any] | None = None,
        paused: bool | None = None,
        pull_steps: list[dict[str, Any]] | None = None,
        enforce_parameter_schema: bool | None = None,
        job_variables: dict[str, Any] | None = None,
        catchup: str = "all",
        catchup_window: timedelta | None = None,
        overlap: str = "allow",
    ) -> str:
        """Create the deployment, or update it if the flow already has one of that name.

        Schedules given replace the deployment's schedules (see ``update_deployment``).
        Returns the deployment's ID.

        Raises:
            pydantic.ValidationError: a field is out of range (naming it).
        """
        payload = a.DeploymentCreate(
            flow_id=_id(flow_id), name=name, version=version, description=description,
            tags=list(tags or []), parameters=dict(parameters or {}),
            parameter_openapi_schema=parameter_openapi_schema,
            enforce_parameter_schema=True if enforce_parameter_schema is None else enforce_parameter_schema,
            entrypoint=entrypoint, path=path, work_pool_name=work_pool_name,
            work_queue_name=work_queue_name, job_variables=dict(job_variables or {}),
            pull_steps=pull_steps, paused=bool(paused),
            schedules=[as_schedule_create(x) for x in schedules or []],
            concurrency_limit=concurrency_limit,
            concurrency_options=concurrency_options,
            catchup=catchup,  # type: ignore[arg-type]
            catchup_window=None if catchup_window is None else timedelta(seconds=_seconds(catchup_window)),
            overlap=overlap,  # type: ignore[arg-type]
        )  # fmt: skip
        return self._upsert_deployment(payload)

    def _upsert_deployment(self, payload: a.DeploymentCreate) -> str:
        fields = payload.model_dump(exclude={"flow_id", "name", "schedules"})
        fields["concurrency_options"] = payload.concurrency_options
        columns = deployment_columns(fields)
        now = now_us()
        c = t.deployment.c
        with self.begin() as conn:
            if (
                conn.execute(sa.select(t.flow.c.id).where(t.flow.c.id == payload.flow_id)).first()
                is None
            ):
                raise ObjectNotFound(
                    f"No flow with ID {payload.flow_id!r}; create it first with "
                    "`create_flow_from_name(name)` (flow.to_deployment(...).apply() does)."
                )
            existing = conn.execute(
                sa.select(c.id).where(c.flow_id == payload.flow_id, c.name == payload.name)
            ).scalar()
            if existing is None:
                deployment_id = new_id()
                inserted = conn.execute(
                    insert_or_ignore(t.deployment, self.is_sqlite).values(
                        id=deployment_id, flow_id=payload.flow_id, name=payload.name,
                        created=now, updated=now, **columns,
                    ).returning(c.id)
                )  # fmt: skip
                if inserted.first() is None:  # created meanwhile by another process
                    existing = conn.execute(
                        sa.select(c.id).where(c.flow_id == payload.flow_id, c.name == payload.name)
                    ).scalar_one()
            before = None
            if existing is not None:
                deployment_id = str(existing)
                before = self._require_deployment(conn, deployment_id)
                conn.execute(t.deployment.update().where(c.id == deployment_id)
                             .values(updated=now, **columns))  # fmt: skip
            self._replace_schedules(conn, deployment_id, payload.schedules, now)
            if payload.paused:
                self._delete_future_auto_runs(conn, deployment_id, schedule_ids=None)
            self._deployment_event(conn, deployment_id, before)
        return deployment_id

    def _deployment_event(self, conn: Any, deployment_id: str, before: Any) -> None:
        """Record ``riverrun.deployment.created`` (no ``before``) or ``.updated`` (when a
        field changed), in the change's transaction."""
        after = self._require_deployment(conn, deployment_id)
        if before is None:
            record_deployment_event(conn, self.text, "created", after)
        elif changes := deployment_changes(before, after):
            record_deployment_event(conn, self.text, "updated", after, changes)

    def read_deployment(self, deployment_id: uuid.UUID | str) -> o.Deployment:
        """One deployment by ID, with its schedules.

        Raises:
            ObjectNotFound: no deployment has that ID.
        """
        found = self._deployments_where([t.deployment.c.id == _id(deployment_id)])
        if not found:
            raise ObjectNotFound(
                f"No deployment with ID {str(deployment_id)!r}. `riverrun deployment ls` lists them."
            )
        return found[0]

    def read_deployment_by_name(self, name: str) -> o.Deployment:
        """One deployment by ``"flow-name/deployment-name"``.

        Raises:
            ObjectNotFound: no such deployment (the closest names are suggested), or the
                name has no ``/``.
        """
        flow_name, sep, deployment_name = name.rpartition("/")
        if not sep or not flow_name or not deployment_name:
            raise ObjectNotFound(
                f"Deployment names are written 'flow-name/deployment-name', got {name!r}; "
                "`riverrun deployment ls` lists them."
            )
        query = (
            t.deployment.c.name == deployment_name,
            t.deployment.c.flow_id.in_(sa.select(t.flow.c.id).where(t.flow.c.name == flow_name)),
        )
        found = self._deployments_where(list(query))
        if found:
            return found[0]
        known = self._deployment_full_names()
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(repr(n) for n in close)}?" if close else ""
        raise ObjectNotFound(
            f"No deployment named {name!r}.{hint} `riverrun deployment ls` lists them."
        )

    def _deployment_full_names(self) -> list[str]:
        query = sa.select(t.flow.c.name, t.deployment.c.name).join(
            t.flow, t.flow.c.id == t.deployment.c.flow_id
        )
        with self.connect() as conn:
            return [f"{flow}/{dep}" for flow, dep in conn.execute(query)]

    def read_deployments(
        self,
        *,
        flow_filter: f.FlowFilter | None = None,
        flow_run_filter: f.FlowRunFilter | None = None,
        task_run_filter: f.TaskRunFilter | None = None,
        deployment_filter: f.DeploymentFilter | None = None,
        work_pool_filter: f.WorkPoolFilter | None = None,
        work_queue_filter: f.WorkQueueFilter | None = None,
        limit: int | None = None,
        sort: s.DeploymentSort | str | None = None,
        offset: int = 0,
    ) -> list[o.Deployment]:
        """Deployments matching every filter, by name by default, with their schedules.

        A flow-run or task-run filter keeps deployments that have a matching run; a work-pool
        or work-queue filter, those whose pool (or queue) matches it.
        """
        where = fs._all(fs.deployment_where(deployment_filter))
        where += _pool_and_queue_where(work_pool_filter, work_queue_filter)
        flow_w = fs.flow_where(flow_filter)
        if flow_w is not None:
            where.append(t.deployment.c.flow_id.in_(sa.select(t.flow.c.id).where(flow_w)))
        run_w = fs.flow_run_where(flow_run_filter)
        task_w = fs.task_run_where(task_run_filter)
        if run_w is not None or task_w is not None:
            runs = sa.select(t.flow_run.c.deployment_id).where(
                t.flow_run.c.deployment_id.is_not(None)
            )
            if run_w is not None:
                runs = runs.where(run_w)
            if task_w is not None:
                runs = runs.where(
                    t.flow_run.c.id.in_(sa.select(t.task_run.c.flow_run_id).where(task_w))
                )
            where.append(t.deployment.c.id.in_(runs))
        order = fs.order_by(sort, s.DeploymentSort.NAME_ASC)
        return self._deployments_where(where, order, limit, offset)

    def count_deployments(self, *, deployment_filter: f.DeploymentFilter | None = None) -> int:
        """How many deployments match the filter."""
        query = sa.select(sa.func.count()).select_from(t.deployment)
        query = query.where(*fs._all(fs.deployment_where(deployment_filter)))
        with self.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _deployments_where(
        self,
        where: list[Any],
        order: list[Any] | None = None,
        limit: int | None = None,
        offset: int | None = 0,
    ) -> list[o.Deployment]:
        query = sa.select(t.deployment).where(*where).order_by(*(order or [t.deployment.c.id]))
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self.connect() as conn:
            rows = list(conn.execute(query))
            ids = [r.id for r in rows]
            schedules: dict[str, list[o.DeploymentSchedule]] = {i: [] for i in ids}
            if ids:
                sc = t.deployment_schedule.c
                for row in conn.execute(
                    sa.select(t.deployment_schedule).where(sc.deployment_id.in_(ids))
                    .order_by(sc.created, sc.id)
                ):  # fmt: skip
                    schedules[row.deployment_id].append(convert.deployment_schedule(row))
        return [convert.deployment(r, schedules[r.id]) for r in rows]

    def update_deployment(
        self,
        deployment_id: uuid.UUID | str,
        deployment: a.DeploymentUpdate,
    ) -> None:
        """Change a deployment: the fields set on ``deployment``.

        ``schedules``, when given, replaces the deployment's schedules: one with the slug of
        an existing schedule updates it in place (keeping runs already made for times that
        still match); the others are created; existing ones not named are deleted with
        their future, not yet started runs.

        Raises:
            ObjectNotFound: no deployment has that ID.
        """
        update = deployment
        given = update.model_dump(exclude_unset=True, exclude={"schedules"})
        if "concurrency_options" in given:
            given["concurrency_options"] = update.concurrency_options
        columns = deployment_columns(given)
        dep_id = _id(deployment_id)
        now = now_us()
        with self.begin() as conn:
            before = self._require_deployment(conn, dep_id)
            conn.execute(
                t.deployment.update()
                .where(t.deployment.c.id == dep_id)
                .values(updated=now, **columns)
            )
            if "schedules" in update.model_fields_set and update.schedules is not None:
                self._replace_schedules(conn, dep_id, update.schedules, now)
            if given.get("paused"):
                self._delete_future_auto_runs(conn, dep_id, schedule_ids=None)
            self._deployment_event(conn, dep_id, before)

    def delete_deployment(self, deployment_id: uuid.UUID | str) -> None:
        """Delete a deployment, its schedules and its runs that have not started.

        Raises:
            ObjectNotFound: no deployment has that ID.
        """
        dep_id = _id(deployment_id)
        with self.begin() as conn:
            row = self._require_deployment(conn, dep_id)
            self._delete_unstarted_runs(conn, dep_id)
            conn.execute(t.deployment.delete().where(t.deployment.c.id == dep_id))
            record_deployment_event(conn, self.text, "deleted", row)

    def pause_deployment(self, deployment_id: uuid.UUID | str) -> None:
        """Stop scheduling the deployment; its future auto-scheduled runs are removed."""
        self.update_deployment(deployment_id, a.DeploymentUpdate(paused=True))

    def resume_deployment(self, deployment_id: uuid.UUID | str) -> None:
        """Schedule the deployment again."""
        self.update_deployment(deployment_id, a.DeploymentUpdate(paused=False))

    # -- schedules ----------------------------------------------------------------------------
    def create_deployment_schedules(
        self,
        deployment_id: uuid.UUID | str,
        schedules: list[a.DeploymentScheduleCreate],
        max_scheduled_runs: int | None = None,
        parameters: dict[str, Any] | None = None,
        slug: str | None = None,
    ) -> list[o.DeploymentSchedule]:
        """Add schedules to a deployment: ``(schedule, active)`` tuples or ``DeploymentScheduleCreate``.

        Raises:
            ObjectNotFound: no deployment has that ID.
            ObjectAlreadyExists: the deployment already has a schedule with that slug.
        """
        from riverrun.exceptions import ObjectAlreadyExists

        dep_id = _id(deployment_id)
        specs = []
        for item in schedules:
            spec = as_schedule_create(item)
            extra = {k: v for k, v in (("max_scheduled_runs", max_scheduled_runs),
                     ("parameters", parameters), ("slug", slug)) if v is not None}  # fmt: skip
            specs.append(spec.model_copy(update=extra) if extra else spec)
        now = now_us()
        rows = [schedule_row(dep_id, spec, now) for spec in specs]
        with self.begin() as conn:
            self._require_deployment(conn, dep_id)
            for row in rows:
                if (
                    row["slug"] is not None
                    and conn.execute(
                        sa.select(t.deployment_schedule.c.id).where(
                            t.deployment_schedule.c.deployment_id == dep_id,
                            t.deployment_schedule.c.slug == row["slug"],
                        )
                    ).first()
                ):
                    raise ObjectAlreadyExists(
                        f"Deployment {dep_id} already has a schedule with slug {row['slug']!r}; "
                        "update it with `update_deployment_schedule` or pick another slug."
                    )
                conn.execute(t.deployment_schedule.insert().values(**row))
        return [
            s for s in self.read_deployment_schedules(dep_id) if s.id in {r["id"] for r in rows}
        ]

    def read_deployment_schedules(
        self, deployment_id: uuid.UUID | str
    ) -> list[o.DeploymentSchedule]:
        """A deployment's schedules, oldest first.

        Raises:
            ObjectNotFound: no deployment has that ID.
        """
        return self.read_deployment(deployment_id).schedules

    def update_deployment_schedule(
        self,
        deployment_id: uuid.UUID | str,
        schedule_id: uuid.UUID | str,
        active: bool | None = None,
        schedule: SCHEDULE_TYPES | None = None,
        max_scheduled_runs: int | None = None,
        parameters: dict[str, Any] | None = None,
        slug: str | None = None,
        jitter: timedelta | None = None,
    ) -> None:
        """Change one schedule; a new timing or parameters replace its future unstarted runs.

        Raises:
            ObjectNotFound: the deployment has no schedule with that ID.
        """
        values: dict[str, Any] = {"updated": now_us()}
        if active is not None:
            values["active"] = active
        if schedule is not None:
            values["schedule"] = schedule.model_dump_json()
            values["high_water"] = None
        if max_scheduled_runs is not None:
            values["max_scheduled_runs"] = max_scheduled_runs
        if parameters is not None:
            values["parameters"] = _dump(parameters)
            values["high_water"] = None
        if slug is not None:
            values["slug"] = slug
        if jitter is not None:
            values["jitter_seconds"] = jitter.total_seconds()
        sc = t.deployment_schedule.c
        dep_id, sched_id = _id(deployment_id), _id(schedule_id)
        with self.begin() as conn:
            done = conn.execute(
                t.deployment_schedule.update()
                .where(sc.id == sched_id, sc.deployment_id == dep_id)
                .values(**values)
            )
            if done.rowcount == 0:
                raise _no_schedule(dep_id, sched_id)
            if schedule is not None or parameters is not None or active is False:
                self._delete_future_auto_runs(conn, dep_id, schedule_ids=[sched_id])

    def delete_deployment_schedule(
        self, deployment_id: uuid.UUID | str, schedule_id: uuid.UUID | str
    ) -> None:
        """Delete one schedule and its future, not yet started runs.

        Raises:
            ObjectNotFound: the deployment has no schedule with that ID.
        """
        sc = t.deployment_schedule.c
        dep_id, sched_id = _id(deployment_id), _id(schedule_id)
        with self.begin() as conn:
            self._delete_future_auto_runs(conn, dep_id, schedule_ids=[sched_id])
            done = conn.execute(
                t.deployment_schedule.delete().where(sc.id == sched_id, sc.deployment_id == dep_id)
            )
            if done.rowcount == 0:
                raise _no_schedule(dep_id, sched_id)

    def _replace_schedules(
        self, conn: Any, deployment_id: str, specs: Sequence[a.DeploymentScheduleCreate], now: int
    ) -> None:
        """Make the deployment's schedules exactly ``specs``, keeping those whose slug matches."""
        sc = t.deployment_schedule.c
        current = {
            row.slug: row
            for row in conn.execute(
                sa.select(t.deployment_schedule).where(sc.deployment_id == deployment_id)
            )
        }
        keep: list[str] = []
        for spec in specs:
            slug = spec.replaces or spec.slug
            old = current.get(slug) if slug is not None else None
            if old is None:
                conn.execute(
                    t.deployment_schedule.insert().values(**schedule_row(deployment_id, spec, now))
                )
                continue
            keep.append(old.id)
            new = schedule_row(deployment_id, spec, now)
            changed = new["schedule"] != old.schedule or new["parameters"] != old.parameters
            values = {k: new[k] for k in ("schedule", "active", "max_scheduled_runs",
                                          "parameters", "slug", "jitter_seconds")}  # fmt: skip
            values["updated"] = now
            if changed:
                values["high_water"] = None
            conn.execute(t.deployment_schedule.update().where(sc.id == old.id).values(**values))
            if changed or not spec.active:
                self._delete_future_auto_runs(conn, deployment_id, schedule_ids=[old.id])
        dropped = [row.id for row in current.values() if row.id not in keep]
        if dropped:
            self._delete_future_auto_runs(conn, deployment_id, schedule_ids=dropped)
            conn.execute(t.deployment_schedule.delete().where(sc.id.in_(dropped)))

    def _delete_future_auto_runs(
        self, conn: Any, deployment_id: str, schedule_ids: list[str] | None
    ) -> None:
        """Remove auto-scheduled runs not started and not yet Late (Late ones run or are skipped)."""
        fr = t.flow_run.c
        where = [
            fr.deployment_id == deployment_id,
            fr.state_type == StateType.SCHEDULED.value,
            fr.state_name == "Scheduled",
            fr.deployment_schedule_id.is_not(None),
        ]
        if schedule_ids is not None:
            where.append(fr.deployment_schedule_id.in_(schedule_ids))
        conn.execute(t.flow_run.delete().where(*where))

    def _delete_unstarted_runs(self, conn: Any, deployment_id: str) -> None:
        fr = t.flow_run.c
        conn.execute(
            t.flow_run.delete().where(
                fr.deployment_id == deployment_id, fr.state_type == StateType.SCHEDULED.value
            )
        )

    def _require_deployment(self, conn: Any, deployment_id: str) -> Any:
        row = conn.execute(
            sa.select(t.deployment).where(t.deployment.c.id == deployment_id)
        ).first()
        if row is None:
            raise _no_deployment(deployment_id)
        return row


def _no_deployment(deployment_id: str) -> ObjectNotFound:
    return ObjectNotFound(
        f"No deployment with ID {deployment_id!r}. `riverrun deployment ls` lists them."
    )


def _no_schedule(deployment_id: str, schedule_id: str) -> ObjectNotFound:
    return ObjectNotFound(
        f"Deployment {deployment_id!r} has no schedule with ID {schedule_id!r}. "
        "`riverrun deployment schedule ls FLOW/DEPLOYMENT` lists them."
    )
