"""Backfill: one run per schedule time in a range, never duplicating a time that has a run.

Airflow's ``--reprocess`` semantics: ``none`` skips times that already ran, ``failed`` reruns
times whose runs all failed (or crashed, or were cancelled), ``completed`` reruns any finished
time. A time whose run is still scheduled, pending or running is always skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

_UNFINISHED = {"SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"}
_FAILED = {"FAILED", "CRASHED", "CANCELLED"}


@dataclass
class BackfillPlan:
    """Which times of a deployment's schedules get a run, and why the others do not."""

    deployment: Any
    create: list[datetime] = field(default_factory=list)
    skipped: list[tuple[datetime, str]] = field(default_factory=list)
    attempts: dict[datetime, int] = field(default_factory=dict)
    parameters: dict[datetime, dict[str, Any]] = field(default_factory=dict)

    def create_run(self, client: Any, when: datetime) -> Any:
        """The run for ``when`` (idempotent: the same plan creating twice makes one run)."""
        from riverrun.states import Scheduled

        attempt = self.attempts.get(when, 0)
        return client.create_flow_run_from_deployment(
            self.deployment.id, parameters=self.parameters.get(when) or None,
            state=Scheduled(state_details={"scheduled_time": when}), tags=["backfill"],
            idempotency_key=f"backfill {self.deployment.id} {when.isoformat()} {attempt}",
        )  # fmt: skip


def plan_backfill(
    client: Any, deployment: Any, start: datetime, end: datetime, reprocess: str = "none"
) -> BackfillPlan:
    """The plan for [start, end] over the deployment's active schedules."""
    from riverrun.schemas import filters as f

    plan = BackfillPlan(deployment)
    times: dict[datetime, dict[str, Any]] = {}
    for schedule in deployment.schedules:
        if not schedule.active:
            continue
        for when in schedule.schedule.get_dates(start=start, end=end):
            times.setdefault(when.astimezone(timezone.utc), dict(schedule.parameters))
    # Only the window's runs are read (a deployment may have years of history): a scheduled
    # run starts at most its schedule's jitter after the time it stands for.
    jitter = max((s.jitter for s in deployment.schedules if s.jitter is not None),
                 default=timedelta(0))  # fmt: skip
    runs = client.read_flow_runs(
        flow_run_filter=f.FlowRunFilter(
            expected_start_time=f.FlowRunFilterExpectedStartTime(after_=start, before_=end + jitter)
        ),
        deployment_filter=f.DeploymentFilter(id=f.DeploymentFilterId(any_=[deployment.id])),
    )
    by_time: dict[datetime, list[Any]] = {}
    for run in runs:
        key = _run_time(run)
        if key is not None:
            by_time.setdefault(key, []).append(run)
    for when, parameters in sorted(times.items()):
        existing = by_time.get(when, [])
        types = {r.state_type.value for r in existing if r.state_type is not None}
        if types & _UNFINISHED:
            plan.skipped.append((when, "a run is scheduled or in progress"))
        elif not existing:
            plan.create.append(when)
        elif reprocess == "completed" or (reprocess == "failed" and types <= _FAILED):
            plan.create.append(when)
        else:
            plan.skipped.append((when, "already ran" if reprocess == "none" else "it completed"))
        plan.attempts[when] = len(existing)
        plan.parameters[when] = parameters
    return plan


def _run_time(run: Any) -> datetime | None:
    """The schedule time a run stands for: from its key (jitter moves its start), else its start."""
    key = run.idempotency_key or ""
    parts = key.split(" ")
    if key.startswith(("scheduled ", "backfill ")) and len(parts) >= 4:
        text = parts[3] if key.startswith("scheduled ") else parts[2]
        try:
            return datetime.fromisoformat(text).astimezone(timezone.utc)
        except ValueError:
            pass
    moment = run.expected_start_time
    return moment.astimezone(timezone.utc) if moment is not None else None


_FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@dataclass
class BackfillProgress:
    """Where a backfill stands: runs created, finished (any final state) and not completed."""

    total: int
    created: int = 0
    finished: int = 0
    not_completed: list[Any] = field(default_factory=list)


def run_backfill(
    client: Any,
    plan: BackfillPlan,
    times: list[datetime],
    *,
    max_active: int | None = None,
    on_progress: Callable[[BackfillProgress], None] | None = None,
    poll_s: float = 1.0,
    stop: threading.Event | None = None,
) -> BackfillProgress:
    """Create the runs for ``times`` in order, at most ``max_active`` unfinished at once
    (Airflow's ``max_active_runs``), and wait until each has finished.

    The runs are run wherever the deployment is served (``serve()`` or a worker of its
    pool); this only creates them as room frees up and watches their states, reading the
    unfinished ones every ``poll_s``. ``stop`` (set from another thread) ends the wait early.

    Returns:
        The final progress; ``not_completed`` holds the runs that ended in another state.
    """
    from riverrun.schemas import filters as f

    progress = BackfillProgress(total=len(times))
    waiting, active = list(times), list[str]()
    stop = stop or threading.Event()
    while (waiting or active) and not stop.is_set():
        while waiting and (max_active is None or len(active) < max_active):
            active.append(str(plan.create_run(client, waiting.pop(0)).id))
            progress.created += 1
        if on_progress is not None:
            on_progress(progress)
        stop.wait(poll_s)
        runs = client.read_flow_runs(
            flow_run_filter=f.FlowRunFilter(id=f.FlowRunFilterId(any_=active)), limit=len(active)
        )
        for run in runs:
            state = run.state_type.value if run.state_type is not None else None
            if state in _FINAL:
                active.remove(str(run.id))
                progress.finished += 1
                if state != "COMPLETED":
                    progress.not_completed.append(run)
    if on_progress is not None:
        on_progress(progress)
    return progress
