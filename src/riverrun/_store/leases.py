"""Run leases at store level: grant, renew, release, expire, and fencing of stale holders.

A flow run's lease says who runs it (``lease_owner``: ``worker:<id>``, ``process:<host>:<pid>``)
and until when (``lease_expires``, epoch µs). ``lease_token`` is a fencing epoch: every grant
adds one and nothing resets it, so a holder that comes back after its lease was swept or
taken over holds an older token than the run's and is refused (its renewals answer
``held=False``, its state proposals are rejected by ``orchestration.fence``). The token
travels in a proposal's ``state_details["lease_token"]`` (``schemas.leases.LEASE_TOKEN_DETAIL``).

Expiry (the sweeper's ``expire_run_leases``) is one transaction per run: a ``Running`` or
``Cancelling`` run becomes ``Crashed``, a ``Pending`` one goes back to ``Scheduled``, the lease
is cleared and every hook in ``RELEASE_HOOKS`` runs in the same transaction, so concurrency
slots are freed with the state change or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from riverrun._internal import clock
from riverrun._internal.clock import from_us
from riverrun._store import ingest as _ingest
from riverrun._store import tables as t
from riverrun._store.base import StoreBase
from riverrun._store.state_events import state_event as _state_event
from riverrun.exceptions import InvalidLeaseError, ObjectNotFound
from riverrun.schemas.leases import LeaseHold, LeaseRenewal, RunProcess
from riverrun.states import State, StateType

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

CRASHED_MESSAGE = "lease expired: the process running it stopped answering"
RESCHEDULED_MESSAGE = "lease expired before the run started: its claimer stopped answering"
MAX_TTL_SECONDS = 24 * 3600.0

_FINAL = ("COMPLETED", "FAILED", "CANCELLED", "CRASHED")
_LIVE = ("RUNNING", "CANCELLING")

ReleaseHook = Callable[["Connection", str], None]
RELEASE_HOOKS: list[ReleaseHook] = []
"""Called as ``hook(conn, flow_run_id)`` inside the transaction that ends a run's lease.

The concurrency limits register one (``release_run_slots``) that frees the run's slots, so a
lease's expiry and the release of its slots commit together. Hooks must only use ``conn``
(no transaction of their own) and must not fail for a run that holds nothing.
"""


def release_run_slots(conn: Connection, flow_run_id: str) -> None:
    """Free whatever a run holds (concurrency slots...): every ``RELEASE_HOOKS`` entry, in order.

    Called inside the caller's transaction when a run's lease expires; also for the
    concurrency helper to call when a run ends.
    """
    for hook in RELEASE_HOOKS:
        hook(conn, flow_run_id)


@dataclass(frozen=True)
class LeaseExpiry:
    """What one sweep did: runs marked Crashed, put back to Scheduled, leases only cleared."""

    crashed: int = 0
    rescheduled: int = 0
    cleared: int = 0

    @property
    def total(self) -> int:
        return self.crashed + self.rescheduled + self.cleared


# Built once: a claim grants a lease per run, and building the statement each time cost
# more than running it.
_GRANT = (
    t.flow_run.update()
    .where(t.flow_run.c.id == sa.bindparam("run_id"))
    .values(lease_owner=sa.bindparam("owner"), lease_token=t.flow_run.c.lease_token + 1,
            lease_expires=sa.bindparam("expires"))
    .returning(t.flow_run.c.lease_token)
)  # fmt: skip


def grant_run_lease(
    conn: Connection, flow_run_id: str, owner: str, ttl_us: int, now_us: int
) -> int:
    """Give ``owner`` the run's lease until ``now_us + ttl_us``; the new fencing token.

    Call it inside the claimer's transaction, after the claim moved the run (it does not
    check the run's state). Raises ``ObjectNotFound`` if no run has that ID.
    """
    token = conn.execute(
        _GRANT,
        {"run_id": str(flow_run_id), "owner": owner, "expires": now_us + ttl_us},
    ).scalar()
    if token is None:
        raise ObjectNotFound(f"No flow run with ID {str(flow_run_id)!r} to lease.")
    return int(token)


def _check_ttl(ttl_seconds: float) -> int:
    if not 0.001 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise InvalidLeaseError(
            f"ttl_seconds must be at least 0.001 and at most {MAX_TTL_SECONDS:.0f} (a day), not "
            f"{ttl_seconds!r}; leases are renewed often, so a short TTL such as 30 is usual."
        )
    return int(ttl_seconds * 1_000_000)


class LeaseStoreMixin(StoreBase):
    """Grant (inside a claim), renew, release and expire run leases."""

    def grant_run_lease(
        self, conn: Connection, flow_run_id: str, owner: str, ttl_us: int, now_us: int
    ) -> int:
        """``grant_run_lease`` of this module, as a store method (inside the caller's transaction)."""
        return grant_run_lease(conn, flow_run_id, owner, ttl_us, now_us)

    def renew_flow_run_leases(
        self,
        owner: str,
        leases: list[LeaseHold],
        ttl_seconds: float = 30.0,
        process: RunProcess | None = None,
    ) -> list[LeaseRenewal]:
        """Extend ``owner``'s leases on these runs; one answer per run, in order.

        A flow process renews every second (that is how it learns of a cancellation within
        two), so the runs are read first and a lease is written only when it is to be taken,
        its process recorded, or its expiry has drifted ``_refresh_us(ttl)`` behind: most
        renewals are one read, not a write transaction.
        """
        ttl = _check_ttl(ttl_seconds)
        if not owner or len(owner) > 255:
            raise InvalidLeaseError(
                "owner must name the lease holder in 1 to 255 characters (e.g. 'worker:<id>')."
            )
        holds = [h if isinstance(h, LeaseHold) else LeaseHold.model_validate(h) for h in leases]
        if not holds:
            return []
        fr = t.flow_run.c
        ids = sorted({str(h.flow_run_id) for h in holds})
        columns = (fr.id, fr.lease_owner, fr.lease_token, fr.lease_expires, fr.state_type,
                   fr.state_name, fr.hostname, fr.pid, fr.process_started)  # fmt: skip
        with self.connect() as conn:
            rows = {r.id: r for r in conn.execute(sa.select(*columns).where(fr.id.in_(ids)))}
        now = clock.now_us()
        expires = now + ttl
        answers: dict[int, LeaseRenewal] = {}
        writes: list[tuple[int, LeaseHold]] = []
        for i, hold in enumerate(holds):
            row = rows.get(str(hold.flow_run_id))
            mine = (
                row is not None
                and row.state_type not in _FINAL
                and (
                    (row.lease_owner is not None and row.lease_token == hold.lease_token)
                    if hold.lease_token is not None
                    else row.lease_owner in (None, owner)
                )
            )
            if not mine or row is None:
                answers[i] = _answer(str(hold.flow_run_id), row, held=False)
            elif (row.lease_owner is None or row.lease_expires is None
                  or row.lease_expires < expires - _refresh_us(ttl)
                  or (process is not None and (row.hostname, row.pid, row.process_started)
                      != (process.hostname, process.pid, process.started))):  # fmt: skip
                writes.append((i, hold))
            else:
                answers[i] = _answer(str(hold.flow_run_id), row, held=True)
        if writes:
            extra: dict[str, Any] = {}
            if process is not None:
                extra = {"hostname": process.hostname, "pid": process.pid,
                         "process_started": process.started}  # fmt: skip
            with self.begin() as conn:
                for i, hold in writes:
                    answers[i] = _write_renewal(conn, owner, hold, expires, extra)
        return [answers[i] for i in range(len(holds))]

    def release_flow_run_lease(self, flow_run_id: str | Any, lease_token: int) -> bool:
        """Give up a run's lease if ``lease_token`` is still its token; True if released."""
        if not 0 <= lease_token < 2**31:
            return False  # no run holds such a token
        fr = t.flow_run.c
        with self.begin() as conn:
            done = conn.execute(
                t.flow_run.update()
                .where(fr.id == str(flow_run_id), fr.lease_owner.is_not(None),
                       fr.lease_token == lease_token)
                .values(lease_owner=None, lease_expires=None)
            )  # fmt: skip
        return bool(done.rowcount)

    def expire_run_leases(
        self, now_us: int | None = None, limit: int = 1000, unleased_after_us: int | None = None
    ) -> LeaseExpiry:
        """Act on every lease expired at ``now_us`` (default: now), one transaction per run.

        ``Running``/``Cancelling`` → ``Crashed`` ("lease expired: the process running it stopped
        answering"); ``Pending`` → ``Scheduled``; any other state: the lease is only cleared.
        Each also runs ``release_run_slots``. Safe with several sweepers on one database: a
        run is re-read under its row lock (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's
        single writer) and left alone if its lease was renewed meanwhile.

        With ``unleased_after_us``, a ``Running``/``Cancelling`` run that never had a lease
        (token 0) and has been in that state longer than this counts as expired too: its
        process died before its first renewal (every riverrun flow process takes its run's
        lease within a second of starting), or nothing ever ran it.
        """
        current = now_us if now_us is not None else clock.now_us()
        fr = t.flow_run.c
        expired = [fr.lease_expires.is_not(None), fr.lease_expires < current]
        due: Any = sa.and_(*expired)
        if unleased_after_us is not None:
            never = sa.and_(fr.state_type.in_(_LIVE), fr.lease_token == 0,
                            fr.lease_owner.is_(None),
                            fr.state_timestamp < current - unleased_after_us)  # fmt: skip
            due = sa.or_(due, never)
        with self.connect() as conn:
            ids = list(conn.execute(
                sa.select(fr.id).where(*expired).order_by(fr.lease_expires).limit(limit)
            ).scalars())  # fmt: skip
            if unleased_after_us is not None:
                ids += [i for i in conn.execute(sa.select(fr.id).where(never).limit(limit))
                        .scalars() if i not in ids]  # fmt: skip
        crashed = rescheduled = cleared = 0
        for run_id in ids:
            with self.begin() as conn:
                row = conn.execute(
                    sa.select(fr.id, fr.state_type, fr.state_timestamp, fr.start_time,
                              fr.run_count, fr.total_run_time, fr.expected_start_time)
                    .where(fr.id == run_id, due)
                    .with_for_update(skip_locked=True)
                ).first()  # fmt: skip
                if row is None:
                    continue  # renewed meanwhile, or another sweeper has it
                conn.execute(t.flow_run.update().where(fr.id == run_id)
                             .values(lease_owner=None, lease_expires=None))  # fmt: skip
                state = _expired_state(row)
                if state is not None:
                    _write_state(conn, run_id, row._mapping, state)
                release_run_slots(conn, run_id)
            if state is None:
                cleared += 1
            elif state.type is StateType.CRASHED:
                crashed += 1
            else:
                rescheduled += 1
        return LeaseExpiry(crashed=crashed, rescheduled=rescheduled, cleared=cleared)

    def next_lease_expiry(self) -> int | None:
        """When the earliest held lease expires (epoch µs), or None: when to sweep next."""
        fr = t.flow_run.c
        with self.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.min(fr.lease_expires)).where(fr.lease_expires.is_not(None))
            ).scalar()
        return None if value is None else int(value)


def _expired_state(row: Any) -> State | None:
    """The state a run whose lease expired goes to, or None to leave its state alone."""
    # Stamped now, but never before the current state: the store ignores older states.
    stamp = max(clock.now_us(), (row.state_timestamp or 0) + 1)
    if row.state_type in _LIVE:
        state = State(type=StateType.CRASHED, name="Crashed", message=CRASHED_MESSAGE)
    elif row.state_type == StateType.PENDING.value:
        when = from_us(max(row.expected_start_time or stamp, 0))
        state = State(type=StateType.SCHEDULED, name="Scheduled", message=RESCHEDULED_MESSAGE,
                      state_details={"scheduled_time": when})  # fmt: skip
    else:
        return None
    state.timestamp = from_us(stamp)
    return state


def _write_state(conn: Connection, run_id: str, run: Any, state: State) -> None:
    """Record ``state`` on the run through ingest's own statements, in ``conn``'s transaction."""

    def executemany(sql: str, rows: list[dict[str, Any]]) -> None:
        conn.execute(sa.text(sql), rows)

    _ingest.apply(_ingest.plan([_state_event("flow_run", run_id, run, state)]), executemany)


def _refresh_us(ttl_us: int) -> int:
    """How far a lease's expiry may lag a full TTL before a renewal writes it again."""
    return min(10_000_000, ttl_us // 3)


def _answer(run_id: str, row: Any, held: bool) -> LeaseRenewal:
    if row is None:
        return LeaseRenewal(flow_run_id=run_id, held=False)
    return LeaseRenewal(
        flow_run_id=run_id, held=held, lease_token=row.lease_token,
        lease_expires=None if row.lease_expires is None else from_us(row.lease_expires),
        state_type=None if row.state_type is None else StateType(row.state_type),
        state_name=row.state_name,
    )  # fmt: skip


def _write_renewal(
    conn: Connection, owner: str, hold: LeaseHold, expires: int, extra: dict[str, Any]
) -> LeaseRenewal:
    """Take or extend one lease, re-checking under the write lock what the read found."""
    fr = t.flow_run.c
    run_id = str(hold.flow_run_id)
    base = [fr.id == run_id, fr.state_type.not_in(_FINAL)]
    values: dict[str, Any] = {"lease_expires": expires, **extra}
    back = (fr.id, fr.lease_owner, fr.lease_token, fr.lease_expires, fr.state_type, fr.state_name)
    if hold.lease_token is None:
        row = conn.execute(
            t.flow_run.update().where(*base, fr.lease_owner.is_(None))
            .values(lease_owner=owner, lease_token=fr.lease_token + 1, **values).returning(*back)
        ).first() or conn.execute(
            t.flow_run.update().where(*base, fr.lease_owner == owner)
            .values(**values).returning(*back)
        ).first()  # fmt: skip
    else:
        row = conn.execute(
            t.flow_run.update()
            .where(*base, fr.lease_owner.is_not(None), fr.lease_token == hold.lease_token)
            .values(**values).returning(*back)
        ).first()  # fmt: skip
    if row is not None:
        return _answer(run_id, row, held=True)
    current = conn.execute(sa.select(*back).where(fr.id == run_id)).first()
    return _answer(run_id, current, held=False)
