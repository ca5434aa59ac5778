"""The core of ``Store``: a database URL, a lazily created engine, transactions and ingest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from riverrun._store import ingest as _ingest
from riverrun._store.dialect import create_engine, is_sqlite, sqlite_path
from riverrun.exceptions import StoreError, StoreLocked

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine


POLL_RECORD_US = 5_000_000  # last_polled is read as "polled within 60 s": 5 s is exact enough


class StoreBase:
    """Connection handling shared by every part of the store.

    Args:
        url: ``sqlite:///path/to/file.db`` or ``postgresql+psycopg://user@host/db``.
        busy_timeout_s: on SQLite, how long a write waits for another process's lock.
    """

    def __init__(self, url: str, *, busy_timeout_s: float = 30.0) -> None:
        self.url = url
        self.is_sqlite = is_sqlite(url)
        self.busy_timeout_s = busy_timeout_s
        self._engine: Engine | None = None
        self._texts: dict[str, Any] = {}
        self._polls: dict[str, tuple[int, Any]] = {}  # key -> (when recorded, what it gave)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, created on first use with the schema brought to head."""
        if self._engine is None:
            self._prepare_schema()
            self._engine = create_engine(self.url, self.busy_timeout_s)
        return self._engine

    def _prepare_schema(self) -> None:
        if self.is_sqlite:
            # The fast path creates or checks the schema without Alembic when it can.
            from riverrun._store.embedded import embedded_writer

            embedded_writer(sqlite_path(self.url), self.busy_timeout_s)
            return
        from riverrun._store import migrate

        try:
            if migrate.stored_revision(self.url) != migrate.HEAD_REVISION:
                migrate.upgrade(self.url)
        except Exception as exc:
            if type(exc).__module__.startswith(("sqlalchemy", "psycopg")):
                raise StoreError(
                    f"Cannot use the database {safe_url(self.url)}: {exc}. Check "
                    "RIVERRUN_DATABASE_URL and that the server is reachable."
                ) from exc
            raise

    def connect(self) -> AbstractContextManager[Connection]:
        """A connection for reading (on SQLite a plain, non-blocking read transaction)."""
        return self.engine.connect()

    def begin(self) -> AbstractContextManager[Connection]:
        """A connection inside a write transaction, committed when the block ends.

        Raises:
            StoreLocked: on SQLite, another process held the write lock past the timeout.
        """
        return self._begin()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        from sqlalchemy.exc import OperationalError

        try:
            with self.engine.connect() as conn:
                conn.execution_options(riverrun_write=True)
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            if self.is_sqlite and "locked" in str(exc).lower():
                raise StoreLocked(
                    f"The riverrun database {sqlite_path(self.url)} stayed locked by another "
                    f"process for {self.busy_timeout_s:.1f} s. Stop the process holding it or "
                    "raise RIVERRUN_STORE_BUSY_TIMEOUT_SECONDS."
                ) from exc
            raise

    def poll_recorded(self, key: str, now: int) -> tuple[bool, Any]:
        """Whether this process recorded the poll ``key`` (a deployment's or a queue's
        ``last_polled``, a claiming worker's touch) within ``POLL_RECORD_US``, and what that
        record gave. A poll that finds nothing then writes nothing: on SQLite any commit wakes
        every process watching the file, the poller's own loop included, which then polled
        again at once, a commit a round."""
        seen = self._polls.get(key)
        return (seen is not None and now - seen[0] < POLL_RECORD_US), (seen or (0, None))[1]

    def note_poll(self, key: str, now: int, value: Any = None) -> None:
        """Remember that the poll ``key`` was recorded at ``now`` (see ``poll_recorded``)."""
        self._polls[key] = (now, value)

    def text(self, sql: str) -> Any:
        """A cached ``text()`` construct for a statement of shared SQL."""
        clause = self._texts.get(sql)
        if clause is None:
            from sqlalchemy import text

            clause = self._texts[sql] = text(sql)
        return clause

    def ingest(self, events: list[dict[str, Any]]) -> None:
        """Write a batch of events (their format: ``riverrun.schemas.events``) in one transaction.

        Idempotent by event ID; a state older than its run's current state is kept in the
        history but does not change the run.
        """
        steps = _ingest.plan(events)
        if not steps:
            return
        with self.begin() as conn:

            def executemany(sql: str, rows: list[dict[str, Any]]) -> None:
                conn.execute(self.text(sql), rows)

            _ingest.apply(steps, executemany)

    def dispose(self) -> None:
        """Close every pooled connection."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def safe_url(url: str) -> str:
    """A URL with its password masked, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url
