"""The UI's reads and commands for work pools, work queues, workers and concurrency limits.

The other half of ``ui.data`` (same ``UIStore``, same rule: the operation table's methods, and
the UI's bounded reads for the runs of a pool). Every list is read with a LIMIT one row past
what a page shows, so it can say "more" instead of reading a growing table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pydantic import ValidationError

from riverrun._scheduling.policy import LATE_AFTER_US
from riverrun._store.ui_queries import CappedCount
from riverrun.exceptions import ObjectAlreadyExists
from riverrun.schemas import actions as a
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.server.ui.data import PAGE, RunQuery, RunsPage, UIStore, runs_page
from riverrun.states import StateType

#: A pool page lists this many queues and workers at most (configuration, not history).
SHOWN = 100
#: The concurrency page lists this many limits of each kind at most.
LIMITS_SHOWN = 200
#: Tag limits are stored as global limits named ``tag:<tag>`` (as Prefect 3 does); the global
#: list leaves them to the tag table.
TAG_PREFIX = "tag:"


def _scheduled(before: datetime) -> f.FlowRunFilter:
    """Scheduled runs (``Scheduled`` or ``Late``) expected to start before ``before``."""
    return f.FlowRunFilter(
        state=f.FlowRunFilterState(type=f.FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
        expected_start_time=f.FlowRunFilterExpectedStartTime(before_=before),
    )


def _late_before() -> datetime:
    return datetime.now(timezone.utc) - timedelta(microseconds=LATE_AFTER_US)


@dataclass
class PoolRow:
    """A row of the pools list: the pool and its counts."""

    pool: o.WorkPool
    queues: CappedCount
    workers_online: CappedCount
    waiting: CappedCount


def _count(rows: list[object], cap: int) -> CappedCount:
    return CappedCount(min(len(rows), cap), len(rows) > cap)


def pools(store: UIStore, offset: int = 0) -> tuple[list[PoolRow], bool]:
    """A page of pools by name with their queue count, workers online and runs waiting (due
    Scheduled runs no worker has taken yet); and whether there are more pools."""
    found = store.read_work_pools(limit=PAGE + 1, offset=offset)
    online = f.WorkerFilter(status=f.WorkerFilterStatus(any_=["ONLINE"]))
    due = _scheduled(datetime.now(timezone.utc))
    rows = [
        PoolRow(
            pool,
            _count(list(store.read_work_queues(work_pool_name=pool.name, limit=SHOWN + 1)), SHOWN),
            _count(
                list(
                    store.read_workers_for_work_pool(
                        pool.name, worker_filter=online, limit=SHOWN + 1
                    )
                ),
                SHOWN,
            ),  # fmt: skip
            store.count_flow_runs_capped(flow_run_filter=due, work_pools=[pool.name]),
        )
        for pool in found[:PAGE]
    ]
    return rows, len(found) > PAGE


@dataclass
class QueueRow:
    """A queue of a pool with its late runs (Scheduled, past their time by the late margin)."""

    queue: o.WorkQueue
    late: CappedCount


@dataclass
class PoolView:
    """What a pool's page shows."""

    pool: o.WorkPool
    queues: list[QueueRow]
    queues_more: bool
    workers: list[o.Worker]
    workers_more: bool
    waiting: list[o.FlowRun]
    waiting_count: CappedCount
    runs: RunsPage


def pool_view(store: UIStore, name: str) -> PoolView:
    """A pool with its queues (late runs of each), its workers, the runs waiting for a worker
    (the latest due first) and its latest runs."""
    pool = store.read_work_pool(name)
    queues = store.read_work_queues(work_pool_name=name, limit=SHOWN + 1)
    late = _scheduled(_late_before())
    rows = [
        QueueRow(
            q,
            store.count_flow_runs_capped(
                flow_run_filter=late, work_pools=[name], work_queues=[q.name]
            ),
        )  # fmt: skip
        for q in queues[:SHOWN]
    ]
    workers = store.read_workers_for_work_pool(name, limit=SHOWN + 1)
    due = _scheduled(datetime.now(timezone.utc))
    waiting = store.read_flow_runs_page(flow_run_filter=due, work_pools=[name], limit=10)
    waiting_count = store.count_flow_runs_capped(flow_run_filter=due, work_pools=[name])
    # No time window: a pool's runs are read newest first and stop at the page (and the cap).
    runs = runs_page(store, RunQuery(pools=(name,)), size=10)
    return PoolView(pool, rows, len(queues) > SHOWN, workers[:SHOWN], len(workers) > SHOWN,
                    waiting, waiting_count, runs)  # fmt: skip


def set_pool_paused(store: UIStore, name: str, paused: bool) -> None:
    """Pause a pool (workers claim nothing from it) or resume it."""
    store.update_work_pool(name, a.WorkPoolUpdate(is_paused=paused))


def set_queue_paused(store: UIStore, queue_id: str, paused: bool) -> o.WorkQueue:
    """Pause or resume one queue; the queue (for its pool's name)."""
    store.update_work_queue(queue_id, a.WorkQueueUpdate(is_paused=paused))
    return store.read_work_queue(queue_id)


# -- concurrency limits -----------------------------------------------------------------------


@dataclass
class Limits:
    """What the concurrency page lists."""

    global_limits: list[o.GlobalConcurrencyLimit]
    tag_limits: list[o.ConcurrencyLimit]
    capped: bool


def limits(store: UIStore) -> Limits:
    """Global limits (tag limits left to their own table) and task-run tag limits, by name."""
    every = store.read_global_concurrency_limits(limit=LIMITS_SHOWN + 1)
    tags = store.read_concurrency_limits(limit=LIMITS_SHOWN + 1)
    shown = [x for x in every[:LIMITS_SHOWN] if not x.name.startswith(TAG_PREFIX)]
    capped = len(every) > LIMITS_SHOWN or len(tags) > LIMITS_SHOWN
    return Limits(shown, tags[:LIMITS_SHOWN], capped)


def _errors(exc: ValidationError, fields: dict[str, str]) -> dict[str, str]:
    """A model's validation errors keyed by form field, in words (``Value error, `` dropped)."""
    out: dict[str, str] = {}
    for error in exc.errors():
        loc = str(error["loc"][0]) if error["loc"] else ""
        text = str(error["msg"]).removeprefix("Value error, ")
        out.setdefault(fields.get(loc, "name"), text[0].upper() + text[1:] + ".")
    return out


def _whole(text: str, errors: dict[str, str], key: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        errors[key] = (
            f"{text.strip() or 'Nothing'!r} is not a whole number of slots; give one, such as 5."
        )
        return None


def create_global_limit(store: UIStore, form: dict[str, str]) -> dict[str, str]:
    """Create a global limit from the form (name, limit, decay, active); errors by field,
    checked by the API's own model, so a limit of 0 is refused with the API's reason."""
    errors: dict[str, str] = {}
    limit = _whole(form.get("limit", ""), errors, "limit")
    decay_text = form.get("slot_decay_per_second", "").strip() or "0"
    try:
        decay = float(decay_text)
    except ValueError:
        errors["slot_decay_per_second"] = f"{decay_text!r} is not a number of slots per second."
        decay = 0.0
    if errors or limit is None:
        return errors
    try:
        body = a.GlobalConcurrencyLimitCreate(
            name=form.get("name", "").strip(), limit=limit, slot_decay_per_second=decay,
            active=form.get("active") == "on",
        )  # fmt: skip
    except ValidationError as exc:
        return _errors(exc, {"name": "name", "limit": "limit",
                             "slot_decay_per_second": "slot_decay_per_second"})  # fmt: skip
    try:
        store.create_global_concurrency_limit(body)
    except ObjectAlreadyExists as exc:
        return {"name": str(exc)}
    return {}


def create_tag_limit(store: UIStore, form: dict[str, str]) -> dict[str, str]:
    """Create (or resize) the limit on task runs with a tag; errors by field."""
    errors: dict[str, str] = {}
    limit = _whole(form.get("concurrency_limit", ""), errors, "concurrency_limit")
    if limit is None:
        return errors
    try:
        body = a.ConcurrencyLimitCreate(tag=form.get("tag", "").strip(), concurrency_limit=limit)
    except ValidationError as exc:
        return _errors(exc, {"tag": "tag", "concurrency_limit": "concurrency_limit"})
    store.create_concurrency_limit(body.tag, body.concurrency_limit)
    return {}


def set_global_limit_active(store: UIStore, name: str, active: bool) -> None:
    """Turn a global limit on or off (off: acquirers pass without taking slots)."""
    store.update_global_concurrency_limit(name, a.GlobalConcurrencyLimitUpdate(active=active))


def delete_global_limit(store: UIStore, name: str) -> None:
    """Delete a global limit and its leases."""
    store.delete_global_concurrency_limit_by_name(name)


def delete_tag_limit(store: UIStore, tag: str) -> None:
    """Delete the limit on a tag."""
    store.delete_concurrency_limit_by_tag(tag)


def reset_tag_limit(store: UIStore, tag: str) -> None:
    """Free every slot of a tag limit."""
    store.reset_concurrency_limit_by_tag(tag)
