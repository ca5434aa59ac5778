"""Every difference between SQLite and PostgreSQL that the store cares about, in one place.

The SQL text of ingest and of most queries is shared; what differs is how a connection is
opened and configured, and the odd function name. Nothing here imports SQLAlchemy at module
level, so the embedded writer can use the SQLite helpers without paying for it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SQLITE_PREFIX = "sqlite:///"


def is_sqlite(url: str) -> bool:
    """Whether a database URL names a SQLite file."""
    return url.startswith("sqlite")


def sqlite_url(path: Path | str) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"{SQLITE_PREFIX}{Path(path)}"


def sqlite_path(url: str) -> Path:
    """The file a ``sqlite:///path`` URL names."""
    if not url.startswith(SQLITE_PREFIX):
        raise ValueError(f"Not a SQLite file URL: {url!r}; expected sqlite:///path/to/file.db")
    return Path(url[len(SQLITE_PREFIX) :])


def configure_sqlite(conn: sqlite3.Connection, busy_timeout_s: float) -> None:
    """Apply riverrun's PRAGMAs to a fresh SQLite connection (stdlib or under SQLAlchemy)."""
    # Wait for another process's write lock instead of failing at once with "database is
    # locked"; set first so that the PRAGMAs below also wait.
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
    # Deleted runs give their pages back to the file system (`PRAGMA incremental_vacuum`
    # after retention). Only takes on a file with no tables yet, so it must precede the WAL
    # switch; an existing file is converted once by revision 0005.
    # Setting it waits for the write lock even when it is already set: read it first, so
    # opening a file another process holds locked does not wait (2 is INCREMENTAL).
    if conn.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    # WAL lets readers (the UI, the client) run while a recorder writes, and makes a commit
    # one sequential append instead of a journal dance. Persistent in the file.
    conn.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL is still crash-safe for the database; a power loss may drop the last
    # commits, which for run history is a fair price for not fsyncing every batch.
    conn.execute("PRAGMA synchronous = NORMAL")
    # SQLite ignores FOREIGN KEY clauses unless told otherwise, per connection; cascading
    # deletes of runs depend on them.
    conn.execute("PRAGMA foreign_keys = ON")


def create_engine(url: str, busy_timeout_s: float = 30.0) -> Engine:
    """A SQLAlchemy engine for a store URL, configured for the dialect.

    On SQLite the driver's own transaction handling is turned off so that SQLAlchemy's
    ``begin`` emits ``BEGIN IMMEDIATE`` for writes (a deferred transaction that later wants
    to write can fail with "database is locked" without waiting) and a plain ``BEGIN`` for
    reads, which in WAL mode never wait for writers.
    """
    import sqlalchemy as sa

    if not is_sqlite(url):
        return sa.create_engine(url, pool_pre_ping=True, future=True)

    engine = sa.create_engine(url, connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        configure_sqlite(dbapi_conn, busy_timeout_s)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # a migration's autocommit block (VACUUM cannot run in a transaction)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("riverrun_write", False) else "BEGIN")

    return engine


def case_insensitive_like(column: Any, pattern: str) -> Any:
    """``column`` contains ``pattern`` ignoring case: ILIKE on PostgreSQL, LIKE on SQLite."""
    # SQLite's LIKE is already case-insensitive for ASCII; lower() would only defeat indexes.
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def insert_or_ignore(table: Any, is_sqlite_db: bool) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``table`` on either dialect (any unique key)."""
    if is_sqlite_db:
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    return insert(table).on_conflict_do_nothing()
