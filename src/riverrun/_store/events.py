"""Events in the store: reading them back Prefect-shaped, and trimming old ones.

The events derived from flow-run states are stored with only what the state says; their
run's name, flow, deployment and tags are joined in here, when read. The SQL is plain text
with ``:named`` parameters, so the embedded writer's stdlib connection (evaluating
automations after a batch) and SQLAlchemy read the very same statement.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Optional

from riverrun._internal.clock import from_us, now_us, to_us
from riverrun._store.base import StoreBase
from riverrun.schemas.automations import EventFilter, ReceivedEvent

_DAY_US = 86_400 * 1_000_000

# The IDs of the events a store call wrote in its own transaction (deployment changes), for
# the embedded evaluator: with no server, nothing else would ever read them for triggers.
_written: contextvars.ContextVar[Optional[list[str]]] = contextvars.ContextVar(
    "riverrun_store_events_written", default=None
)


@contextlib.contextmanager
def collect_written_events() -> Iterator[list[str]]:
    """Collect the IDs of the events the store writes itself (``riverrun.deployment.*``)
    during the block; read the list after the block, once the change is committed."""
    ids: list[str] = []
    token = _written.set(ids)
    try:
        yield ids
    finally:
        _written.reset(token)


SELECT_EVENTS = """
SELECT e.id, e.occurred, e.event, e.resource, e.related, e.payload, e.received, e.follows,
    e.flow_run_id, fr.name AS run_name, fr.tags AS run_tags, fr.deployment_id,
    fr.work_pool_name, fr.work_queue_name, fr.run_count, f.id AS flow_id, f.name AS flow_name,
    d.name AS deployment_name, NULL AS task_run_id, NULL AS task_name, NULL AS task_tags,
    NULL AS state_type, NULL AS state_message, NULL AS task_run_count
FROM event AS e
LEFT JOIN flow_run AS fr ON fr.id = e.flow_run_id
LEFT JOIN flow AS f ON f.id = fr.flow_id
LEFT JOIN deployment AS d ON d.id = fr.deployment_id
"""

# Task-run state events are derived from the task-run states when read, not stored: a row
# per task state cost task_seq about half again its CPU time (measured: 0.95 s -> 1.45 s
# for 10,000 tasks). The columns are those of SELECT_EVENTS; ``received`` is the state's
# time (a state has no receipt time of its own).
SELECT_TASK_RUN_EVENTS = """
SELECT e.id, e.occurred, e.event, e.resource, e.related, e.payload, e.received, e.follows,
    e.flow_run_id, e.run_name, e.run_tags, e.deployment_id, e.work_pool_name,
    e.work_queue_name, e.run_count, e.flow_id, e.flow_name, e.deployment_name, e.task_run_id,
    e.task_name, e.task_tags, e.state_type, e.state_message, e.task_run_count
FROM (
SELECT s.id AS id, s.timestamp AS occurred, 'riverrun.task-run.' || s.name AS event,
    NULL AS resource, NULL AS related, NULL AS payload, s.timestamp AS received,
    NULL AS follows, tr.flow_run_id AS flow_run_id, fr.name AS run_name, fr.tags AS run_tags,
    fr.deployment_id AS deployment_id, fr.work_pool_name AS work_pool_name,
    fr.work_queue_name AS work_queue_name, fr.run_count AS run_count, f.id AS flow_id,
    f.name AS flow_name, d.name AS deployment_name, tr.id AS task_run_id,
    tr.name AS task_name, tr.tags AS task_tags, s.type AS state_type,
    s.message AS state_message, tr.run_count AS task_run_count,
    'riverrun.task-run.' || s.task_run_id AS resource_id
FROM task_run_state AS s
JOIN task_run AS tr ON tr.id = s.task_run_id
LEFT JOIN flow_run AS fr ON fr.id = tr.flow_run_id
LEFT JOIN flow AS f ON f.id = fr.flow_id
LEFT JOIN deployment AS d ON d.id = fr.deployment_id
) AS e
"""
TASK_RUN_PREFIX = "riverrun.task-run."

Row = Sequence[Any]


def _like_or_equal(column: str, values: list[str], prefix: str, params: dict[str, Any]) -> str:
    parts = []
    for i, value in enumerate(values):
        name = f"{prefix}{i}"
        if value.endswith("*"):
            params[name] = value[:-1].replace("%", r"\%").replace("_", r"\_") + "%"
            parts.append(f"{column} LIKE :{name} ESCAPE '\\'")
        else:
            params[name] = value
            parts.append(f"{column} = :{name}")
    return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"


def _may_match(patterns: Optional[list[str]], prefix: str) -> bool:
    """Whether any of the name/ID patterns can match something starting with ``prefix``."""
    if patterns is None:
        return False
    for p in patterns:
        if p.startswith(prefix) or (p.endswith("*") and prefix.startswith(p[:-1])):
            return True
    return False


def wants_task_run_events(event_filter: Optional[EventFilter]) -> bool:
    """Whether a filter asks for task-run events by name or resource (they are derived on
    read only then, so reading other events costs nothing more)."""
    if event_filter is None:
        return False
    return _may_match(event_filter.event_names, TASK_RUN_PREFIX) or _may_match(
        event_filter.resource_ids, TASK_RUN_PREFIX
    )


# The columns a related-resource filter reads, in each half of the query: stored events
# (their own related JSON, and the flow run's flow, deployment, queue, pool and tags joined
# in) and derived task-run events (the task's tags and flow run, then the flow run's).
_STORED_RELATED = {"related": "e.related", "flow": "f.id", "deployment": "fr.deployment_id",
                   "work-queue": "fr.work_queue_name", "work-pool": "fr.work_pool_name",
                   "run_tags": "fr.tags", "task_tags": None, "flow-run": None}  # fmt: skip
_TASK_RELATED = {"related": None, "flow": "e.flow_id", "deployment": "e.deployment_id",
                 "work-queue": "e.work_queue_name", "work-pool": "e.work_pool_name",
                 "run_tags": "e.run_tags", "task_tags": "e.task_tags",
                 "flow-run": "e.flow_run_id"}  # fmt: skip
_JSON_SAFE = re.compile(r'^[^"\\\x00-\x1f]*$')


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def _related_condition(wanted: list[str], columns: dict[str, Optional[str]],
                       params: dict[str, Any], prefix: str) -> str:  # fmt: skip
    """SQL that every event related to one of ``wanted`` satisfies (a superset: events are
    checked exactly in Python after), so the read can stop at its limit instead of reading
    every event. A pattern the JSON text cannot be searched for reliably matches everything."""
    parts: list[str] = []
    for n, pattern in enumerate(wanted):
        is_prefix = pattern.endswith("*")
        stem = pattern[:-1] if is_prefix else pattern
        if not _JSON_SAFE.match(stem):
            return "1 = 1"
        key = f"{prefix}{n}"
        params[key] = _like_escape(stem) + "%" if is_prefix else stem
        match = f"LIKE :{key} ESCAPE '\\'" if is_prefix else f"= :{key}"
        if columns["related"] is not None:
            params[f"{key}j"] = f'%"{_like_escape(stem)}{"" if is_prefix else chr(34)}%'
            parts.append(f"{columns['related']} LIKE :{key}j ESCAPE '\\'")
        for kind in ("flow", "deployment", "work-queue", "work-pool", "flow-run"):
            column = columns[kind]
            if column is not None:
                parts.append(f"('riverrun.{kind}.' || {column}) {match}")
        for tags in (columns["run_tags"], columns["task_tags"]):
            if tags is None:
                continue
            tag_stem = "riverrun.tag."
            if stem.startswith(tag_stem):
                tag = _like_escape(stem[len(tag_stem) :])
                params[f"{key}t"] = f'%"{tag}{"" if is_prefix else chr(34)}%'
                parts.append(f"{tags} LIKE :{key}t ESCAPE '\\'")
            elif is_prefix and tag_stem.startswith(stem):
                parts.append(f"({tags} IS NOT NULL AND {tags} <> '[]')")
    return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"


def events_query(
    event_filter: Optional[EventFilter],
    limit: Optional[int],
    ids: Optional[list[str]] = None,
    task_runs: Optional[bool] = None,
    after: Optional[tuple[int, str]] = None,
) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters reading events by a filter (or by IDs), oldest first.

    ``task_runs`` (default: when the filter names them) adds the task-run state events;
    ``after`` is the ``(occurred µs, id)`` of the last event already read (the next page).
    With ``related_resource_ids`` the SQL keeps a superset of the matches (``events_from_rows``
    keeps the exact ones), still limited, so a caller pages on with ``after``.
    """
    where: list[str] = []
    params: dict[str, Any] = {}
    flt = event_filter or EventFilter()
    if ids is not None:
        where.append(_like_or_equal("e.id", ids, "id", params))
    if flt.occurred_since is not None:
        where.append("e.occurred >= :since")
        params["since"] = to_us(flt.occurred_since)
    if flt.occurred_until is not None:
        where.append("e.occurred <= :until")
        params["until"] = to_us(flt.occurred_until)
    if flt.received_after is not None:
        where.append("e.received > :received_after")
        params["received_after"] = to_us(flt.received_after)
    if flt.event_names:
        where.append(_like_or_equal("e.event", flt.event_names, "name", params))
    if flt.resource_ids:
        where.append(_like_or_equal("e.resource_id", flt.resource_ids, "res", params))
    if after is not None:
        where.append("(e.occurred > :after_t OR (e.occurred = :after_t AND e.id > :after_id))")
        params["after_t"], params["after_id"] = after
    stored, derived = list(where), list(where)
    if flt.related_resource_ids:
        stored.append(_related_condition(flt.related_resource_ids, _STORED_RELATED, params, "rs"))
        derived.append(_related_condition(flt.related_resource_ids, _TASK_RELATED, params, "rt"))
    sql = SELECT_EVENTS + (" WHERE " + " AND ".join(stored) if stored else "")
    if task_runs if task_runs is not None else wants_task_run_events(event_filter):
        sql += " UNION ALL " + SELECT_TASK_RUN_EVENTS
        sql += " WHERE " + " AND ".join(derived) if derived else ""
        sql += " ORDER BY occurred, id"
    else:
        sql += " ORDER BY e.occurred, e.id"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return sql, params


def _related(row: Row) -> list[dict[str, str]]:
    related: list[dict[str, str]] = json.loads(row[4]) if row[4] else []
    if row[18] is not None:
        # A task run's: its tags, then its flow run and what that relates to, as Prefect's.
        task_tags: list[str] = json.loads(row[20]) if row[20] else []
        related.extend({"riverrun.resource.id": f"riverrun.tag.{tag}",
                        "riverrun.resource.role": "tag"} for tag in sorted(set(task_tags)))  # fmt: skip
        if row[8] is not None:
            related.append({"riverrun.resource.id": f"riverrun.flow-run.{row[8]}",
                            "riverrun.resource.role": "flow-run",
                            "riverrun.resource.name": row[9] or ""})  # fmt: skip
    if row[8] is None:
        return related
    run_tags: list[str] = json.loads(row[10]) if row[10] else []
    # (kind, id, name): the run's flow, deployment, work queue and work pool, as Prefect's.
    for kind, resource_id, name in (
        ("flow", row[15], row[16]),
        ("deployment", row[11], row[17]),
        ("work-queue", row[13], row[13]),
        ("work-pool", row[12], row[12]),
    ):
        if resource_id is not None:
            related.append({"riverrun.resource.id": f"riverrun.{kind}.{resource_id}",
                            "riverrun.resource.role": kind,
                            "riverrun.resource.name": name or ""})  # fmt: skip
    for tag in sorted(set(run_tags)):
        related.append({"riverrun.resource.id": f"riverrun.tag.{tag}",
                        "riverrun.resource.role": "tag"})  # fmt: skip
    return related


def _as_uuid(text: Optional[str]) -> Optional[uuid.UUID]:
    # Events are keyed by any ID of up to 36 characters (a state's, a client's); the API
    # answers UUIDs, so another ID is given a stable UUID of its own.
    if text is None:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, text)


def _task_run_resource(row: Row) -> tuple[dict[str, str], dict[str, Any]]:
    """The resource and payload of a derived task-run state event (as a flow run's)."""
    name = row[2][len(TASK_RUN_PREFIX) :]
    timestamp = from_us(row[1]).isoformat()
    message = (row[22] or "")[:100_000]
    resource = {
        "riverrun.resource.id": f"{TASK_RUN_PREFIX}{row[18]}",
        "riverrun.resource.name": row[19] or "",
        "riverrun.run-count": str(row[23] or 0),
        "riverrun.state-message": message,
        "riverrun.state-name": name,
        "riverrun.state-timestamp": timestamp,
        "riverrun.state-type": row[21],
    }
    payload = {"intended": {"to": row[21]},
               "validated_state": {"type": row[21], "name": name, "message": message,
                                   "timestamp": timestamp}}  # fmt: skip
    return resource, payload


def event_from_row(row: Row) -> ReceivedEvent:
    """A stored (or derived) event as the API returns it."""
    if row[18] is not None:
        resource, payload = _task_run_resource(row)
    else:
        resource = json.loads(row[3])
        payload = json.loads(row[5]) if row[5] else {}
        if row[8] is not None and row[9] is not None:
            resource.setdefault("riverrun.resource.name", row[9])
    return ReceivedEvent.model_validate(
        {
            "id": _as_uuid(row[0]),
            "occurred": from_us(row[1]),
            "event": row[2],
            "resource": resource,
            "related": _related(row),
            "payload": payload,
            "received": from_us(row[6]),
            "follows": _as_uuid(row[7]),
        }
    )


def _related_matches(event: ReceivedEvent, wanted: list[str]) -> bool:
    ids = [r.id for r in event.related]
    return any(
        any(i.startswith(w[:-1]) if w.endswith("*") else i == w for i in ids) for w in wanted
    )


def events_from_rows(
    rows: Iterable[Row], event_filter: Optional[EventFilter], limit: Optional[int]
) -> list[ReceivedEvent]:
    """Rows of ``events_query`` as events, with the related-resource filter applied."""
    events = [event_from_row(r) for r in rows]
    wanted = event_filter.related_resource_ids if event_filter is not None else None
    if wanted:
        events = [e for e in events if _related_matches(e, wanted)]
        if limit is not None:
            events = events[:limit]
    return events


class EventStoreMixin(StoreBase):
    """Read events; trim old ones."""

    def read_events(
        self,
        filter: Optional[EventFilter] = None,
        limit: Optional[int] = 100,  # noqa: A002
    ) -> list[ReceivedEvent]:
        """Events matching the filter, oldest first."""
        if filter is None or not filter.related_resource_ids:
            sql, params = events_query(filter, limit)
            with self.connect() as conn:
                return events_from_rows(conn.execute(self.text(sql), params).all(), filter, limit)
        # The SQL keeps a superset of the related matches: page on until the limit is met.
        found: list[ReceivedEvent] = []
        page = max(200, 2 * (limit or 0))
        after: Optional[tuple[int, str]] = None
        with self.connect() as conn:
            while limit is None or len(found) < limit:
                sql, params = events_query(filter, page, after=after)
                rows = conn.execute(self.text(sql), params).all()
                found += events_from_rows(rows, filter, None)
                if len(rows) < page:
                    break
                after = (rows[-1][1], rows[-1][0])
        return found if limit is None else found[:limit]

    def delete_old_events(self, older_than_days: float, *, now: Optional[int] = None) -> int:
        """Delete events that occurred more than ``older_than_days`` ago; 0 or less keeps all.

        Returns how many were deleted.
        """
        if older_than_days <= 0:
            return 0
        cutoff = (now_us() if now is None else now) - int(older_than_days * _DAY_US)
        with self.begin() as conn:
            result = conn.execute(
                self.text("DELETE FROM event WHERE occurred < :cutoff"), {"cutoff": cutoff}
            )
        return int(result.rowcount or 0)


# -- deployment events ----------------------------------------------------------------------

# Prefect's DEPLOYMENT_EVENT_FIELDS, under riverrun's column names (``work_queue_id`` is the
# queue's name here, ``infra_overrides`` the job variables).
DEPLOYMENT_EVENT_FIELDS = (
    "description", "tags", "parameters", "parameter_openapi_schema", "enforce_parameter_schema",
    "entrypoint", "path", "pull_steps", "work_queue_name", "job_variables", "paused", "version",
    "concurrency_limit", "concurrency_options",
)  # fmt: skip
_JSON_COLUMNS = {"tags", "parameters", "parameter_openapi_schema", "pull_steps", "job_variables",
                 "concurrency_options"}  # fmt: skip


def _column(row: Any, name: str) -> Any:
    value = getattr(row, name, None)
    if name in _JSON_COLUMNS and isinstance(value, str):
        return json.loads(value)
    if name in ("paused", "enforce_parameter_schema") and value is not None:
        return bool(value)
    return value


def deployment_changes(before: Any, after: Any) -> dict[str, dict[str, Any]]:
    """``{field: {"from": old, "to": new}}`` for each event field that changed, as Prefect's
    ``deployment.updated`` payload."""
    changes: dict[str, dict[str, Any]] = {}
    for name in DEPLOYMENT_EVENT_FIELDS:
        old, new = _column(before, name), _column(after, name)
        if old != new:
            changes[name] = {"from": old, "to": new}
    return changes


def record_deployment_event(
    conn: Any, text: Any, action: str, row: Any, changes: Optional[dict[str, dict[str, Any]]] = None
) -> None:
    """Write ``riverrun.deployment.<action>`` (created, updated, deleted) for a deployment
    row, in the caller's transaction: the event is stored exactly when the change is.

    Args:
        conn: the open transaction's connection.
        text: the store's ``text`` (SQL text for this connection).
        action: ``created``, ``updated`` or ``deleted``.
        row: the deployment's row (after the change; before it for ``deleted``).
        changes: for ``updated``, what changed (``deployment_changes``).
    """
    from riverrun._internal.ids import new_id

    related = []
    flow_name = conn.execute(
        text("SELECT name FROM flow WHERE id = :id"), {"id": row.flow_id}
    ).scalar()
    if flow_name is not None:
        related.append({"riverrun.resource.id": f"riverrun.flow.{row.flow_id}",
                        "riverrun.resource.name": flow_name,
                        "riverrun.resource.role": "flow"})  # fmt: skip
    payload: dict[str, Any] = {}
    if changes is not None:
        payload = {"updated_fields": list(changes), "updates": changes}
    event = {
        "kind": "event",
        "id": new_id(),
        "occurred": now_us(),
        "event": f"riverrun.deployment.{action}",
        "resource": {
            "riverrun.resource.id": f"riverrun.deployment.{row.id}",
            "riverrun.resource.name": row.name,
        },  # fmt: skip
        "related": related,
        "payload": json.loads(json.dumps(payload, default=str)),
        "follows": None,
    }
    write_event(conn, text, event)


def write_event(conn: Any, text: Any, event: dict[str, Any]) -> None:
    """Write one event (the recorder's ``kind: "event"`` shape) in the caller's transaction,
    and hand its ID to the embedded evaluator collecting this transaction's events."""
    from riverrun._store import ingest

    for sql, rows in ingest.plan([event]):
        conn.execute(text(sql), rows)
    collected = _written.get()
    if collected is not None:
        collected.append(event["id"])
