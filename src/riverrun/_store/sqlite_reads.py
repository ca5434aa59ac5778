"""The read queries of the CLI over the embedded SQLite file, with the stdlib ``sqlite3``.

``riverrun flow-run ls`` must answer in well under 0.3 s as a whole process, and importing
SQLAlchemy with the store's tables costs ~0.25 s before the first query. So a
``SqliteReads`` backend answers the few reads the CLI's read commands make (flow runs, task
runs, flows, states, logs, blocks) with hand-written SQL over the same tables, returning the
same objects through ``convert`` and ``blocks.document_from_rows``. Any filter field, sort
or method it does not know goes to the full store (``fallback``), so it is never wrong, only
sometimes not faster; ``tests/store/test_sqlite_reads.py`` runs the same reads through both
and compares the results.

The SQL mirrors ``filters_sql.py`` clause by clause (``like_`` is a case-insensitive
substring with ``%``/``_`` escaped, tags match the indexed ``*_tag`` tables with ``EXISTS``,
a start-time bound is restated on the ``ix_*__started`` expression); a change of semantics
there must be made here too, and the comparison test catches one that is not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riverrun._internal.clock import to_us
from riverrun._store.local_runs import crash_dead_local_runs
from riverrun._store.migrate import HEAD_REVISION
from riverrun.exceptions import StoreError

if TYPE_CHECKING:
    from riverrun._api.store_api import StoreAPI

# What START_TIME sorts order by (tables.started), as SQL text.
_STARTED = "coalesce({t}.start_time, {t}.expected_start_time)"


class Unsupported(Exception):
    """A filter, sort or argument this module does not translate; the full store answers."""


class _Row:
    """A result row as ``convert`` reads one: attributes and ``_mapping``."""

    __slots__ = ("_mapping",)

    def __init__(self, mapping: dict[str, Any]) -> None:
        self._mapping = mapping

    def __getattr__(self, name: str) -> Any:
        try:
            return self._mapping[name]
        except KeyError:
            raise AttributeError(name) from None


class _Where:
    """WHERE clauses with their ``?`` parameters, in order."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def take(self, other: _Where, operator: str = "and_") -> None:
        """Add ``other``'s clauses as one clause combined with ``operator``."""
        if not other.clauses:
            return
        joiner = " OR " if operator == "or_" else " AND "
        self.add("(" + joiner.join(other.clauses) + ")", *other.params)

    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.clauses) if self.clauses else ""


def _only(flt: Any, *known: str) -> None:
    """Raise ``Unsupported`` if ``flt`` sets a field other than ``known``."""
    for name in type(flt).model_fields:
        if name in known:
            continue
        value = getattr(flt, name)
        if value is None or (name == "operator" and value == "and_"):
            continue
        raise Unsupported(f"{type(flt).__name__}.{name}")


def _marks(values: list[Any]) -> str:
    return "(" + ", ".join("?" * len(values)) + ")"


def _escape_like(pattern: str) -> str:
    return "%" + pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _id(where: _Where, col: str, flt: Any) -> None:
    if flt is None:
        return
    _only(flt, "any_", "is_null_")
    part = _Where()
    if flt.any_ is not None:
        values = [str(v) for v in flt.any_]
        part.add(f"{col} IN {_marks(values)}", *values)
    if getattr(flt, "is_null_", None) is not None:
        part.add(f"{col} IS NULL" if flt.is_null_ else f"{col} IS NOT NULL")
    where.take(part)


def _name(where: _Where, col: str, flt: Any) -> None:
    if flt is None:
        return
    _only(flt, "any_", "like_")
    part = _Where()
    if flt.any_ is not None:
        part.add(f"{col} IN {_marks(flt.any_)}", *flt.any_)
    if flt.like_ is not None:
        part.add(f"{col} LIKE ? ESCAPE '\\'", _escape_like(flt.like_))
    where.take(part)


def _time(where: _Where, col: str, flt: Any, restate: str | None = None) -> None:
    if flt is None:
        return
    _only(flt, "before_", "after_", "is_null_")
    part = _Where()
    for target in (col, restate):
        if target is None:
            continue
        if flt.before_ is not None:
            part.add(f"{target} <= ?", to_us(flt.before_))
        if flt.after_ is not None:
            part.add(f"{target} >= ?", to_us(flt.after_))
    if flt.is_null_ is not None:
        part.add(f"{col} IS NULL" if flt.is_null_ else f"{col} IS NOT NULL")
    where.take(part)


def _tags(where: _Where, kind: str, flt: Any) -> None:
    if flt is None:
        return
    _only(flt, "all_", "any_", "is_null_")
    table = f"{kind}_tag"
    link = f"{table}.{kind}_id = {kind}.id"
    part = _Where()
    for tag in flt.all_ or ():
        part.add(f"EXISTS (SELECT 1 FROM {table} WHERE {link} AND {table}.tag = ?)", tag)
    if flt.any_ is not None:
        part.add(f"EXISTS (SELECT 1 FROM {table} WHERE {link} AND {table}.tag IN "
                 f"{_marks(flt.any_)})", *flt.any_)  # fmt: skip
    if flt.is_null_ is not None:
        exists = f"EXISTS (SELECT 1 FROM {table} WHERE {link})"
        part.add(f"NOT {exists}" if flt.is_null_ else exists)
    where.take(part)


def _state(where: _Where, kind: str, flt: Any) -> None:
    if flt is None:
        return
    _only(flt, "type", "name", "operator")
    part = _Where()
    for sub, col in ((flt.type, "state_type"), (flt.name, "state_name")):
        if sub is None:
            continue
        _only(sub, "any_")
        if sub.any_ is not None:
            values = [str(v) for v in sub.any_]
            part.add(f"{kind}.{col} IN {_marks(values)}", *values)
    where.take(part, flt.operator)


def _flow_where(flt: Any) -> _Where:
    where = _Where()
    if flt is None:
        return where
    _only(flt, "id", "name", "operator")
    part = _Where()
    _id(part, "flow.id", flt.id)
    _name(part, "flow.name", flt.name)
    where.take(part, flt.operator)
    return where


def _run_where(kind: str, flt: Any) -> _Where:
    where = _Where()
    if flt is None:
        return where
    part = _Where()
    if kind == "flow_run":
        _only(flt, "id", "name", "tags", "state", "start_time", "parent_task_run_id", "operator")
        _id(part, "flow_run.id", flt.id)
        _name(part, "flow_run.name", flt.name)
        _tags(part, kind, flt.tags)
        _state(part, kind, flt.state)
        _time(part, "flow_run.start_time", flt.start_time, _start_restated(kind, flt.start_time))
        _id(part, "flow_run.parent_task_run_id", flt.parent_task_run_id)
    else:
        _only(flt, "id", "flow_run_id", "operator")
        _id(part, "task_run.id", flt.id)
        _id(part, "task_run.flow_run_id", flt.flow_run_id)
    where.take(part, flt.operator)
    return where


def _start_restated(kind: str, flt: Any) -> str | None:
    # As filters_sql._start_time: a bound on start_time restated on the sort expression lets
    # SQLite walk ix_*__started from the bound and stop after LIMIT rows.
    if flt is None or (flt.after_ is None and flt.before_ is None):
        return None
    return _STARTED.format(t=kind)


def _run_order(kind: str) -> dict[str, str]:
    started = _STARTED.format(t=kind)
    return {
        "ID_DESC": f"{kind}.id DESC",
        "START_TIME_ASC": f"{started} ASC, {kind}.id ASC",
        "START_TIME_DESC": f"{started} DESC, {kind}.id DESC",
        "EXPECTED_START_TIME_ASC": f"{kind}.expected_start_time ASC, {kind}.id ASC",
        "EXPECTED_START_TIME_DESC": f"{kind}.expected_start_time DESC, {kind}.id DESC",
        "NAME_ASC": f"{kind}.name ASC, {kind}.id ASC",
        "NAME_DESC": f"{kind}.name DESC, {kind}.id DESC",
        "END_TIME_DESC": f"{kind}.end_time DESC, {kind}.id DESC",
        "CREATED_DESC": f"{kind}.created DESC, {kind}.id DESC",
    }


_ORDERS: dict[str, dict[str, str]] = {
    "flow_run": _run_order("flow_run"),
    "task_run": _run_order("task_run"),
    "flow": {
        "CREATED_DESC": "flow.created DESC, flow.id DESC",
        "UPDATED_DESC": "flow.updated DESC, flow.id DESC",
        "NAME_ASC": "flow.name ASC, flow.id ASC",
        "NAME_DESC": "flow.name DESC, flow.id DESC",
    },
    "log": {
        "TIMESTAMP_ASC": "log.timestamp ASC, log.id ASC",
        "TIMESTAMP_DESC": "log.timestamp DESC, log.id DESC",
    },
}


def _order(table: str, sort: Any, default: str) -> str:
    key = default if sort is None else getattr(sort, "value", sort)
    try:
        return " ORDER BY " + _ORDERS[table][key]
    except KeyError:
        raise Unsupported(f"sort {key!r}") from None


def _page(limit: int | None, offset: int | None) -> tuple[str, list[int]]:
    if not limit and not offset:
        return ("", []) if limit is None else (" LIMIT ?", [limit])
    return " LIMIT ? OFFSET ?", [-1 if limit is None else limit, offset or 0]


def _run_columns(kind: str) -> str:
    state = f"{kind}_state"
    columns = f"{kind}.*, {state}.data AS s_data, {state}.state_details AS s_state_details"
    joined = f"{kind} LEFT OUTER JOIN {state} ON {state}.id = {kind}.state_id"
    if kind == "flow_run":
        columns += ", flow.name AS flow_name"
        joined += " LEFT OUTER JOIN flow ON flow.id = flow_run.flow_id"
    return f"SELECT {columns} FROM {joined}"


class SqliteReads:
    """A store backend for the CLI's reads over one SQLite file; everything else (and any
    read it cannot translate) goes to ``fallback``, the full store.

    Use ``open_if_current`` to get one: it answers only for a file at the head revision.

    Args:
        path: the database file.
        fallback: the full store backend (opened only if some call needs it).
    """

    def __init__(self, path: Path, fallback: StoreAPI) -> None:
        self.path = path
        self.fallback = fallback
        self._conn: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"SqliteReads({str(self.path)!r})"

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.fallback, name)  # type: ignore[no-any-return]

    @classmethod
    def open_if_current(cls, path: Path, fallback: StoreAPI) -> SqliteReads | None:
        """A reader on ``path``, or None if the file is missing or not at ``HEAD_REVISION``
        (the full store creates or migrates it)."""
        if not path.is_file():
            return None
        reader = cls(path, fallback)
        try:
            rows = reader._query("SELECT version_num FROM alembic_version", [])
        except sqlite3.Error:
            reader.close()
            return None
        if [r.version_num for r in rows] != [HEAD_REVISION]:
            reader.close()
            return None
        # A CLI call is "the next process that opens the store": runs of dead local
        # processes become Crashed before it reads (one indexed query when there are none).
        # A file locked by another process must not stop the read: the next process marks them.
        try:
            crash_dead_local_runs(
                path, lambda sql, params: [r._mapping for r in reader._query(sql, params)],
                lambda: _writer(path),
            )  # fmt: skip
        except StoreError:
            pass
        return reader

    def close(self) -> None:
        """Close the connection (reopened by the next query)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _query(self, sql: str, params: Iterable[Any]) -> list[_Row]:
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, isolation_level=None)
            # Reads never wait for writers in WAL mode, but a writer switching the file to
            # WAL holds a lock for an instant: wait for it as the store's connections do.
            self._conn.execute("PRAGMA busy_timeout = 30000")
        cursor = self._conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [_Row(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]

    # -- runs --------------------------------------------------------------------------------

    def _runs(self, kind: str, flow_filter: Any, flow_run_filter: Any, task_run_filter: Any,
              deployment_filter: Any, sort: Any, limit: int | None, offset: int | None,
              default_sort: str) -> list[_Row]:  # fmt: skip
        if deployment_filter is not None:
            raise Unsupported("deployment_filter")
        where = _Where()
        flow_w = _flow_where(flow_filter)
        if kind == "flow_run":
            if task_run_filter is not None:
                raise Unsupported("task_run_filter")
            where.take(_run_where("flow_run", flow_run_filter))
            if flow_w.clauses:
                where.add(f"flow_run.flow_id IN (SELECT flow.id FROM flow{flow_w.sql()})",
                          *flow_w.params)  # fmt: skip
        else:
            where.take(_run_where("task_run", task_run_filter))
            runs = _run_where("flow_run", flow_run_filter)
            if flow_w.clauses:
                runs.add(f"flow_run.flow_id IN (SELECT flow.id FROM flow{flow_w.sql()})",
                         *flow_w.params)  # fmt: skip
            if runs.clauses:
                where.add(f"task_run.flow_run_id IN (SELECT flow_run.id FROM flow_run{runs.sql()})",
                          *runs.params)  # fmt: skip
        page, page_params = _page(limit, offset)
        sql = _run_columns(kind) + where.sql() + _order(kind, sort, default_sort) + page
        return self._query(sql, [*where.params, *page_params])

    def _read_runs(self, kind: str, query: dict[str, Any]) -> list[Any]:
        from riverrun._store import convert

        default = "ID_DESC" if kind == "flow_run" else "EXPECTED_START_TIME_DESC"
        try:
            rows = self._runs(kind, query.get("flow_filter"), query.get("flow_run_filter"),
                              query.get("task_run_filter"), query.get("deployment_filter"),
                              query.get("sort"), query.get("limit"), query.get("offset"), default)  # fmt: skip
        except Unsupported:
            return getattr(self.fallback, f"read_{kind}s")(**query)  # type: ignore[no-any-return]
        to_object = convert.flow_run if kind == "flow_run" else convert.task_run
        return [to_object(row) for row in rows]

    def read_flow_runs(self, **query: Any) -> list[Any]:
        """As ``Store.read_flow_runs`` (the same keyword arguments)."""
        return self._read_runs("flow_run", query)

    def read_task_runs(self, **query: Any) -> list[Any]:
        """As ``Store.read_task_runs`` (the same keyword arguments)."""
        return self._read_runs("task_run", query)

    def read_flow_run(self, flow_run_id: Any) -> Any:
        """As ``Store.read_flow_run`` (raises ``ObjectNotFound``)."""
        from riverrun._store import convert

        rows = self._query(_run_columns("flow_run") + " WHERE flow_run.id = ?", [str(flow_run_id)])
        if not rows:
            return self.fallback.read_flow_run(flow_run_id)  # its error names what to do
        return convert.flow_run(rows[0])

    def read_flow_run_states(self, flow_run_id: Any) -> list[Any]:
        """As ``Store.read_flow_run_states``."""
        from riverrun._store import convert

        rows = self._query("SELECT * FROM flow_run_state WHERE flow_run_id = ? "
                           "ORDER BY timestamp, id", [str(flow_run_id)])  # fmt: skip
        return [convert.state_from_row(row) for row in rows]

    # -- flows, logs -------------------------------------------------------------------------

    def read_flows(self, *, flow_filter: Any = None, flow_run_filter: Any = None,
                   task_run_filter: Any = None, deployment_filter: Any = None,
                   sort: Any = None, limit: int | None = None, offset: int | None = 0) -> list[Any]:  # fmt: skip
        """As ``Store.read_flows``."""
        from riverrun._store import convert

        try:
            if (
                flow_run_filter is not None
                or task_run_filter is not None
                or deployment_filter is not None
            ):
                raise Unsupported("a run or deployment filter on flows")
            where = _flow_where(flow_filter)
            page, page_params = _page(limit, offset)
            sql = "SELECT flow.* FROM flow" + where.sql() + _order("flow", sort, "NAME_ASC") + page
            rows = self._query(sql, [*where.params, *page_params])
        except Unsupported:
            return self.fallback.read_flows(  # type: ignore[no-any-return]
                flow_filter=flow_filter, flow_run_filter=flow_run_filter,
                task_run_filter=task_run_filter, deployment_filter=deployment_filter,
                sort=sort, limit=limit, offset=offset or 0)  # fmt: skip
        return [convert.flow(row) for row in rows]

    def read_logs(self, log_filter: Any = None, limit: int | None = None,
                  offset: int | None = None, sort: Any = "TIMESTAMP_ASC") -> list[Any]:  # fmt: skip
        """As ``Store.read_logs``."""
        from riverrun._store import convert

        try:
            where = _Where()
            if log_filter is not None:
                _only(log_filter, "timestamp", "flow_run_id", "task_run_id", "operator")
                part = _Where()
                _time(part, "log.timestamp", log_filter.timestamp)
                _id(part, "log.flow_run_id", log_filter.flow_run_id)
                _id(part, "log.task_run_id", log_filter.task_run_id)
                where.take(part, log_filter.operator)
            page, page_params = _page(limit, offset)
            sql = (
                "SELECT log.* FROM log" + where.sql() + _order("log", sort, "TIMESTAMP_ASC") + page
            )
            rows = self._query(sql, [*where.params, *page_params])
        except Unsupported:
            return self.fallback.read_logs(log_filter=log_filter, limit=limit, offset=offset,  # type: ignore[no-any-return]
                                           sort=sort)  # fmt: skip
        return [convert.log(row) for row in rows]

    # -- blocks ------------------------------------------------------------------------------

    def read_block_documents(self, block_type_slug: str | None = None,
                             include_secrets: bool = False, offset: int = 0,
                             limit: int | None = None) -> list[Any]:  # fmt: skip
        """As ``Store.read_block_documents``; with ``include_secrets`` the full store answers
        (decrypting needs the key and the cryptography package)."""
        if include_secrets:
            return self.fallback.read_block_documents(  # type: ignore[no-any-return]
                block_type_slug=block_type_slug, include_secrets=True, offset=offset, limit=limit
            )
        from riverrun._store.blocks import document_from_rows

        where = _Where()
        if block_type_slug is not None:
            where.add("t.slug = ?", block_type_slug)
        page, page_params = _page(limit, offset)
        sql = ("SELECT d.id AS d_id, d.name AS d_name, d.data AS d_data, "
               "d.is_anonymous AS d_is_anonymous, d.created AS d_created, d.updated AS d_updated, "
               "s.id AS s_id, s.checksum AS s_checksum, s.fields AS s_fields, "
               "s.block_type_id AS s_block_type_id, s.capabilities AS s_capabilities, "
               "s.version AS s_version, s.created AS s_created, "
               "t.id AS t_id, t.name AS t_name, t.slug AS t_slug, t.logo_url AS t_logo_url, "
               "t.documentation_url AS t_documentation_url, t.description AS t_description, "
               "t.code_example AS t_code_example, t.created AS t_created, t.updated AS t_updated "
               "FROM block_document AS d JOIN block_type AS t ON t.id = d.block_type_id "
               "JOIN block_schema AS s ON s.id = d.block_schema_id"
               + where.sql() + " ORDER BY t.slug, d.name" + page)  # fmt: skip
        docs = []
        for row in self._query(sql, [*where.params, *page_params]):
            parts: dict[str, dict[str, Any]] = {"d": {}, "s": {}, "t": {}}
            for key, value in row._mapping.items():
                parts[key[0]][key[2:]] = value
            docs.append(
                document_from_rows(parts["d"], parts["s"], parts["t"], include_secrets=False)
            )
        return docs


def _writer(path: Path) -> Any:
    # Imported only when a dead run is found: the CLI's reads stay off the writer's imports.
    from riverrun._store.embedded import embedded_writer
    from riverrun.settings import get_current_settings

    return embedded_writer(path, get_current_settings().store_busy_timeout_seconds)
