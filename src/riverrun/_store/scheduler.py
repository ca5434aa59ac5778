"""The scheduler's core, at store level: materialise schedules, mark late runs, claim due runs.

Used by ``serve()`` with the embedded store (no server) and by the server's services alike.
Every step is safe with several processes or replicas on one database: scheduled runs carry
an idempotency key per (schedule, time) under a unique index, so a second insert is a no-op;
claiming moves a run out of Scheduled with a conditional UPDATE, so only one claimer wins.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import from_us, now_us
from riverrun._internal.ids import new_id
from riverrun._internal.names import generate_run_name
from riverrun._scheduling import policy
from riverrun._scheduling.future_dates import FutureDates
from riverrun._store import tables as t
from riverrun._store.deployment_runs import (
    DeploymentRunStoreMixin,
    flow_run_row,
    insert_tagged_flow_runs,
)
from riverrun._store.deployments import AUTO_SCHEDULED_TAG, _dump
from riverrun.schemas import objects as o
from riverrun.schemas.schedules import parse_schedule
from riverrun.states import State, StateType

# Prefect's scheduler bounds (PREFECT_API_SERVICES_SCHEDULER_*).
MIN_RUNS, MAX_RUNS = 3, 100
MIN_TIME, MAX_TIME = timedelta(hours=1), timedelta(days=100)

SCHEDULES_PER_TRANSACTION = 200

_future_dates = FutureDates()


@dataclass
class _Plan:
    """One schedule's runs to insert, and the high-water mark they reach."""

    schedule_id: str
    runs: list[tuple[dict[str, Any], State]]
    tags: list[str]
    high_water: int


def _state(type_: StateType, name: str, message: str | None = None, **details: Any) -> State:
    return State(type=type_, name=name, message=message, state_details=details)


def _parsed(text: str) -> Any:
    """The schedule a stored definition describes."""
    return parse_schedule(json.loads(text))


_RAISE_HIGH_WATER = (
    t.deployment_schedule.update()
    .where(
        t.deployment_schedule.c.id == sa.bindparam("schedule_id"),
        sa.or_(t.deployment_schedule.c.high_water.is_(None),
               t.deployment_schedule.c.high_water < sa.bindparam("mark")),
    )
    .values(high_water=sa.bindparam("mark"))
)  # fmt: skip


def _write_plans(conn: Any, is_sqlite: bool, plans: list[_Plan]) -> int:
    """Insert the planned runs of many schedules and raise their high-water marks.

    A few statements for the lot, not four per schedule: in the steady state each schedule
    adds one run, and with 10,000 schedules the statements' own cost was most of a pass.
    """
    runs = [(row, state, plan.tags) for plan in plans for row, state in plan.runs]
    created = insert_tagged_flow_runs(conn, is_sqlite, runs)
    conn.execute(
        _RAISE_HIGH_WATER,
        [{"schedule_id": plan.schedule_id, "mark": plan.high_water} for plan in plans],
    )
    return created


class SchedulerStoreMixin(DeploymentRunStoreMixin):
    """Scheduling steps over the store; each is one or a few short transactions."""

    def schedule_deployment_runs(
        self, deployment_ids: Sequence[str] | None = None, now: int | None = None
    ) -> int:
        """Create the upcoming runs of every active schedule of unpaused deployments.

        Keeps each schedule materialised ahead within Prefect's bounds (at least 3 runs and
        1 hour, at most 100 runs and 100 days), tagged ``auto-scheduled``. Idempotent.

        Returns:
            How many runs were created (0 when another process had created them).
        """
        current = now if now is not None else now_us()
        d, sc = t.deployment.c, t.deployment_schedule.c
        # Only the columns a plan reads: a pass reads every schedule, and a deployment's
        # parameter schema and description are most of its row.
        query = (
            sa.select(d.id, d.flow_id, d.version, d.work_pool_name, d.work_queue_name,
                      d.parameters, d.tags, d.catchup, d.catchup_window_seconds,
                      sc.id.label("schedule_id"), sc.schedule,
                      sc.parameters.label("schedule_parameters"),
                      sc.max_scheduled_runs, sc.jitter_seconds, sc.high_water)
            .join(t.deployment_schedule, sc.deployment_id == d.id)
            .where(d.paused.is_(False), sc.active.is_(True))
        )  # fmt: skip
        if deployment_ids is not None:
            query = query.where(d.id.in_(list(deployment_ids)))
        with self.connect() as conn:
            rows = list(conn.execute(query))
        created = 0
        # Many schedules a transaction: in the steady state each adds a run or two, and a
        # commit apiece would cost more than the inserts. Planned a chunk at a time, so a
        # first pass over 10,000 deployments never holds all their runs in memory.
        for first in range(0, len(rows), SCHEDULES_PER_TRANSACTION):
            chunk = rows[first : first + SCHEDULES_PER_TRANSACTION]
            plans = [p for p in (self._plan(row, current) for row in chunk) if p is not None]
            if plans:
                with self.begin() as conn:
                    created += _write_plans(conn, self.is_sqlite, plans)
        return created

    def _plan(self, row: Any, now: int) -> _Plan | None:
        """The runs one schedule needs now, or None."""
        limit = min(row.max_scheduled_runs or MAX_RUNS, MAX_RUNS)
        start = now
        window = row.catchup_window_seconds
        if row.high_water is not None and row.high_water < now and row.catchup == "all":
            # Times between the high-water mark and now were never materialised (no
            # scheduler ran): catch them up, as far back as the catchup window allows.
            start = row.high_water + 1
            if window is not None:
                start = max(start, now - int(window * 1_000_000))
        end = now + int(MAX_TIME.total_seconds() * 1_000_000)
        if start == now:
            # The steady state: only the dates past those of the last pass are computed, and
            # the schedule is parsed only when some are (parsing was a third of a pass).
            upcoming = _future_dates.upcoming(
                (row.schedule_id, row.schedule),
                lambda s, e, n: _parsed(row.schedule).get_dates(n=n, start=s, end=e),
                now, end, limit,
            )  # fmt: skip
        else:
            schedule = _parsed(row.schedule)
            dates = schedule.get_dates(n=limit, start=from_us(start), end=from_us(end))
            upcoming = [int(x.timestamp() * 1_000_000) for x in dates]
        stamps = policy.materialise_window(
            upcoming, now, MIN_RUNS, int(MIN_TIME.total_seconds() * 1_000_000)
        )
        if row.high_water is not None and row.high_water >= now:
            # Already ahead: only top up to the minimum, never re-create what was deleted.
            stamps = [s for s in stamps if s > row.high_water]
        if not stamps:
            return None
        parameters = {
            **json.loads(row.parameters or "{}"),
            **json.loads(row.schedule_parameters or "{}"),
        }
        tags = sorted(set(json.loads(row.tags or "[]")) | {AUTO_SCHEDULED_TAG})
        runs = []
        for when in stamps:
            expected = when + policy.jitter_us(row.schedule_id, when, row.jitter_seconds)
            state = _state(StateType.SCHEDULED, "Scheduled", scheduled_time=from_us(expected))
            run = flow_run_row(
                new_id(), row, generate_run_name(), parameters, tags, state, now_us(),
                idempotency_key=f"scheduled {row.id} {row.schedule_id} {from_us(when).isoformat()}",
                work_queue_name=row.work_queue_name, deployment_schedule_id=row.schedule_id,
            )  # fmt: skip
            runs.append((run, state))
        return _Plan(row.schedule_id, runs, tags, max(stamps))

    def mark_late_runs(self, now: int | None = None) -> int:
        """Move Scheduled runs not started 15 s after their time to ``Late`` (once each)."""
        current = now if now is not None else now_us()
        fr = t.flow_run.c
        query = sa.select(fr.id, fr.expected_start_time).where(
            fr.state_type == StateType.SCHEDULED.value, fr.state_name == "Scheduled",
            fr.deployment_id.is_not(None),
            fr.expected_start_time < current - policy.LATE_AFTER_US,
        )  # fmt: skip
        with self.connect() as conn:
            rows = list(conn.execute(query))
        moved = 0
        for run_id, expected in rows:
            late = _state(StateType.SCHEDULED, "Late", scheduled_time=from_us(expected))
            moved += self._move(run_id, late, from_types=("SCHEDULED",), from_names=("Scheduled",))
        return moved

    def claim_deployment_runs(
        self, deployment_ids: list[str], limit: int | None = None, now: int | None = None
    ) -> list[o.FlowRun]:
        """Due runs of these deployments, moved to Pending for the caller to start.

        Applies each deployment's catchup and overlap policies first: skipped runs become
        ``Cancelled(name="Skipped")`` with the reason; runs to cancel (``cancel_other``) are
        moved to Cancelling for their process to stop. Also records that the deployments
        were polled (``last_polled``).
        """
        current = now if now is not None else now_us()
        ids = list(deployment_ids)
        if not ids:
            return []
        d = t.deployment.c
        due = [i for i in ids if not self.poll_recorded(f"deployment:{i}", current)[0]]
        if due:
            with self.begin() as conn:
                conn.execute(t.deployment.update().where(d.id.in_(due)).values(last_polled=current))
            for i in due:
                self.note_poll(f"deployment:{i}", current)
        starting = self.apply_run_policies(ids, current)
        fr = t.flow_run.c
        with self.connect() as conn:
            deps = {r.id: r for r in conn.execute(sa.select(t.deployment).where(d.id.in_(ids)))}
            deployment_of = dict(conn.execute(  # type: ignore[arg-type]
                sa.select(fr.id, fr.deployment_id).where(fr.id.in_(starting))
            ).all()) if starting else {}  # fmt: skip
        claimed: list[str] = []
        for run_id in starting:
            if limit is not None and len(claimed) >= limit:
                break
            dep = deps[deployment_of[run_id]]
            if dep.concurrency_limit:
                if self._claim_with_slot(run_id, dep):
                    claimed.append(run_id)
            elif self._move(
                run_id, _state(StateType.PENDING, "Pending"), from_types=("SCHEDULED",)
            ):
                claimed.append(run_id)
        return [self.read_flow_run(run_id) for run_id in claimed]

    def _claim_with_slot(self, run_id: str, dep: Any) -> bool:
        """Claim a run of a deployment with a concurrency limit in its own transaction (see
        ``claim_with_deployment_slot``)."""
        try:
            with self.begin() as conn:
                pending = _state(StateType.PENDING, "Pending")
                return claim_with_deployment_slot(conn, run_id, dep, pending, self.is_sqlite)
        except RunTakenError:
            return False

    def apply_run_policies(self, ids: list[str], current: int) -> list[str]:
        """Apply the deployments' catchup and overlap policies to their due runs.

        Skipped runs become ``Cancelled(name="Skipped")`` with the reason; runs to cancel
        (``cancel_other``) move to Cancelling. Returns the due runs that may start, in order.
        """
        fr, d = t.flow_run.c, t.deployment.c
        with self.connect() as conn:
            deps = {r.id: r for r in conn.execute(sa.select(t.deployment).where(d.id.in_(ids)))}
            runs = list(conn.execute(
                sa.select(fr.id, fr.deployment_id, fr.state_type, fr.expected_start_time,
                          fr.deployment_schedule_id)
                .where(fr.deployment_id.in_(ids),
                       fr.state_type.in_(("SCHEDULED", "PENDING", "RUNNING")))
            ))  # fmt: skip
        starting: list[str] = []
        for dep_id, dep in deps.items():
            mine = [r for r in runs if r.deployment_id == dep_id]
            due = [policy.DueRun(r.id, r.expected_start_time or 0, r.deployment_schedule_id is not None)
                   for r in mine if r.state_type == "SCHEDULED" and (r.expected_start_time or 0) <= current]  # fmt: skip
            if not due:
                continue
            active = [r.id for r in mine if r.state_type in ("PENDING", "RUNNING")]
            window = dep.catchup_window_seconds
            decision = policy.decide(due, active, current, dep.catchup,
                                     None if window is None else int(window * 1e6), dep.overlap)  # fmt: skip
            for run_id, reason in decision.skip:
                skipped = _state(StateType.CANCELLED, "Skipped", f"Skipped: {reason}.")
                self._move(run_id, skipped, from_types=("SCHEDULED",))
            for run_id in decision.cancel:
                cancelling = _state(StateType.CANCELLING, "Cancelling",
                                    "Cancelled by a newer run (overlap=cancel_other).")  # fmt: skip
                self._move(run_id, cancelling, from_types=("PENDING", "RUNNING"))
            starting += decision.start
        return starting

    def _move(
        self,
        run_id: str,
        state: State,
        from_types: tuple[str, ...],
        from_names: tuple[str, ...] | None = None,
    ) -> int:
        """Put a run in ``state`` only if it is still in one of ``from_types``: 1 if it moved."""
        with self.begin() as conn:
            return move_run(conn, run_id, state, from_types, from_names)


@functools.lru_cache(maxsize=8)
def _move_statement(with_names: bool, final: bool) -> Any:
    """``move_run``'s UPDATE, built once per shape: a claim moves thousands of runs, and
    building and keying the statement anew each time was most of a claim's CPU."""
    fr = t.flow_run.c
    where = [fr.id == sa.bindparam("run_id"),
             fr.state_type.in_(sa.bindparam("from_types", expanding=True))]  # fmt: skip
    if with_names:
        where.append(fr.state_name.in_(sa.bindparam("from_names", expanding=True)))
    return (
        t.flow_run.update().where(*where).values(
            state_id=sa.bindparam("new_state_id"), state_type=sa.bindparam("new_state_type"),
            state_name=sa.bindparam("new_state_name"),
            state_timestamp=sa.bindparam("new_state_timestamp"),
            state_message=sa.bindparam("new_state_message"),
            updated=sa.bindparam("new_state_timestamp"),
            end_time=sa.bindparam("new_state_timestamp") if final else fr.end_time,
        ).returning(fr.id)
    )  # fmt: skip


def move_run(
    conn: Any,
    run_id: str,
    state: State,
    from_types: tuple[str, ...],
    from_names: tuple[str, ...] | None = None,
) -> int:
    """In ``conn``'s transaction, put a run in ``state`` if it is still in one of ``from_types``."""
    stored = state.to_dict()
    params = {
        "run_id": run_id, "from_types": list(from_types), "new_state_id": state.id,
        "new_state_type": state.type.value, "new_state_name": state.name,
        "new_state_timestamp": state.timestamp_us, "new_state_message": state.message,
    }  # fmt: skip
    if from_names is not None:
        params["from_names"] = list(from_names)
    done = conn.execute(_move_statement(from_names is not None, state.is_final()), params)
    if done.first() is None:
        return 0
    conn.execute(t.flow_run_state.insert(), {
        "id": state.id, "flow_run_id": run_id, "type": stored["type"], "name": stored["name"],
        "timestamp": state.timestamp_us, "message": stored["message"], "data": None,
        "state_details": _dump(stored["state_details"]),
    })  # fmt: skip
    return 1


class RunTakenError(Exception):
    """The run left Scheduled after its slot was taken: the caller's transaction rolls back."""


def claim_with_deployment_slot(
    conn: Any, run_id: str, dep: Any, pending: Any, is_sqlite: bool
) -> bool:
    """Claim a run of a deployment with a concurrency limit, in the caller's transaction: its
    slot and its move to ``pending``. At the limit, ENQUEUE leaves it Scheduled (named
    ``AwaitingConcurrencySlot``, claimed when a slot frees) and CANCEL_NEW cancels it. The one
    path shared by ``serve()``'s claim and the workers' claim.

    Raises:
        RunTakenError: the run was claimed by another claimer meanwhile; the slot taken here
            must be rolled back with the caller's transaction.
    """
    from riverrun._store.concurrency import take_deployment_slot

    if take_deployment_slot(conn, dep.id, run_id, dep.concurrency_limit, is_sqlite=is_sqlite):
        if not move_run(conn, run_id, pending, ("SCHEDULED",)):
            raise RunTakenError(run_id)
        return True
    options = json.loads(dep.concurrency_options) if dep.concurrency_options else {}
    if options.get("collision_strategy") == "CANCEL_NEW":
        cancelled = _state(
            StateType.CANCELLED, "Cancelled", "Deployment concurrency limit reached."
        )
        move_run(conn, run_id, cancelled, ("SCHEDULED",))
    else:
        waiting = _state(StateType.SCHEDULED, "AwaitingConcurrencySlot",
                         "Deployment concurrency limit reached.")  # fmt: skip
        move_run(conn, run_id, waiting, ("SCHEDULED",), ("Scheduled", "Late"))
    return False
