"""Concurrency limits and their slots, every slot a lease.

A limit is a ``concurrency_limit`` row; every held slot is a ``concurrency_lease`` row with an
expiry. The slots a limit holds are the sum of ``occupy`` over its *unexpired* rows, so a
holder that died stops counting the moment its lease expires, whether or not a sweeper has
deleted its rows yet: nothing can leak. Acquiring is one write transaction that counts and
inserts (SQLite: ``BEGIN IMMEDIATE``, one writer; PostgreSQL: the limit rows locked ``FOR
UPDATE`` in name order, so two acquirers of the same limits queue instead of deadlocking).

Tag limits (Prefect's v1 API) are limits named ``tag:<tag>``, deployment limits
``deployment:<id>``, as in Prefect 3. Rate limits (``slot_decay_per_second > 0``, mode
``rate_limit``) are grants whose rows expire as their slots decay: each grant's rows expire
``occupy / decay`` seconds after the limit's last pending decay, a leaky bucket.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._internal.ids import new_id
from riverrun._store import tables as t
from riverrun._store.base import StoreBase
from riverrun._store.convert import _time
from riverrun._store.dialect import insert_or_ignore
from riverrun._store.ingest import RELEASE_RUN_SLOTS
from riverrun._store.leases import RELEASE_HOOKS
from riverrun.exceptions import InvalidConcurrencyRequest, ObjectAlreadyExists, ObjectNotFound
from riverrun.schemas import actions as a
from riverrun.schemas import objects as o

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

TAG_PREFIX = "tag:"
DEPLOYMENT_PREFIX = "deployment:"
# A deployment's slot is held for its run's whole life and released when the run reaches a
# final state (ingest) or its run lease expires (the leases sweeper's hook); this expiry is
# only a backstop for a run nothing will ever finish.
DEPLOYMENT_SLOT_SECONDS = 24 * 3600.0
# The longest one acquire call waits in the store before answering "not yet" (a long-poll:
# short enough that a server's thread is not parked for long, long enough to avoid polling).
MAX_WAIT_SECONDS = 2.0

# At most this many callers wait inside the store at once: a server answers acquires in its
# threadpool, and parked long-polls must never take every thread from other requests.
MAX_WAITERS = 8
_waiting = 0

_L = t.concurrency_limit.c
_S = t.concurrency_lease.c

# Released slots wake the acquirers waiting in this process (the server's long-polls, the
# embedded threads); other processes' acquirers retry with a bounded backoff.
_released = threading.Condition()


def _notify_released() -> None:
    with _released:
        _released.notify_all()


def _held(conn: Connection, limit_ids: Iterable[str], now: int) -> dict[str, int]:
    """Slots held now per limit: the sum over unexpired lease rows (indexed by limit)."""
    ids = list(limit_ids)
    if not ids:
        return {}
    rows = conn.execute(
        sa.select(_S.limit_id, sa.func.coalesce(sa.func.sum(_S.occupy), 0))
        .where(_S.limit_id.in_(ids), _S.expires > now)
        .group_by(_S.limit_id)
    )
    held = {limit_id: 0 for limit_id in ids}
    held.update({row[0]: int(row[1]) for row in rows})
    return held


def _holders(conn: Connection, limit_id: str, now: int) -> list[str]:
    rows = conn.execute(
        sa.select(_S.holder_id)
        .where(_S.limit_id == limit_id, _S.expires > now, _S.holder_id.is_not(None))
        .order_by(_S.created)
    )
    return [row[0] for row in rows]


def _global(row: Any, held: int) -> o.GlobalConcurrencyLimit:
    return o.GlobalConcurrencyLimit(
        id=row.id, name=row.name, limit=row.slot_limit, active=bool(row.active),
        active_slots=held, slot_decay_per_second=row.slot_decay_per_second,
        created=_time(row.created), updated=_time(row.updated),
    )  # fmt: skip


def _tag_limit(row: Any, holders: list[str]) -> o.ConcurrencyLimit:
    return o.ConcurrencyLimit(
        id=row.id, tag=row.name[len(TAG_PREFIX) :], concurrency_limit=row.slot_limit,
        active_slots=holders, created=_time(row.created), updated=_time(row.updated),
    )  # fmt: skip


def _insert_limit(conn: Connection, name: str, limit: int, active: bool, decay: float) -> str:
    now = now_us()
    limit_id = new_id()
    conn.execute(t.concurrency_limit.insert().values(
        id=limit_id, name=name, slot_limit=limit, active=active,
        slot_decay_per_second=decay, created=now, updated=now,
    ))  # fmt: skip
    return limit_id


def _grant_rows(
    conn: Connection,
    limits: list[Any],
    slots: int,
    mode: str,
    lease_duration: float,
    holder: o.ConcurrencyLeaseHolder | None,
    now: int,
) -> str | None:
    """Insert a lease over ``limits`` if each has ``slots`` free now; its ID, or None."""
    held = _held(conn, [row.id for row in limits], now)
    if any(held[row.id] + slots > row.slot_limit for row in limits):
        return None
    lease_id = new_id()
    rows = []
    for row in limits:
        decay = row.slot_decay_per_second or 0.0
        if mode == "rate_limit" and decay > 0:
            # Leaky bucket: this grant drains after the grants already draining.
            last = conn.execute(
                sa.select(sa.func.max(_S.expires)).where(_S.limit_id == row.id, _S.expires > now)
            ).scalar()
            expires = max(now, int(last or 0)) + int(slots / decay * 1e6)
        else:
            expires = now + int(lease_duration * 1e6)
        rows.append({
            "id": new_id(), "lease_id": lease_id, "limit_id": row.id, "occupy": slots,
            "expires": expires, "holder_type": holder.type if holder else None,
            "holder_id": str(holder.id) if holder else None, "created": now,
        })  # fmt: skip
    conn.execute(t.concurrency_lease.insert(), rows)
    return lease_id


def take_deployment_slot(
    conn: Connection, deployment_id: str, flow_run_id: str, limit: int, *, is_sqlite: bool
) -> bool:
    """Take one slot of a deployment's limit for a run, inside the claimer's transaction.

    The limit (``deployment:<id>``) is created or brought to ``limit`` on the way. A run that
    already holds a slot (a claim retried) keeps it and answers True.

    Returns:
        Whether the run holds a slot now; False means the deployment is at its limit.
    """
    name = f"{DEPLOYMENT_PREFIX}{deployment_id}"
    query = sa.select(t.concurrency_limit).where(_L.name == name)
    locked = query if is_sqlite else query.with_for_update()
    row = conn.execute(locked).first()
    if row is None:
        # Two claimers may make the limit at once: the second insert does nothing.
        created = now_us()
        conn.execute(insert_or_ignore(t.concurrency_limit, is_sqlite).values(
            id=new_id(), name=name, slot_limit=limit, active=True, slot_decay_per_second=0.0,
            created=created, updated=created,
        ))  # fmt: skip
        row = conn.execute(locked).first()
    now = now_us()
    assert row is not None
    if row.slot_limit != limit:
        conn.execute(t.concurrency_limit.update().where(_L.id == row.id)
                     .values(slot_limit=limit, updated=now))  # fmt: skip
        row = conn.execute(query).first()
    assert row is not None
    mine = conn.execute(
        sa.select(_S.id).where(_S.limit_id == row.id, _S.holder_id == flow_run_id, _S.expires > now)
    ).first()
    if mine is not None:
        return True
    holder = o.ConcurrencyLeaseHolder(type="flow_run", id=flow_run_id)
    granted = _grant_rows(conn, [row], 1, "concurrency", DEPLOYMENT_SLOT_SECONDS, holder, now)
    return granted is not None


def release_slots_of_run(conn: Connection, flow_run_id: str) -> None:
    """Free the slots a flow run holds, in the caller's transaction: registered in the
    leases sweeper's ``RELEASE_HOOKS``, so a run crashed by lease expiry frees its slots in
    the transaction that crashes it."""
    conn.execute(sa.text(RELEASE_RUN_SLOTS), {"run_id": str(flow_run_id)})
    _notify_released()


RELEASE_HOOKS.append(release_slots_of_run)


_MAX_LEASE_SECONDS = 366 * 24 * 3600.0
_MAX_SLOTS = 2**31 - 1


def _check_lease(seconds: float) -> None:
    if not 0 < seconds <= _MAX_LEASE_SECONDS:  # also refuses NaN
        raise InvalidConcurrencyRequest(
            f"lease_duration must be more than 0 and at most {_MAX_LEASE_SECONDS:.0f} seconds "
            f"(a year), not {seconds!r}."
        )


def _check_page(limit: int, offset: int) -> None:
    if not (0 <= limit <= _MAX_SLOTS and 0 <= offset <= _MAX_SLOTS):
        raise InvalidConcurrencyRequest(
            f"limit and offset must be between 0 and {_MAX_SLOTS}, not {limit} and {offset}."
        )


class ConcurrencyStoreMixin(StoreBase):
    """Global and tag concurrency limits, slot leases, their sweeper."""

    # -- global limits (Prefect's v2 API) ---------------------------------------------------
    def create_global_concurrency_limit(
        self, concurrency_limit: a.GlobalConcurrencyLimitCreate
    ) -> str:
        """Create a global concurrency limit; its ID.

        Raises:
            ObjectAlreadyExists: a limit of that name exists.
        """
        body = concurrency_limit
        with self.begin() as conn:
            if conn.execute(sa.select(_L.id).where(_L.name == body.name)).first() is not None:
                raise ObjectAlreadyExists(
                    f"A concurrency limit named {body.name!r} already exists; change it with "
                    f"`riverrun global-concurrency-limit update {body.name}`."
                )
            return _insert_limit(conn, body.name, body.limit, body.active is not False,
                                 body.slot_decay_per_second or 0.0)  # fmt: skip

    def read_global_concurrency_limit_by_name(self, name: str) -> o.GlobalConcurrencyLimit:
        """The global concurrency limit of that name.

        Raises:
            ObjectNotFound: no limit has that name.
        """
        now = now_us()
        with self.connect() as conn:
            row = conn.execute(sa.select(t.concurrency_limit).where(_L.name == name)).first()
            if row is None:
                raise ObjectNotFound(
                    f"No concurrency limit named {name!r}; `riverrun global-concurrency-limit "
                    "ls` lists them."
                )
            return _global(row, _held(conn, [row.id], now)[row.id])

    def read_global_concurrency_limits(
        self, limit: int = 10, offset: int = 0
    ) -> list[o.GlobalConcurrencyLimit]:
        """Global concurrency limits by name (tag and deployment limits among them)."""
        _check_page(limit, offset)
        now = now_us()
        with self.connect() as conn:
            rows = list(conn.execute(
                sa.select(t.concurrency_limit).order_by(_L.name).limit(limit).offset(offset)
            ))  # fmt: skip
            held = _held(conn, [row.id for row in rows], now)
        return [_global(row, held[row.id]) for row in rows]

    def update_global_concurrency_limit(
        self, name: str, concurrency_limit: a.GlobalConcurrencyLimitUpdate
    ) -> None:
        """Change the fields given of a global concurrency limit.

        ``active_slots=0`` frees every slot it holds (Prefect's reset).

        Raises:
            ObjectNotFound: no limit has that name.
        """
        body = concurrency_limit
        changes: dict[str, Any] = {"updated": now_us()}
        if body.name is not None:
            changes["name"] = body.name
        if body.limit is not None:
            changes["slot_limit"] = body.limit
        if body.active is not None:
            changes["active"] = body.active
        if body.slot_decay_per_second is not None:
            changes["slot_decay_per_second"] = body.slot_decay_per_second
        with self.begin() as conn:
            row = conn.execute(sa.select(_L.id).where(_L.name == name)).first()
            if row is None:
                raise ObjectNotFound(
                    f"No concurrency limit named {name!r}; create it with `riverrun "
                    f"global-concurrency-limit create {name} --limit N`."
                )
            if body.name is not None and body.name != name:
                taken = conn.execute(sa.select(_L.id).where(_L.name == body.name)).first()
                if taken is not None:
                    raise ObjectAlreadyExists(f"A concurrency limit named {body.name!r} exists.")
            conn.execute(t.concurrency_limit.update().where(_L.id == row.id).values(**changes))
            if body.active_slots == 0:
                conn.execute(t.concurrency_lease.delete().where(_S.limit_id == row.id))
        _notify_released()

    def delete_global_concurrency_limit_by_name(self, name: str) -> None:
        """Delete a global concurrency limit and the leases on it.

        Raises:
            ObjectNotFound: no limit has that name.
        """
        with self.begin() as conn:
            row = conn.execute(sa.select(_L.id).where(_L.name == name)).first()
            if row is None:
                raise ObjectNotFound(
                    f"No concurrency limit named {name!r}; `riverrun global-concurrency-limit "
                    "ls` lists them."
                )
            conn.execute(t.concurrency_lease.delete().where(_S.limit_id == row.id))
            conn.execute(t.concurrency_limit.delete().where(_L.id == row.id))
        _notify_released()

    # -- tag limits for task runs (Prefect's v1 API) ----------------------------------------
    def create_concurrency_limit(self, tag: str, concurrency_limit: int) -> str:
        """Create (or change the size of) the limit on task runs tagged ``tag``; its ID."""
        body = a.ConcurrencyLimitCreate(tag=tag, concurrency_limit=concurrency_limit)
        name = TAG_PREFIX + body.tag
        with self.begin() as conn:
            row = conn.execute(sa.select(_L.id).where(_L.name == name)).first()
            if row is not None:  # Prefect's v1 create is an upsert
                conn.execute(t.concurrency_limit.update().where(_L.id == row.id)
                             .values(slot_limit=body.concurrency_limit, updated=now_us()))  # fmt: skip
                return str(row.id)
            return _insert_limit(conn, name, body.concurrency_limit, True, 0.0)

    def read_concurrency_limit_by_tag(self, tag: str) -> o.ConcurrencyLimit:
        """The limit on task runs tagged ``tag``, with the task runs holding its slots.

        Raises:
            ObjectNotFound: no limit on that tag.
        """
        now = now_us()
        with self.connect() as conn:
            row = conn.execute(
                sa.select(t.concurrency_limit).where(_L.name == TAG_PREFIX + tag)
            ).first()
            if row is None:
                raise ObjectNotFound(
                    f"No concurrency limit on tag {tag!r}; `riverrun concurrency-limit ls` "
                    "lists them."
                )
            return _tag_limit(row, _holders(conn, row.id, now))

    def read_concurrency_limits(
        self, limit: int = 200, offset: int = 0
    ) -> list[o.ConcurrencyLimit]:
        """Tag limits, by tag."""
        _check_page(limit, offset)
        now = now_us()
        with self.connect() as conn:
            rows = list(conn.execute(
                sa.select(t.concurrency_limit).where(_L.name.startswith(TAG_PREFIX))
                .order_by(_L.name).limit(limit).offset(offset)
            ))  # fmt: skip
            return [_tag_limit(row, _holders(conn, row.id, now)) for row in rows]

    def read_concurrency_limit_tags(self) -> list[str]:
        """The tags with an active limit: what the task engine caches to skip the store."""
        with self.connect() as conn:
            rows = conn.execute(
                sa.select(_L.name).where(_L.name.startswith(TAG_PREFIX), _L.active.is_(True))
            )
            return sorted(row[0][len(TAG_PREFIX) :] for row in rows)

    def delete_concurrency_limit_by_tag(self, tag: str) -> None:
        """Delete the limit on a tag.

        Raises:
            ObjectNotFound: no limit on that tag.
        """
        self.delete_global_concurrency_limit_by_name(TAG_PREFIX + tag)

    def reset_concurrency_limit_by_tag(
        self, tag: str, slot_override: list[str] | None = None
    ) -> None:
        """Free every slot of a tag limit; with ``slot_override``, keep those task runs'.

        Raises:
            ObjectNotFound: no limit on that tag.
        """
        keep = [str(x) for x in slot_override or []]
        with self.begin() as conn:
            row = conn.execute(sa.select(_L.id).where(_L.name == TAG_PREFIX + tag)).first()
            if row is None:
                raise ObjectNotFound(
                    f"No concurrency limit on tag {tag!r}; `riverrun concurrency-limit ls` "
                    "lists them."
                )
            where = [_S.limit_id == row.id]
            if keep:
                where.append(sa.or_(_S.holder_id.is_(None), _S.holder_id.not_in(keep)))
            conn.execute(t.concurrency_lease.delete().where(*where))
        _notify_released()

    # -- slots -------------------------------------------------------------------------------
    def acquire_concurrency_slots_with_lease(
        self,
        names: list[str],
        slots: int = 1,
        mode: Literal["concurrency", "rate_limit"] = "concurrency",
        lease_duration: float = 300.0,
        holder: o.ConcurrencyLeaseHolder | None = None,
        wait_seconds: float = 0.0,
    ) -> o.ConcurrencySlotAnswer:
        """Try to take ``slots`` of every active limit named; wait up to ``wait_seconds``.

        Limits that do not exist or are inactive are skipped (and named in ``missing``, when
        they do not exist). All the limits' slots are taken at once or none are.

        Raises:
            InvalidConcurrencyRequest: ``slots`` is below 1, above a limit's size (it could never be
                granted), or ``rate_limit`` names a limit without a slot decay.
        """
        if slots < 1 or slots > _MAX_SLOTS:
            raise InvalidConcurrencyRequest(f"occupy must be at least 1 slot, not {slots}.")
        if mode == "concurrency":
            _check_lease(lease_duration)
        if not wait_seconds >= 0:
            wait_seconds = 0.0
        global _waiting
        deadline = now_us() + int(min(max(wait_seconds, 0.0), MAX_WAIT_SECONDS) * 1e6)
        while True:
            answer = self._try_acquire(sorted(set(names)), slots, mode, lease_duration, holder)
            remaining = (deadline - now_us()) / 1e6
            if answer.granted is not None or not answer.retry_after or remaining <= 0:
                return answer
            with _released:
                if _waiting >= MAX_WAITERS:
                    return answer  # the caller backs off instead of parking one more thread
                _waiting += 1
                try:
                    _released.wait(min(remaining, max(answer.retry_after, 0.02)))
                finally:
                    _waiting -= 1

    def _try_acquire(
        self,
        names: list[str],
        slots: int,
        mode: str,
        lease_duration: float,
        holder: o.ConcurrencyLeaseHolder | None,
    ) -> o.ConcurrencySlotAnswer:
        with self.begin() as conn:
            query = sa.select(t.concurrency_limit).where(_L.name.in_(names)).order_by(_L.name)
            found = list(conn.execute(query if self.is_sqlite else query.with_for_update()))
            # The time is read with the limits locked (SQLite: BEGIN IMMEDIATE), so it is
            # never older than a renewal another holder committed while this one waited.
            now = now_us()
            missing = sorted(set(names) - {row.name for row in found})
            limits = [row for row in found if row.active]
            if not limits:
                return o.ConcurrencySlotAnswer(missing=missing)
            for row in limits:
                if slots > row.slot_limit:
                    raise InvalidConcurrencyRequest(
                        f"Cannot take {slots} slots of the concurrency limit {row.name!r}: it "
                        f"has only {row.slot_limit}, so the request could never be granted. "
                        "Occupy fewer slots or raise the limit."
                    )
                if mode == "rate_limit" and not row.slot_decay_per_second:
                    raise InvalidConcurrencyRequest(
                        f"The concurrency limit {row.name!r} has no slot decay, so rate_limit "
                        "would hold its slots forever; set `slot_decay_per_second` on it "
                        f"(`riverrun global-concurrency-limit update {row.name} "
                        "--slot-decay-per-second 1`) or use `concurrency()`."
                    )
            # Expired rows of these limits go now, so the table stays small (indexed).
            conn.execute(t.concurrency_lease.delete().where(
                _S.limit_id.in_([row.id for row in limits]), _S.expires <= now))  # fmt: skip
            lease_id = _grant_rows(conn, limits, slots, mode, lease_duration, holder, now)
            if lease_id is None:
                soonest = conn.execute(
                    sa.select(sa.func.min(_S.expires)).where(
                        _S.limit_id.in_([row.id for row in limits]), _S.expires > now)
                ).scalar()  # fmt: skip
                wait = 1.0 if soonest is None else (int(soonest) - now) / 1e6
                return o.ConcurrencySlotAnswer(
                    retry_after=min(max(wait, 0.01), 1.0), missing=missing
                )
        granted = o.ConcurrencyLimitWithLeaseResponse(
            lease_id=lease_id,
            limits=[o.MinimalConcurrencyLimitResponse(id=r.id, name=r.name, limit=r.slot_limit)
                    for r in limits],
        )  # fmt: skip
        return o.ConcurrencySlotAnswer(granted=granted, missing=missing)

    def renew_concurrency_lease(self, lease_id: str, lease_duration: float) -> bool:
        """Extend a live lease to ``lease_duration`` from now; False if it expired or is gone
        (its slots may be someone else's now: the holder should stop)."""
        _check_lease(lease_duration)
        with self.begin() as conn:
            if not self.is_sqlite:
                # Lock the lease's limits as acquirers do (in name order: no deadlock), so a
                # renewal cannot revive a lease an acquirer has just counted as expired.
                mine = sa.select(_S.limit_id).where(_S.lease_id == str(lease_id))
                conn.execute(
                    sa.select(_L.id).where(_L.id.in_(mine)).order_by(_L.name).with_for_update()
                )
            now = now_us()
            done = conn.execute(
                t.concurrency_lease.update()
                .where(_S.lease_id == str(lease_id), _S.expires > now)
                .values(expires=now + int(lease_duration * 1e6))
            )
        return bool(done.rowcount)

    def release_concurrency_slots_with_lease(self, lease_id: str) -> None:
        """Free the slots of a lease (nothing if it is already gone: releasing is idempotent)."""
        with self.begin() as conn:
            conn.execute(t.concurrency_lease.delete().where(_S.lease_id == str(lease_id)))
        _notify_released()

    def sweep_concurrency_leases(self) -> int:
        """Delete expired slot leases (one indexed statement); how many rows went.

        Expired rows already count for nothing; this only keeps the table small.
        """
        with self.begin() as conn:
            done = conn.execute(t.concurrency_lease.delete().where(_S.expires <= now_us()))
        return int(done.rowcount or 0)
