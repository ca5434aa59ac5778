"""Claiming a work pool's due runs for a worker, and the long poll that waits for them.

A claim is one write transaction: the pool's due ``Scheduled`` runs of its unpaused queues,
by queue priority then expected start, move to ``Pending`` with the worker as their owner,
within the pool's and each queue's concurrency limit. Two claimers never get the same run:
on PostgreSQL the candidate rows are locked ``FOR UPDATE SKIP LOCKED`` (a second claimer
skips them and takes the next ones) and the move is conditional on the run still being
Scheduled; on SQLite the write transaction is ``BEGIN IMMEDIATE``, the single writer.
When the pool or a queue has a limit, claims of that pool are serialised on the pool's row
(``FOR UPDATE``) so that two claimers cannot both count the same free slot.

A long poll (``wait`` > 0) that finds nothing parks on one condition variable of its
``Store``; it costs no database statement until something wakes it: a run created, a run
reaching a final state (a slot freed), a pool or queue resumed or its limit changed, the
next scheduled run of the pool coming due, a run whose lease expired (back to ``Scheduled``,
or ``Crashed`` with its slots freed) — and, on PostgreSQL, a ``NOTIFY`` from another
process on the same database (one ``LISTEN`` connection per process, not per waiter), so
two API replicas wake each other's waiters.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._internal.ids import new_id
from riverrun._store import tables as t
from riverrun._store.dialect import insert_or_ignore
from riverrun._store.leases import LeaseExpiry, LeaseStoreMixin, grant_run_lease
from riverrun._store.scheduler import (
    SchedulerStoreMixin,
    _state,
    claim_with_deployment_slot,
    move_run,
)
from riverrun._store.work_pools import ACTIVE_TYPES, DEFAULT_QUEUE
from riverrun._store.workers import WorkerStoreMixin
from riverrun.exceptions import InvalidWorkPoolError
from riverrun.schemas import objects as o
from riverrun.states import State, StateType

CHANNEL = "riverrun_claims"
MAX_WAIT_S = 60.0  # a longer poll would outlive proxies' idle timeouts
DEFAULT_CLAIM_LIMIT = 100
MAX_LEASE_S = 86_400.0  # longer would outlive any sweep worth having, and 1e308 overflows
_FINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "CRASHED"})
GONE_CHECK_S = 1.0

requester_gone: ContextVar[Callable[[], bool] | None] = ContextVar(
    "riverrun_claim_requester_gone", default=None
)
"""Set by a caller that can tell its requester has hung up (the server: the worker's
connection closed). A long poll then ends without claiming: a worker killed while parked
would otherwise be handed the next run, which would wait Pending for its lease to expire."""


class _Wakeups:
    """A generation counter under a condition: waiters sleep until it moves or time is up."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.generation = 0
        self.listener: threading.Thread | None = None

    def bump(self) -> None:
        with self.cond:
            self.generation += 1
            self.cond.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.generation != seen, timeout=timeout)


class ClaimStoreMixin(WorkerStoreMixin, SchedulerStoreMixin, LeaseStoreMixin):
    """Claims of a pool's runs, and the wake-ups of long polls."""

    @property
    def _wakeups(self) -> _Wakeups:
        found = self.__dict__.get("_wakeups_obj")
        if found is None:
            found = self.__dict__.setdefault("_wakeups_obj", _Wakeups())
        return found  # type: ignore[no-any-return]

    # -- waking ------------------------------------------------------------------------------------
    def wake_claimers(self) -> None:
        """Wake this process's parked claims, and (PostgreSQL) every other process's."""
        self._wakeups.bump()
        if not self.is_sqlite:
            with self.engine.connect() as conn:
                conn.execute(sa.text(f"NOTIFY {CHANNEL}"))
                conn.commit()

    def ingest(self, events: list[dict[str, Any]]) -> None:
        """Write events (``StoreBase.ingest``); wake claims when a run ended or was created
        for a pool."""
        super().ingest(events)
        for event in events:
            kind = event.get("kind")
            if (kind == "flow_run_state" and event.get("type") in _FINAL) or (
                kind == "flow_run" and event.get("work_pool_name")
            ):
                self.wake_claimers()
                return

    def set_flow_run_state(
        self, flow_run_id: Any, state: State, force: bool = False
    ) -> o.OrchestrationResult:
        """Propose a state (``RunStoreMixin``); a final one frees slots, so claims wake."""
        result = super().set_flow_run_state(flow_run_id, state, force)
        if state.type.value in _FINAL and result.status == "ACCEPT":
            self.wake_claimers()
        return result

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
        """A run of a deployment (``DeploymentRunStoreMixin``); claims of its pool wake."""
        run = super().create_flow_run_from_deployment(
            deployment_id, parameters=parameters, context=context, state=state, name=name,
            tags=tags, idempotency_key=idempotency_key, parent_task_run_id=parent_task_run_id,
            work_queue_name=work_queue_name, job_variables=job_variables, labels=labels,
        )  # fmt: skip
        if run.work_pool_name:
            self.wake_claimers()
        return run

    def expire_run_leases(
        self, now_us: int | None = None, limit: int = 1000, unleased_after_us: int | None = None
    ) -> LeaseExpiry:
        """Act on expired leases (``LeaseStoreMixin``); claims wake when a run went back to
        Scheduled or crashed (its slots freed), so a waiting worker takes it at once."""
        done = super().expire_run_leases(now_us, limit, unleased_after_us)
        if done.crashed or done.rescheduled:
            self.wake_claimers()
        return done

    def schedule_deployment_runs(self, deployment_ids: Any = None, now: int | None = None) -> int:
        """Materialise schedules (``SchedulerStoreMixin``); claims wake when runs were made."""
        created = super().schedule_deployment_runs(deployment_ids, now)
        if created:
            self.wake_claimers()
        return created

    def _listen(self) -> None:
        """Start this process's one LISTEN connection (PostgreSQL), if not yet running."""
        wakeups = self._wakeups
        with wakeups.cond:
            if self.is_sqlite or (wakeups.listener is not None and wakeups.listener.is_alive()):
                return
            wakeups.listener = threading.Thread(
                target=_listen_loop, args=(self.url, wakeups), daemon=True,
                name="riverrun-claim-listener",
            )  # fmt: skip
            wakeups.listener.start()

    # -- claiming ----------------------------------------------------------------------------------
    def claim_work_pool_runs(
        self,
        work_pool_name: str,
        worker_name: str,
        work_queue_names: list[str] | None = None,
        limit: int | None = None,
        lease_seconds: float = 30.0,
        wait: float = 0.0,
    ) -> list[o.WorkerFlowRunResponse]:
        """Claim due runs for ``worker_name``; see ``WorkPoolsAPI.claim_work_pool_runs``."""
        if limit is not None and limit < 1:
            raise InvalidWorkPoolError(
                f"limit must be at least 1, got {limit} (0 would never claim)."
            )
        if not 0 < lease_seconds <= MAX_LEASE_S:
            raise InvalidWorkPoolError(
                f"lease_seconds must be positive and at most {MAX_LEASE_S:.0f} (a day), got "
                f"{lease_seconds}: a lease is renewed, so a short one is enough."
            )
        deadline = time.monotonic() + max(0.0, min(wait, MAX_WAIT_S))
        gone = requester_gone.get() if wait > 0 else None
        if wait > 0:
            self._listen()
        while True:
            if gone is not None and gone():
                return []
            seen = self._wakeups.generation
            claimed, next_due_us = self._claim_once(
                work_pool_name, worker_name, work_queue_names, limit, lease_seconds
            )
            remaining = deadline - time.monotonic()
            if claimed or remaining <= 0:
                return claimed
            if next_due_us is not None:
                remaining = min(remaining, max(0.0, (next_due_us - now_us()) / 1e6) + 0.01)
            self._park(seen, remaining, gone)

    def _park(self, seen: int, seconds: float, gone: Callable[[], bool] | None) -> None:
        """Wait for a wake-up or ``seconds``; with ``gone``, end early once the requester has
        hung up (looked at every second: no database statement meanwhile)."""
        until = time.monotonic() + seconds
        while self._wakeups.generation == seen and (left := until - time.monotonic()) > 0:
            if gone is not None and gone():
                return
            self._wakeups.wait(seen, left if gone is None else min(left, GONE_CHECK_S))

    def _claim_once(
        self,
        pool_name: str,
        worker_name: str,
        queue_names: list[str] | None,
        limit: int | None,
        lease_seconds: float,
    ) -> tuple[list[o.WorkerFlowRunResponse], int | None]:
        """One claim transaction: (what was claimed, when the next scheduled run is due)."""
        now = now_us()
        want = limit if limit is not None else DEFAULT_CLAIM_LIMIT
        with self.connect() as conn:
            pool = self._pool_row(conn, pool_name)
            queues = {} if pool.is_paused else self._claimable_queues(conn, pool.id, queue_names)
        if not queues:
            return [], None
        restricted, allowed = self._policy_filter(pool.name, queues, now)
        picked: list[tuple[str, str]] = []
        tokens: dict[str, int] = {}
        ttl_us = int(lease_seconds * 1_000_000)
        with self.begin() as conn:
            worker_id = self._claiming_worker(conn, pool.id, worker_name, now)
            owner = f"worker:{worker_id}"
            limited = pool.concurrency_limit is not None or any(
                q.concurrency_limit is not None for q in queues.values()
            )
            if limited and not self.is_sqlite:
                conn.execute(
                    sa.select(t.work_pool.c.id).where(t.work_pool.c.id == pool.id).with_for_update()
                )
            pool_free, queue_free = self._free_slots(conn, pool, queues) if limited else (None, {})
            # Candidates beyond ``want``: some may be held back by a queue limit or a policy.
            query = self._due_query(pool.name, queues, now).limit(want * 2 + 20)
            if not self.is_sqlite:
                query = query.with_for_update(skip_locked=True, of=t.flow_run)
            candidates = conn.execute(query).all()
            limited_deps = self._limited_deployments(conn, {row[1] for row in candidates})
            for run_id, deployment_id, queue in candidates:
                if len(picked) >= want or (pool_free is not None and pool_free <= 0):
                    break
                if deployment_id in restricted and run_id not in allowed:
                    continue
                if queue_free.get(queue, 1) <= 0:
                    continue
                pending = _state(StateType.PENDING, "Pending", worker_name=worker_name)
                dep = limited_deps.get(deployment_id)
                if dep is not None:
                    # The candidates are locked (PostgreSQL) or this is the only writer
                    # (SQLite), so RunTakenError cannot happen here; if it did, the claim
                    # rolls back whole and the worker claims again.
                    if not claim_with_deployment_slot(conn, run_id, dep, pending, self.is_sqlite):
                        continue
                elif not move_run(conn, run_id, pending, from_types=("SCHEDULED",)):
                    continue
                tokens[run_id] = grant_run_lease(conn, run_id, owner, ttl_us, now)
                picked.append((run_id, queue))
                if pool_free is not None:
                    pool_free -= 1
                if queue in queue_free:
                    queue_free[queue] -= 1
            due = [q.id for q in queues.values() if not self.poll_recorded(f"queue:{q.id}", now)[0]]
            if due:
                conn.execute(
                    t.work_queue.update().where(t.work_queue.c.id.in_(due)).values(last_polled=now)
                )
        # Once committed: a claim rolled back recorded nothing.
        worker_key = f"worker:{pool.id}:{worker_name}"
        if not self.poll_recorded(worker_key, now)[0]:  # touched by this claim
            self.note_poll(worker_key, now, worker_id)
        for queue_id in due:
            self.note_poll(f"queue:{queue_id}", now)
        next_due = None if picked else self._next_due(pool.name, queues, now)
        claimed = self._worker_runs(pool.id, queues, picked)
        for item in claimed:
            item.lease_token = tokens.get(item.flow_run.id)
        return claimed, next_due

    def _limited_deployments(self, conn: Any, ids: set[str | None]) -> dict[str, Any]:
        """The rows of these deployments that have a concurrency limit, by ID."""
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        d = t.deployment.c
        rows = conn.execute(
            sa.select(t.deployment).where(d.id.in_(wanted), d.concurrency_limit.is_not(None))
        )
        return {row.id: row for row in rows if row.concurrency_limit}

    def _claiming_worker(self, conn: Any, pool_id: str, worker_name: str, now: int) -> str:
        """The worker's ID (a claim is also a heartbeat: its record is made or touched)."""
        recent, known = self.poll_recorded(f"worker:{pool_id}:{worker_name}", now)
        if recent:
            return str(known)
        w = t.worker.c
        conn.execute(insert_or_ignore(t.worker, self.is_sqlite).values(
            id=new_id(), work_pool_id=pool_id, name=worker_name, last_heartbeat_time=now,
            created=now, updated=now,
        ))  # fmt: skip
        worker_id = str(conn.execute(
            t.worker.update().where(w.work_pool_id == pool_id, w.name == worker_name)
            .values(last_heartbeat_time=now, updated=now).returning(w.id)
        ).scalar_one())  # fmt: skip
        return worker_id

    def _free_slots(
        self, conn: Any, pool: Any, queues: dict[str, Any]
    ) -> tuple[int | None, dict[str, int]]:
        """Free slots of the pool and of each limited queue: the limit minus the runs that
        hold a live lease in an active state (a run whose holder died frees its slot when its
        lease expires, even before the sweeper marks it)."""
        fr = t.flow_run.c
        queue = sa.func.coalesce(fr.work_queue_name, DEFAULT_QUEUE)
        counts = dict(
            conn.execute(
                sa.select(queue, sa.func.count())
                .where(
                    fr.work_pool_name == pool.name, fr.state_type.in_(ACTIVE_TYPES),
                    fr.lease_owner.is_not(None), fr.lease_expires > now_us(),
                )
                .group_by(queue)
            ).all()
        )  # fmt: skip
        pool_free = None
        if pool.concurrency_limit is not None:
            pool_free = pool.concurrency_limit - sum(counts.values())
        queue_free = {
            name: q.concurrency_limit - counts.get(name, 0)
            for name, q in queues.items()
            if q.concurrency_limit is not None
        }
        return pool_free, queue_free

    def _policy_filter(
        self, pool_name: str, queues: dict[str, Any], now: int
    ) -> tuple[set[str], set[str]]:
        """(deployments with a catchup/overlap policy among the due runs, their runs that may
        start): the same decision ``claim_deployment_runs`` makes, applied first."""
        fr, d = t.flow_run.c, t.deployment.c
        due = self._due_query(pool_name, queues, now).subquery()
        with self.connect() as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    sa.select(d.id).where(
                        d.id.in_(sa.select(due.c.deployment_id)),
                        sa.or_(d.catchup != "all", d.overlap != "allow"),
                    )
                )
            ]
        del fr
        if not ids:
            return set(), set()
        return set(ids), set(self.apply_run_policies(ids, now))

    def _next_due(self, pool_name: str, queues: dict[str, Any], now: int) -> int | None:
        fr = t.flow_run.c
        queue = sa.func.coalesce(fr.work_queue_name, DEFAULT_QUEUE)
        with self.connect() as conn:
            return conn.execute(  # type: ignore[no-any-return]
                sa.select(sa.func.min(fr.expected_start_time)).where(
                    fr.work_pool_name == pool_name, fr.state_type == "SCHEDULED",
                    fr.expected_start_time > now, queue.in_(list(queues)),
                )
            ).scalar_one_or_none()  # fmt: skip


def _listen_loop(url: str, wakeups: _Wakeups) -> None:
    """LISTEN on the claims channel and bump the waiters on each notification (reconnects)."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    while True:
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                wakeups.bump()  # anything missed while (re)connecting is looked at again
                for _notice in conn.notifies():
                    wakeups.bump()
        except Exception:  # noqa: BLE001 - the database went away: retry, waiters time out meanwhile
            time.sleep(1.0)
