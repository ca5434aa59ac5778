"""Service level agreements of deployments: merge by name, read, and check for violations.

``check_slas`` is one pass over every enabled SLA; the server's ``slas`` service and a
``serve()`` process on the embedded store run it. A violation is a ``riverrun.sla.violation``
event whose ID is derived from the SLA and what violated it (the run, or for a frequency SLA
the completed run it counts from), so passes, replicas and restarts record it once: an ID
already stored is skipped, and the insert ignores a conflict when two replicas race.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Optional

import sqlalchemy as sa

from riverrun._internal.clock import from_us, now_us
from riverrun._internal.ids import new_id
from riverrun._store import tables as t
from riverrun._store.events import write_event
from riverrun._store.runs import RunStoreMixin
from riverrun._store.work_pools import _dt
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas import slas as sl

VIOLATION_EVENT = "riverrun.sla.violation"
# A run that ended late between two passes (or while no process checked) is still reported
# if it ended within this long; an outage longer than this misses those runs.
FINISHED_LOOKBACK_US = 3_600 * 1_000_000
# At most this many violations of one SLA are recorded a pass; the rest come next pass.
PASS_LIMIT = 500
_NAMESPACE = uuid.UUID("5b1d6f0e-8f2a-4c39-9a51-3c3c6a1f0b7e")
# The payload key of each type's threshold (a TimeToCompletionSla's duration is whole seconds).
_THRESHOLD_KEY = {"time_to_completion": "duration", "lateness": "within_seconds",
                  "frequency": "stale_after_seconds"}  # fmt: skip


def _threshold_seconds(sla: sl.SlaTypes) -> float:
    if isinstance(sla, sl.TimeToCompletionSla):
        return float(sla.duration)
    if isinstance(sla, sl.LatenessSla):
        return sla.within.total_seconds()
    return sla.stale_after.total_seconds()


def _record(row: Any) -> sl.Sla:
    from datetime import timedelta

    seconds = row.threshold_seconds
    by_type: dict[str, dict[str, Any]] = {
        "time_to_completion": {"duration": int(seconds)},
        "lateness": {"within": timedelta(seconds=seconds)},
        "frequency": {"stale_after": timedelta(seconds=seconds)},
    }
    threshold = by_type[row.type]
    created, updated = _dt(row.created), _dt(row.updated)
    assert created is not None and updated is not None
    return sl.Sla(id=row.id, deployment_id=row.deployment_id, name=row.name, type=row.type,
                  severity=row.severity, enabled=row.enabled, created=created, updated=updated,
                  **threshold)  # fmt: skip


class SlaStoreMixin(RunStoreMixin):
    """SLA operations and the violation check."""

    def _deployment_row(self, conn: Any, deployment_id: uuid.UUID | str) -> Any:
        row = conn.execute(
            sa.select(t.deployment.c.id, t.deployment.c.name, t.deployment.c.flow_id).where(
                t.deployment.c.id == str(deployment_id)
            )
        ).first()
        if row is None:
            raise ObjectNotFound(
                f"No deployment with ID {str(deployment_id)!r}. `riverrun deployment ls` lists them."
            )
        return row

    def apply_slas_for_deployment(
        self, deployment_id: uuid.UUID | str, slas: list[sl.SlaTypes]
    ) -> sl.SlaMergeResponse:
        """Make ``slas`` the deployment's SLAs, matched by name (see the operation table)."""
        names = [s.name for s in slas]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"SLA names must be unique within a deployment; {repeated} appear more than "
                "once. Give each SLA its own name."
            )
        c, now = t.sla.c, now_us()
        created: list[str] = []
        updated: list[str] = []
        with self.begin() as conn:
            self._deployment_row(conn, deployment_id)
            existing = {
                r.name: r.id
                for r in conn.execute(
                    sa.select(c.name, c.id).where(c.deployment_id == str(deployment_id))
                )
            }
            for sla in slas:
                values = {"type": sl.sla_type_of(sla), "severity": sla.severity,
                          "enabled": sla.enabled is not False,
                          "threshold_seconds": _threshold_seconds(sla), "updated": now}  # fmt: skip
                if sla.name in existing:
                    conn.execute(t.sla.update().where(c.id == existing[sla.name]).values(**values))
                    updated.append(sla.name)
                else:
                    conn.execute(t.sla.insert().values(
                        id=new_id(), deployment_id=str(deployment_id), name=sla.name,
                        created=now, **values,
                    ))  # fmt: skip
                    created.append(sla.name)
            deleted = sorted(set(existing) - set(names))
            if deleted:
                conn.execute(
                    t.sla.delete().where(c.deployment_id == str(deployment_id), c.name.in_(deleted))
                )
        return sl.SlaMergeResponse(created=created, updated=updated, deleted=deleted)

    def read_slas_for_deployment(self, deployment_id: uuid.UUID | str) -> list[sl.Sla]:
        """The deployment's SLAs, by name."""
        c = t.sla.c
        with self.connect() as conn:
            self._deployment_row(conn, deployment_id)
            rows = conn.execute(
                sa.select(t.sla).where(c.deployment_id == str(deployment_id)).order_by(c.name)
            ).all()
        return [_record(r) for r in rows]

    def check_slas(
        self, deployment_ids: Optional[Sequence[str]] = None, *, now: Optional[int] = None
    ) -> int:
        """Record a violation event for each run (or stale deployment) breaking an enabled SLA
        that is not recorded yet; the number recorded.

        Args:
            deployment_ids: only these deployments' SLAs (a ``serve()`` process checks its own);
                all when None.
            now: the time to check at, microseconds since the epoch (tests); the clock's now.
        """
        now = now_us() if now is None else now
        c = t.sla.c
        query = sa.select(t.sla).where(c.enabled.is_(True))
        if deployment_ids is not None:
            query = query.where(c.deployment_id.in_([str(d) for d in deployment_ids]))
        recorded = 0
        with self.begin() as conn:
            for sla in conn.execute(query).all():
                deployment = conn.execute(
                    sa.select(t.deployment.c.id, t.deployment.c.name, t.deployment.c.flow_id)
                    .where(t.deployment.c.id == sla.deployment_id)
                ).first()  # fmt: skip
                if deployment is None:
                    continue
                found = self._violations(conn, sla, now)
                recorded += self._record_new(conn, sla, deployment, found, now)
        return recorded

    def _violations(self, conn: Any, sla: Any, now: int) -> list[dict[str, Any]]:
        """What breaks ``sla`` now: ``{"key", "run", "payload"}`` each (``run`` None for a
        stale deployment)."""
        r = t.flow_run.c
        threshold_us = int(sla.threshold_seconds * 1_000_000)
        mine = r.deployment_id == sla.deployment_id
        recent = now - FINISHED_LOOKBACK_US
        columns = (r.id, r.name, r.state_type, r.start_time, r.end_time, r.expected_start_time)
        if sla.type == "time_to_completion":
            late = sa.or_(
                sa.and_(r.state_type == "RUNNING", r.start_time <= now - threshold_us),
                sa.and_(r.end_time >= recent, r.end_time - r.start_time > threshold_us),
            )
            rows = conn.execute(sa.select(*columns).where(mine, r.start_time.is_not(None), late)
                                .order_by(r.start_time).limit(PASS_LIMIT)).all()  # fmt: skip
            return [
                {"key": row.id, "run": row, "payload": {
                    "run_time_seconds": ((row.end_time or now) - row.start_time) / 1e6}}
                for row in rows
            ]  # fmt: skip
        if sla.type == "lateness":
            late = sa.or_(
                sa.and_(r.start_time.is_(None), r.state_type.in_(["SCHEDULED", "PENDING"]),
                        r.expected_start_time <= now - threshold_us),
                sa.and_(r.start_time >= recent,
                        r.start_time - r.expected_start_time > threshold_us),
            )  # fmt: skip
            rows = conn.execute(sa.select(*columns).where(mine, late)
                                .order_by(r.expected_start_time).limit(PASS_LIMIT)).all()  # fmt: skip
            return [
                {"key": row.id, "run": row, "payload": {
                    "late_by_seconds": ((row.start_time or now) - row.expected_start_time) / 1e6}}
                for row in rows
            ]  # fmt: skip
        last = conn.execute(
            sa.select(r.id, r.end_time).where(mine, r.state_type == "COMPLETED",
                                              r.end_time.is_not(None))
            .order_by(r.end_time.desc()).limit(1)
        ).first()  # fmt: skip
        since = max(sla.created, last.end_time) if last is not None else sla.created
        if since > now - threshold_us:
            return []
        return [{"key": f"stale-since:{since}", "run": None, "payload": {
            "last_completed_flow_run_id": None if last is None else last.id,
            "stale_since": from_us(since).isoformat()}}]  # fmt: skip

    def _record_new(
        self, conn: Any, sla: Any, deployment: Any, found: list[dict[str, Any]], now: int
    ) -> int:
        if not found:
            return 0
        ids = {str(uuid.uuid5(_NAMESPACE, f"{sla.id}:{v['key']}")): v for v in found}
        stored = {
            row[0] for row in conn.execute(sa.select(t.event.c.id).where(t.event.c.id.in_(ids)))
        }
        flow_name = conn.execute(
            sa.select(t.flow.c.name).where(t.flow.c.id == deployment.flow_id)
        ).scalar()
        for event_id, violation in ids.items():
            if event_id not in stored:
                write_event(conn, self.text, _violation_event(
                    event_id, sla, deployment, flow_name, violation, now))  # fmt: skip
        return len(ids) - len(stored)


def _violation_event(
    event_id: str, sla: Any, deployment: Any, flow_name: Optional[str],
    violation: dict[str, Any], now: int,
) -> dict[str, Any]:  # fmt: skip
    """The ``riverrun.sla.violation`` event: about the run (or the deployment, when stale),
    related to the deployment, its flow and the SLA."""
    deployment_resource = {"riverrun.resource.id": f"riverrun.deployment.{deployment.id}",
                           "riverrun.resource.name": deployment.name}  # fmt: skip
    run = violation["run"]
    if run is not None:
        resource = {"riverrun.resource.id": f"riverrun.flow-run.{run.id}",
                    "riverrun.resource.name": run.name}  # fmt: skip
        related = [{**deployment_resource, "riverrun.resource.role": "deployment"}]
    else:
        resource, related = deployment_resource, []
    if flow_name is not None:
        related.append({"riverrun.resource.id": f"riverrun.flow.{deployment.flow_id}",
                        "riverrun.resource.name": flow_name,
                        "riverrun.resource.role": "flow"})  # fmt: skip
    related.append({"riverrun.resource.id": f"riverrun.sla.{sla.id}",
                    "riverrun.resource.name": sla.name, "riverrun.resource.role": "sla"})  # fmt: skip
    key = _THRESHOLD_KEY[sla.type]
    threshold = int(sla.threshold_seconds) if key == "duration" else sla.threshold_seconds
    payload = {"sla_id": sla.id, "sla_name": sla.name, "sla_type": sla.type,
               "severity": sla.severity, key: threshold, **violation["payload"]}  # fmt: skip
    return {"kind": "event", "id": event_id, "occurred": now, "event": VIOLATION_EVENT,
            "resource": resource, "related": related, "payload": payload, "follows": None}  # fmt: skip
