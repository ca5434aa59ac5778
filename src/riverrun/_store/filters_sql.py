"""Compile the filter and sort schemas into SQLAlchemy Core expressions.

Semantics follow Prefect 3: ``like_`` is a case-insensitive substring match; ``any_`` is
membership; tag ``all_`` needs every tag, ``any_`` one of them; time ``before_`` / ``after_``
are inclusive; the sub-filters of a filter are combined with its ``operator`` (``and_`` by
default). Run tags are matched through the indexed ``*_tag`` tables with ``EXISTS``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from riverrun._internal.clock import to_us
from riverrun._store import tables as t
from riverrun._store.dialect import case_insensitive_like
from riverrun.exceptions import InvalidFilterError
from riverrun.schemas import filters as f
from riverrun.schemas import sorting as s

Clause = ColumnElement[bool]


def _ids(values: Iterable[Any]) -> list[str]:
    # IDs are stored as text. The shared filter schemas accept any scalar (a UUID, its text),
    # and PostgreSQL refuses to compare text with a number, so every value is bound as text:
    # an ID filter of ``[0]`` matches nothing, on both dialects.
    return [str(v) for v in values]


def _combine(clauses: Sequence[Clause], operator: str = "and_") -> Clause | None:
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    return sa.or_(*clauses) if operator == "or_" else sa.and_(*clauses)


def _all(*groups: Clause | None) -> list[Clause]:
    return [c for c in groups if c is not None]


def _id(col: Any, flt: Any) -> Clause | None:
    if flt is None:
        return None
    out: list[Clause] = []
    if flt.any_ is not None:
        out.append(col.in_(_ids(flt.any_)))
    if getattr(flt, "not_any_", None) is not None:
        out.append(col.not_in(_ids(flt.not_any_)))
    if getattr(flt, "is_null_", None) is not None:
        out.append(col.is_(None) if flt.is_null_ else col.is_not(None))
    return _combine(out)


def _name(col: Any, flt: Any) -> Clause | None:
    if flt is None:
        return None
    out: list[Clause] = []
    if flt.any_ is not None:
        out.append(col.in_(flt.any_))
    if getattr(flt, "not_any_", None) is not None:
        out.append(col.not_in(flt.not_any_))
    if getattr(flt, "like_", None) is not None:
        out.append(_like(col, flt.like_))
    if getattr(flt, "exists_", None) is not None:
        out.append(col.is_not(None) if flt.exists_ else col.is_(None))
    return _combine(out)


def _like(col: Any, pattern: str) -> Clause:
    # A substring longer than the column holds matches nothing; sent to SQLite as a pattern
    # (past 50,000 bytes: "LIKE or GLOB pattern too complex") it was a 500.
    length = getattr(col.type, "length", None)
    if length is not None and len(pattern) > length:
        return sa.false()
    return case_insensitive_like(col, pattern)  # type: ignore[no-any-return]


def _time(col: Any, flt: Any) -> Clause | None:
    if flt is None:
        return None
    out: list[Clause] = []
    if flt.before_ is not None:
        out.append(col <= _us(flt.before_))
    if flt.after_ is not None:
        out.append(col >= _us(flt.after_))
    if flt.is_null_ is not None:
        out.append(col.is_(None) if flt.is_null_ else col.is_not(None))
    return _combine(out)


def _start_time(table: sa.Table, flt: Any) -> Clause | None:
    """A start-time filter, restated on the indexed START_TIME sort expression.

    ``start_time >= x`` implies ``coalesce(start_time, expected_start_time) >= x``; saying so
    lets the database walk ``ix_*__started`` from ``x`` in sort order and stop after ``limit``
    rows, instead of collecting every match and sorting it.
    """
    clause = _time(table.c.start_time, flt)
    if clause is None or (flt.after_ is None and flt.before_ is None):
        return clause
    restated = _time(t.started(table), flt.model_copy(update={"is_null_": None}))
    return clause if restated is None else _combine([clause, restated])


def _us(value: datetime) -> int:
    return to_us(value)


def _run_tags(tag_table: sa.Table, fk: Any, run_id: Any, flt: Any) -> Clause | None:
    if flt is None:
        return None
    out: list[Clause] = []

    def exists(*where: Clause) -> Clause:
        return sa.exists().where(fk == run_id, *where)

    for tag in flt.all_ or ():
        out.append(exists(tag_table.c.tag == tag))
    if flt.any_ is not None:
        out.append(exists(tag_table.c.tag.in_(flt.any_)))
    if flt.is_null_ is not None:
        out.append(~exists() if flt.is_null_ else exists())
    return _combine(out, flt.operator)


def _json_tags(col: Any, flt: Any) -> Clause | None:
    """Tags of small tables (flows, deployments, variables) matched in their JSON text."""
    if flt is None:
        return None
    out: list[Clause] = []

    def has(tag: str) -> Clause:
        return col.contains(json.dumps(tag), autoescape=True)

    for tag in flt.all_ or ():
        out.append(has(tag))
    if flt.any_ is not None:
        out.append(sa.or_(*(has(tag) for tag in flt.any_)) if flt.any_ else sa.false())
    if flt.is_null_ is not None:
        out.append(col == "[]" if flt.is_null_ else col != "[]")
    return _combine(out, flt.operator)


def _state(table: sa.Table, flt: Any) -> Clause | None:
    if flt is None:
        return None
    out: list[Clause] = []
    if flt.type is not None:
        types = flt.type
        if types.any_ is not None:
            out.append(table.c.state_type.in_([str(v) for v in types.any_]))
        if types.not_any_ is not None:
            out.append(
                sa.or_(
                    table.c.state_type.is_(None),
                    table.c.state_type.not_in([str(v) for v in types.not_any_]),
                )
            )
    if flt.name is not None:
        names = flt.name
        if names.any_ is not None:
            out.append(table.c.state_name.in_(names.any_))
        if names.not_any_ is not None:
            out.append(
                sa.or_(table.c.state_name.is_(None), table.c.state_name.not_in(names.not_any_))
            )
    return _combine(out, flt.operator)


# -- per object -------------------------------------------------------------------------------


def flow_where(flt: f.FlowFilter | None) -> Clause | None:
    """WHERE clause of a ``FlowFilter`` over the ``flow`` table."""
    if flt is None:
        return None
    c = t.flow.c
    parts = _all(_id(c.id, flt.id), _name(c.name, flt.name), _json_tags(c.tags, flt.tags))
    return _combine(parts, flt.operator)


def deployment_where(flt: f.DeploymentFilter | None) -> Clause | None:
    """WHERE clause of a ``DeploymentFilter`` over the ``deployment`` table."""
    if flt is None:
        return None
    c = t.deployment.c
    parts = _all(
        _id(c.id, flt.id),
        _name(c.name, flt.name),
        _json_tags(c.tags, flt.tags),
        _name(c.work_queue_name, flt.work_queue_name),
        _range(c.concurrency_limit, flt.concurrency_limit),
        None if flt.paused is None or flt.paused.eq_ is None else c.paused == flt.paused.eq_,
    )
    return _combine(parts, flt.operator)


def _range(col: Any, flt: Any) -> Clause | None:
    if flt is None:
        return None
    out: list[Clause] = []
    if flt.ge_ is not None:
        out.append(col >= flt.ge_)
    if flt.le_ is not None:
        out.append(col <= flt.le_)
    if flt.is_null_ is not None:
        out.append(col.is_(None) if flt.is_null_ else col.is_not(None))
    return _combine(out)


def flow_run_where(flt: f.FlowRunFilter | None) -> Clause | None:
    """WHERE clause of a ``FlowRunFilter`` over the ``flow_run`` table."""
    if flt is None:
        return None
    c = t.flow_run.c
    parts = _all(
        _id(c.id, flt.id),
        _name(c.name, flt.name),
        _run_tags(t.flow_run_tag, t.flow_run_tag.c.flow_run_id, c.id, flt.tags),
        _id(c.deployment_id, flt.deployment_id),
        _id(c.work_queue_name, flt.work_queue_name),
        _state(t.flow_run, flt.state),
        _name(c.flow_version, flt.flow_version),
        _start_time(t.flow_run, flt.start_time),
        _time(c.end_time, flt.end_time),
        _time(c.expected_start_time, flt.expected_start_time),
        _time(c.next_scheduled_start_time, flt.next_scheduled_start_time),
        _id(c.parent_task_run_id, flt.parent_task_run_id),
        _name(c.idempotency_key, flt.idempotency_key),
    )
    if flt.parent_flow_run_id is not None and flt.parent_flow_run_id.any_ is not None:
        parents = sa.select(t.task_run.c.id).where(
            t.task_run.c.flow_run_id.in_(_ids(flt.parent_flow_run_id.any_))
        )
        parts.append(c.parent_task_run_id.in_(parents))
    return _combine(parts, flt.operator)


def task_run_where(flt: f.TaskRunFilter | None) -> Clause | None:
    """WHERE clause of a ``TaskRunFilter`` over the ``task_run`` table."""
    if flt is None:
        return None
    c = t.task_run.c
    parts = _all(
        _id(c.id, flt.id),
        _name(c.name, flt.name),
        _run_tags(t.task_run_tag, t.task_run_tag.c.task_run_id, c.id, flt.tags),
        _state(t.task_run, flt.state),
        _start_time(t.task_run, flt.start_time),
        _time(c.expected_start_time, flt.expected_start_time),
        _time(c.end_time, flt.end_time),
        _id(c.flow_run_id, flt.flow_run_id),
    )
    if flt.subflow_runs is not None and flt.subflow_runs.exists_ is not None:
        sub = sa.exists().where(t.flow_run.c.parent_task_run_id == c.id)
        parts.append(sub if flt.subflow_runs.exists_ else ~sub)
    return _combine(parts, flt.operator)


def log_where(flt: f.LogFilter | None) -> Clause | None:
    """WHERE clause of a ``LogFilter`` over the ``log`` table."""
    if flt is None:
        return None
    c = t.log.c
    parts: list[Clause] = []
    if flt.level is not None:
        if flt.level.ge_ is not None:
            parts.append(c.level >= flt.level.ge_)
        if flt.level.le_ is not None:
            parts.append(c.level <= flt.level.le_)
    parts += _all(
        _time(c.timestamp, flt.timestamp),
        _id(c.flow_run_id, flt.flow_run_id),
        _id(c.task_run_id, flt.task_run_id),
        _text(c.message, flt.text),
    )
    return _combine(parts, flt.operator)


def _text(col: Any, flt: Any) -> Clause | None:
    """Prefect's log text search: every included word or phrase, none of the excluded ones,
    case-insensitively."""
    if flt is None:
        return None
    include, exclude = flt.terms()
    return _combine(
        [_like(col, term) for term in include] + [~_like(col, term) for term in exclude]
    )


def artifact_where(flt: f.ArtifactFilter | f.ArtifactCollectionFilter | None) -> Clause | None:
    """WHERE clause of an ``ArtifactFilter`` over the ``artifact`` table, or of an
    ``ArtifactCollectionFilter`` (the latest artifact of a key is an ``artifact`` row;
    ``latest_id`` is its ID)."""
    if flt is None:
        return None
    c = t.artifact.c
    ids = flt.latest_id if isinstance(flt, f.ArtifactCollectionFilter) else flt.id
    parts = _all(
        _id(c.id, ids),
        _name(c.key, flt.key),
        _id(c.flow_run_id, flt.flow_run_id),
        _id(c.task_run_id, flt.task_run_id),
        _name(c.type, flt.type),
    )
    return _combine(parts, flt.operator)


def variable_where(flt: f.VariableFilter | None) -> Clause | None:
    """WHERE clause of a ``VariableFilter`` over the ``variable`` table."""
    if flt is None:
        return None
    c = t.variable.c
    parts = _all(_id(c.id, flt.id), _name(c.name, flt.name), _json_tags(c.tags, flt.tags))
    return _combine(parts, flt.operator)


def run_filters(
    *,
    flow_filter: f.FlowFilter | None = None,
    flow_run_filter: f.FlowRunFilter | None = None,
    task_run_filter: f.TaskRunFilter | None = None,
    deployment_filter: f.DeploymentFilter | None = None,
    target: str,
) -> list[Clause]:
    """The WHERE clauses that restrict ``target`` (``flow``, ``flow_run`` or ``task_run``)
    by the filters of the related objects, as Prefect's ``read_*`` endpoints combine them."""
    fr, tr = t.flow_run.c, t.task_run.c
    where: list[Clause] = []
    flow_w = flow_where(flow_filter)
    run_w = flow_run_where(flow_run_filter)
    task_w = task_run_where(task_run_filter)
    dep_w = deployment_where(deployment_filter)
    if target == "flow_run":
        where += _all(run_w)
        if flow_w is not None:
            where.append(fr.flow_id.in_(sa.select(t.flow.c.id).where(flow_w)))
        if task_w is not None:
            where.append(sa.exists().where(tr.flow_run_id == fr.id, task_w))
        if dep_w is not None:
            where.append(fr.deployment_id.in_(sa.select(t.deployment.c.id).where(dep_w)))
    elif target == "task_run":
        where += _all(task_w)
        runs = _all(run_w)
        if flow_w is not None:
            runs.append(fr.flow_id.in_(sa.select(t.flow.c.id).where(flow_w)))
        if dep_w is not None:
            runs.append(fr.deployment_id.in_(sa.select(t.deployment.c.id).where(dep_w)))
        if runs:
            where.append(tr.flow_run_id.in_(sa.select(fr.id).where(*runs)))
    elif target == "flow":
        fc = t.flow.c
        where += _all(flow_w)
        runs = _all(run_w)
        if task_w is not None:
            runs.append(sa.exists().where(tr.flow_run_id == fr.id, task_w))
        if runs:
            where.append(fc.id.in_(sa.select(fr.flow_id).where(*runs)))
        if dep_w is not None:
            where.append(fc.id.in_(sa.select(t.deployment.c.flow_id).where(dep_w)))
    else:  # pragma: no cover - programming error
        raise ValueError(target)
    return where


# -- sorting -------------------------------------------------------------------------------------


def _run_sorts(table: sa.Table) -> dict[str, list[Any]]:
    c = table.c
    # As Prefect: a run that has not started sorts by when it is expected to.
    started = t.started(table)
    return {
        "ID_DESC": [c.id.desc()],
        "START_TIME_ASC": [started.asc(), c.id.asc()],
        "START_TIME_DESC": [started.desc(), c.id.desc()],
        "EXPECTED_START_TIME_ASC": [c.expected_start_time.asc(), c.id.asc()],
        "EXPECTED_START_TIME_DESC": [c.expected_start_time.desc(), c.id.desc()],
        "NAME_ASC": [c.name.asc(), c.id.asc()],
        "NAME_DESC": [c.name.desc(), c.id.desc()],
        "NEXT_SCHEDULED_START_TIME_ASC": [c.next_scheduled_start_time.asc(), c.id.asc()],
        "END_TIME_DESC": [c.end_time.desc(), c.id.desc()],
        "DURATION_DESC": [c.total_run_time.desc(), c.id.desc()],
        "DURATION_ASC": [c.total_run_time.asc(), c.id.asc()],
        "CREATED_DESC": [c.created.desc(), c.id.desc()],
    }


_SORTS: dict[type, dict[str, list[Any]]] = {}


def order_by(sort: Any, default: Any) -> list[Any]:
    """ORDER BY expressions for a sort enum member (or its name), with ``id`` as tie-breaker."""
    if not _SORTS:
        _SORTS.update(
            {
                s.FlowRunSort: _run_sorts(t.flow_run),
                s.TaskRunSort: _run_sorts(t.task_run),
                s.LogSort: {
                    "TIMESTAMP_ASC": [t.log.c.timestamp.asc(), t.log.c.id.asc()],
                    "TIMESTAMP_DESC": [t.log.c.timestamp.desc(), t.log.c.id.desc()],
                },
                s.FlowSort: _named_sorts(t.flow),
                s.DeploymentSort: _named_sorts(t.deployment),
                s.VariableSort: _named_sorts(t.variable),
                s.ArtifactSort: _artifact_sorts(),
                s.ArtifactCollectionSort: _artifact_sorts(),
            }
        )
    enum_type = type(default)
    table = _SORTS[enum_type]
    key = default.value if sort is None else getattr(sort, "value", sort)
    try:
        return table[key]
    except KeyError:
        raise InvalidFilterError(
            f"Unknown sort {key!r} for {enum_type.__name__}; valid: "
            f"{', '.join(m.value for m in enum_type)}."
        ) from None


def _artifact_sorts() -> dict[str, list[Any]]:
    c = t.artifact.c
    return {
        **_named_sorts(t.artifact),
        "ID_DESC": [c.id.desc()],
        "KEY_ASC": [c.key.asc(), c.id.asc()],
        "KEY_DESC": [c.key.desc(), c.id.desc()],
    }


def _named_sorts(table: sa.Table) -> dict[str, list[Any]]:
    c = table.c
    return {
        "CREATED_DESC": [c.created.desc(), c.id.desc()],
        "UPDATED_DESC": [c.updated.desc(), c.id.desc()],
        "NAME_ASC": [c.name.asc(), c.id.asc()] if "name" in c else [c.id.asc()],
        "NAME_DESC": [c.name.desc(), c.id.desc()] if "name" in c else [c.id.desc()],
    }
