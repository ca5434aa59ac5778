"""The UI's reads and commands for work pools, work queues, workers and concurrency limits.

The other half of ``ui.data`` (same ``UIStore``, same rule: the operation table's methods, and
the UI's bounded reads for the runs of a pool). Every list is read with a LIMIT one row past
what a page shows, so it can say "more" instead of reading a growing table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from riverrun._scheduling.policy import LATE_AFTER_US
from riverrun._store.ui_queries import CappedCount
from riverrun.exceptions import InvalidWorkPoolError, ObjectAlreadyExists, ObjectNotFound
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


def pools(store: UIStore, offset: int = 0, size: int = PAGE) -> tuple[list[PoolRow], bool]:
    """A page of ``size`` pools by name with their queue count, workers online and runs
    waiting (due Scheduled runs no worker has taken yet); and whether there are more pools."""
    found = store.read_work_pools(limit=size + 1, offset=offset)
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
        for pool in found[:size]
    ]
    return rows, len(found) > size


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


# -- creating and editing pools and queues ---------------------------------------------------

#: What the pool forms show when nothing was typed yet.
EMPTY_POOL = {"name": "", "type": "process", "description": "", "concurrency_limit": "",
              "base_job_template": "", "is_paused": ""}  # fmt: skip
EMPTY_QUEUE = {"name": "", "description": "", "priority": "", "concurrency_limit": "",
               "is_paused": ""}  # fmt: skip
_POOL_FIELDS = {k: k for k in EMPTY_POOL}
_QUEUE_FIELDS = {k: k for k in EMPTY_QUEUE}


def pool_values(pool: o.WorkPool) -> dict[str, str]:
    """A pool as its edit form shows it (the job template as indented JSON)."""
    limit = pool.concurrency_limit
    return {"name": pool.name, "type": pool.type, "description": pool.description or "",
            "concurrency_limit": "" if limit is None else str(limit),
            "base_job_template": json.dumps(pool.base_job_template, indent=2),
            "is_paused": "on" if pool.is_paused else ""}  # fmt: skip


def queue_values(queue: o.WorkQueue) -> dict[str, str]:
    """A queue as its edit form shows it."""
    limit = queue.concurrency_limit
    return {"name": queue.name, "description": queue.description or "",
            "priority": "" if queue.priority is None else str(queue.priority),
            "concurrency_limit": "" if limit is None else str(limit),
            "is_paused": "on" if queue.is_paused else ""}  # fmt: skip


def _optional_whole(text: str, errors: dict[str, str], key: str, what: str) -> int | None:
    """A whole number typed in ``key``; empty means none (no limit, default priority)."""
    if not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        errors[key] = f"{text.strip()!r} is not a whole number; give {what}, or leave it empty."
        return None


def _template(text: str, errors: dict[str, str]) -> dict[str, object] | None:
    """The base job template typed as JSON: an object, or None when left empty."""
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        errors["base_job_template"] = (f"Not valid JSON ({exc.msg} at line {exc.lineno}, "
                                       f"column {exc.colno}); fix it or clear the field.")  # fmt: skip
        return None
    if not isinstance(value, dict):
        errors["base_job_template"] = (f"A base job template is a JSON object ({{...}}), not "
                                       f"{type(value).__name__}.")  # fmt: skip
        return None
    return value


def _limit_error(exc: InvalidWorkPoolError) -> dict[str, str]:
    text = str(exc)
    return {"priority" if "priority" in text else "concurrency_limit": text}


def _saved(save: Callable[[], object], fields: dict[str, str]) -> dict[str, str]:
    """Run ``save``; what the API's models and operations refuse, by form field."""
    try:
        save()
    except ValidationError as exc:
        return _errors(exc, fields)
    except ObjectAlreadyExists as exc:
        return {"name": str(exc)}
    except InvalidWorkPoolError as exc:
        return _limit_error(exc)
    return {}


def _pool_numbers(form: dict[str, str], errors: dict[str, str]) -> tuple[int | None, Any]:
    """The pool form's concurrency limit and base job template (None: left empty)."""
    limit = _optional_whole(form.get("concurrency_limit", ""), errors, "concurrency_limit",
                            "the number of runs at once")  # fmt: skip
    return limit, _template(form.get("base_job_template", ""), errors)


def create_pool(store: UIStore, form: dict[str, str]) -> dict[str, str]:
    """Create a pool (with its ``default`` queue) from the form; errors by field, checked by
    the API's own model and operation (a limit of 0, a name taken)."""
    errors: dict[str, str] = {}
    limit, template = _pool_numbers(form, errors)
    if errors:
        return errors
    return _saved(lambda: store.create_work_pool(a.WorkPoolCreate(
        name=form.get("name", "").strip(), type=form.get("type", "").strip() or "process",
        description=form.get("description", "").strip() or None, concurrency_limit=limit,
        is_paused=form.get("is_paused") == "on", base_job_template=template or {},
    )), _POOL_FIELDS)  # fmt: skip


def update_pool(store: UIStore, name: str, form: dict[str, str]) -> dict[str, str]:
    """Change a pool's description, limit (empty clears it), job template and pause switch;
    errors by field."""
    errors: dict[str, str] = {}
    limit, template = _pool_numbers(form, errors)
    if errors:
        return errors
    return _saved(lambda: store.update_work_pool(name, a.WorkPoolUpdate(
        description=form.get("description", "").strip() or None, concurrency_limit=limit,
        is_paused=form.get("is_paused") == "on", base_job_template=template,
    )), _POOL_FIELDS)  # fmt: skip


def delete_pool(store: UIStore, name: str) -> None:
    """Delete a pool with its queues and workers (its runs keep naming it)."""
    store.delete_work_pool(name)


def _queue_numbers(form: dict[str, str], errors: dict[str, str]) -> tuple[int | None, int | None]:
    priority = _optional_whole(form.get("priority", ""), errors, "priority",
                               "a priority of 1 or more (1 is claimed first)")  # fmt: skip
    if priority is not None and priority < 1:
        errors["priority"] = (f"A queue's priority is 1 or more (1 is claimed first), not "
                              f"{priority}; give 1 to claim from it before the others.")  # fmt: skip
    limit = _optional_whole(form.get("concurrency_limit", ""), errors, "concurrency_limit",
                            "the number of runs at once")  # fmt: skip
    return priority, limit


def create_queue(store: UIStore, pool: str, form: dict[str, str]) -> dict[str, str]:
    """Create a queue of ``pool`` from the form; errors by field (a name the pool has, a
    priority below 1, a limit of 0)."""
    errors: dict[str, str] = {}
    priority, limit = _queue_numbers(form, errors)
    if errors:
        return errors
    return _saved(lambda: store.create_work_queue(work_pool_name=pool, **a.WorkQueueCreate(
        name=form.get("name", "").strip(), priority=priority, concurrency_limit=limit,
        description=form.get("description", "").strip() or None,
        is_paused=form.get("is_paused") == "on",
    ).model_dump()), _QUEUE_FIELDS)  # fmt: skip


def _has_queue(store: UIStore, pool: str, name: str) -> bool:
    try:
        store.read_work_queue_by_name(name, work_pool_name=pool)
    except ObjectNotFound:
        return False
    return True


def update_queue(store: UIStore, queue: o.WorkQueue, form: dict[str, str],
                 *, default: bool) -> dict[str, str]:  # fmt: skip
    """Change a queue's name (not the default queue's: runs naming no queue are its), its
    description, priority, limit (empty clears it) and pause switch; errors by field."""
    errors: dict[str, str] = {}
    priority, limit = _queue_numbers(form, errors)
    name = queue.name if default else form.get("name", "").strip()
    if not name:
        errors["name"] = "A queue needs a name; give one, such as urgent."
    elif name != queue.name and _has_queue(store, queue.work_pool_name or "", name):
        errors["name"] = (f"Work pool {queue.work_pool_name!r} already has a queue named "
                          f"{name!r}; choose another name.")  # fmt: skip
    if errors:
        return errors
    return _saved(lambda: store.update_work_queue(queue.id, a.WorkQueueUpdate(
        name=name, description=form.get("description", "").strip() or None,
        priority=priority or queue.priority, concurrency_limit=limit,
        is_paused=form.get("is_paused") == "on",
    )), _QUEUE_FIELDS)  # fmt: skip


def delete_queue(store: UIStore, queue_id: str) -> o.WorkQueue:
    """Delete a queue (not its pool's default queue); the queue as it was."""
    queue = store.read_work_queue(queue_id)
    store.delete_work_queue_by_id(queue_id)
    return queue


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
