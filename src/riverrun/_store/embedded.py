"""The embedded SQLite writer: the recorder's fast path, with no SQLAlchemy and no Alembic.

A ``python script.py`` with one flow must finish in well under 300 ms, and importing
SQLAlchemy alone costs ~0.27 s, Alembic ~0.5 s. So the embedded recorder writes through the
stdlib ``sqlite3`` module with the shared SQL of ``ingest.py``, as a few multi-row
statements per step (``bulk_sqlite.py``) so that the writer thread's SQLite work runs beside
the flow's thread. A brand-new file gets the schema from the pre-rendered
``schema_sqlite.sql`` (a test proves it equals what Alembic's migrations create); only a file
at an older revision pays for Alembic.

Writes take the write lock up front (``BEGIN IMMEDIATE``) and wait for it up to the busy
timeout, so a transaction never fails half-way with "database is locked"; a lock held by
someone else for longer than that raises ``StoreLocked`` naming the file. A full disk raises
``StoreFull`` ("No space left", with the path), a malformed file ``StoreCorrupt`` with what
to do, and a file known to be malformed (``integrity.py``) is not written at all.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from riverrun._store import ingest as _ingest
from riverrun._store import integrity
from riverrun._store.bulk_sqlite import apply_bulk
from riverrun._store.dialect import configure_sqlite, sqlite_url
from riverrun._store.local_runs import crash_dead_local_runs
from riverrun._store.migrate import HEAD_REVISION, SQLITE_SCHEMA_PATH
from riverrun.exceptions import StoreCorrupt, StoreError, StoreFull, StoreLocked

_OPEN_RETRIES = 5
# SQLite's primary result codes (``sqlite3.Error.sqlite_errorcode & 0xFF``).
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 10, 11, 13, 26
# A write that fails with an I/O error while the device has less than this free failed for
# want of space (SQLite reports a WAL or journal that cannot grow as "disk I/O error").
_LOW_SPACE_BYTES = 4 * 1024 * 1024
# A checkpoint copies the WAL into the database file and syncs it: milliseconds. SQLite runs
# one inside whichever commit crosses 1,000 WAL pages, which was often the commit that ends
# a user's flow. The writer turns that off and checkpoints from the recorder's idle thread
# after about as much work (a small commit writes ~15 pages).
_CHECKPOINT_COMMITS = 64
_CHECKPOINT_ROWS = 20_000


def _is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class EmbeddedWriter:
    """Writes event batches into one SQLite file; safe to share between threads.

    Args:
        path: the database file (created with its directory if missing).
        busy_timeout_s: how long one attempt waits for another process's write lock.

    Raises:
        StoreError: the directory cannot be created or written, or the file is not a
            riverrun database (corrupt, or made by a newer riverrun).
    """

    def __init__(self, path: Path | str, busy_timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        self._conn = _open(self.path, busy_timeout_s)
        try:
            ensure_schema(self._conn, self.path)
            self._conn.execute("PRAGMA wal_autocheckpoint = 0")
        except BaseException:
            self._conn.close()
            raise
        self._commits_since_checkpoint = 0
        self._rows_since_checkpoint = 0

    def ingest(self, events: Iterable[dict[str, Any]], wait_s: float | None = None,
               also: Sequence[tuple[str, Sequence[Any]]] = ()) -> None:  # fmt: skip
        """Write a batch of events in one transaction; idempotent by event ID.

        Args:
            events: the batch.
            wait_s: how long to wait for another process's write lock this time
                (default: the busy timeout).
            also: statements (SQL, parameters) to run after the batch, in its transaction.

        Raises:
            StoreLocked: another process held the write lock for longer than that.
            StoreFull: no space is left on the file's device.
            StoreCorrupt: the file is malformed (or known to be: nothing is written).
            StoreError: the database could not be written.
        """
        events = list(events)
        steps = _ingest.plan(events)
        if not steps:
            return

        def work(cur: sqlite3.Cursor) -> None:
            apply_bulk(steps, cur)
            for sql, params in also:
                cur.execute(sql, list(params))

        with self._lock:
            self._refuse_if_malformed()
            try:
                self._write(work, wait_s)
            except UnicodeEncodeError:
                # A lone surrogate (a file name decoded with surrogateescape, say) cannot be
                # stored as text: write U+FFFD in its place rather than lose the batch.
                steps = _ingest.plan(_scrub(events))
                self._write(work, wait_s)
            self._commits_since_checkpoint += 1
            self._rows_since_checkpoint += sum(len(rows) for _, rows in steps)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read on this writer's connection (a few rows: it holds the writer's lock)."""
        with self._lock:
            cursor = self._conn.execute(sql, list(params))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, sql: str, params: Sequence[Any] = (), wait_s: float | None = None) -> int:
        """One write statement in its own transaction; the rows it changed.

        ``wait_s``: how long to wait for another process's write lock (default: the busy
        timeout); ``StoreLocked`` after that.
        """
        changed = 0

        def work(cur: sqlite3.Cursor) -> None:
            nonlocal changed
            changed = cur.execute(sql, list(params)).rowcount

        with self._lock:
            self._refuse_if_malformed()
            self._write(work, wait_s)
        return changed

    def checkpoint_if_due(self, final: bool = False) -> bool:
        """Copy the WAL into the database file if enough was written since the last time.

        With ``final`` (the process is exiting), if anything was written at all: many short
        scripts, each below the threshold, must not leave a WAL that only grows.

        Holds the write lock meanwhile: with a commit of this process landing during the
        copy, the WAL would never be found fully copied at the start of a write, so it
        would never start over and would grow without end. ``PASSIVE`` copies what no
        reader still needs and never waits for another process. Returns whether one ran.
        """
        if final:
            if not self._commits_since_checkpoint:
                return False
        elif (
            self._commits_since_checkpoint < _CHECKPOINT_COMMITS
            and self._rows_since_checkpoint < _CHECKPOINT_ROWS
        ):
            return False
        with self._lock:
            self._commits_since_checkpoint = self._rows_since_checkpoint = 0
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                # The committed WAL pages are safe either way; try again after more writes.
                return False
        return True

    def _refuse_if_malformed(self) -> None:
        reason = integrity.known_malformed(self.path)
        if reason is not None:
            raise StoreCorrupt(
                f"The riverrun database {self.path} is malformed ({reason}); nothing new is "
                f"written into it. {integrity.advice(self.path)}"
            )

    def _write(self, work: Any, wait_s: float | None = None) -> None:
        conn = self._conn
        wait = self.busy_timeout_s if wait_s is None else min(wait_s, self.busy_timeout_s)
        began = time.monotonic()
        if wait != self.busy_timeout_s:
            conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            self._begin(began + wait)
        except sqlite3.OperationalError as exc:
            raise _store_error(self.path, exc, time.monotonic() - began) from exc
        finally:
            if wait != self.busy_timeout_s:
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        try:
            work(conn.cursor())
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _store_error(self.path, exc, time.monotonic() - began) from exc
            raise

    def _begin(self, deadline: float) -> None:
        # One attempt waits up to the busy timeout; SQLite's instant "locked" answers (a file
        # switching to WAL) are tried again, but never past the busy timeout in all.
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or time.monotonic() + 0.05 >= deadline:
                    raise
                time.sleep(0.05)

    def upkeep_if_due(self, retention_days: float) -> bool:
        """Once a day: delete runs older than ``retention_days`` and give their pages back.

        Done in bounded passes between batches (the recorder's idle upkeep); the day's mark
        (a small file beside the database) is set only once nothing old is left. Returns
        whether anything was deleted.
        """
        from riverrun._store import retention

        if retention_days <= 0 or not retention.upkeep_due(self.path):
            return False
        with self._lock:
            self._refuse_if_malformed()
            deleted, done = retention.delete_old_runs_sqlite(self._conn, retention_days)
            if deleted:
                # executescript steps the pragma to its end; ``execute`` would step it once,
                # and each step frees a single page.
                self._conn.executescript("PRAGMA incremental_vacuum;")
        if done:
            retention.mark_upkeep_done(self.path)
        return deleted > 0

    def vacuum(self) -> tuple[int, int]:
        """Rebuild the file, giving every free page back: (bytes before, bytes after)."""
        with self._lock:
            self._refuse_if_malformed()
            before = _file_bytes(self.path)
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                self._conn.execute("VACUUM")
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except sqlite3.Error as exc:
                raise _store_error(self.path, exc, self.busy_timeout_s) from exc
            return before, _file_bytes(self.path)

    def close(self) -> None:
        """Close the connection (further writes fail)."""
        with self._lock:
            self._conn.close()


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _file_bytes(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += (path.parent / (path.name + suffix)).stat().st_size
        except OSError:
            pass
    return total


def _error_code(exc: BaseException) -> int:
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def _free_bytes(path: Path) -> int | None:
    directory = path if path.is_dir() else path.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return None


def _no_space(path: Path, exc: BaseException) -> bool:
    code = _error_code(exc)
    if code == _SQLITE_FULL or getattr(exc, "errno", None) == 28 or "disk is full" in str(exc):
        return True
    if code == _SQLITE_IOERR or "disk i/o error" in str(exc).lower():
        free = _free_bytes(path)
        return free is not None and free < _LOW_SPACE_BYTES
    return False


def _full_error(path: Path) -> StoreFull:
    free = _free_bytes(path)
    left = f"{free} bytes free" if free is not None else "no space"
    return StoreFull(
        f"No space left on the device holding the riverrun database {path} ({left}). Free "
        "some space (or point RIVERRUN_HOME at a disk that has some); the events recorded "
        "meanwhile are kept and written when space returns."
    )


def _is_malformed(exc: BaseException) -> bool:
    return _error_code(exc) in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in str(exc)


def _store_error(path: Path, exc: sqlite3.Error, waited_s: float) -> StoreError:
    if _is_locked(exc):
        return StoreLocked(
            f"The riverrun database {path} stayed locked by another process for "
            f"{waited_s:.1f} s. Stop the process holding it (`fuser {path}` shows it) or "
            "raise RIVERRUN_STORE_BUSY_TIMEOUT_SECONDS."
        )
    if _no_space(path, exc):
        return _full_error(path)
    if _is_malformed(exc):
        integrity.mark_malformed(path, f"a write failed: {exc}")
        return StoreCorrupt(
            f"The riverrun database {path} is malformed ({exc}); nothing new is written "
            f"into it. {integrity.advice(path)}"
        )
    return StoreError(f"Could not write the riverrun database {path}: {exc}.")


def _open(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    home = path.parent
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if _no_space(path, exc):
            raise _full_error(path) from None
        raise StoreError(
            f"Cannot create the riverrun home {home} ({exc.strerror or exc}). Point "
            "RIVERRUN_HOME at a writable directory, or create this one with write access."
        ) from None
    try:
        # Each bulk statement has eight shapes (bulk_sqlite.py); keep them all.
        conn = sqlite3.connect(
            path,
            timeout=busy_timeout_s,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=512,
        )
    except sqlite3.Error as exc:
        if _no_space(path, exc):
            raise _full_error(path) from None
        raise StoreError(
            f"Cannot open the riverrun database {path} ({exc}). Check that {home} is writable "
            "(or point RIVERRUN_HOME at a directory that is)."
        ) from None
    try:
        _retry_locked(lambda: configure_sqlite(conn, busy_timeout_s))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _open_error(path, exc) from None
    return conn


def _open_error(path: Path, exc: sqlite3.Error) -> StoreError:
    if _is_locked(exc) or _no_space(path, exc):
        return _store_error(path, exc, 0)
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StoreError(
            f"The riverrun database {path} is not writable ({exc}). Make it and its "
            "directory writable, or point RIVERRUN_HOME at a directory that is."
        )
    integrity.mark_malformed(path, f"opening it failed: {exc}")
    return StoreCorrupt(
        f"The file {path} is not a usable riverrun database ({exc}); it may be corrupt "
        f"(`riverrun store check` says). {integrity.advice(path)}"
    )


def _version(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return row[0] if row else None


def ensure_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file's schema to ``HEAD_REVISION``: nothing, the DDL script, or Alembic.

    Raises:
        StoreError: the file holds tables that are not riverrun's, or a newer revision.
    """
    try:
        version = _retry_locked(lambda: _version(conn))
        if version != HEAD_REVISION:
            version = _retry_locked(lambda: _create_schema_if_empty(conn, path))
    except sqlite3.DatabaseError as exc:
        raise _open_error(path, exc) from None
    if version != HEAD_REVISION:
        _upgrade(path, version)


def _create_schema_if_empty(conn: sqlite3.Connection, path: Path) -> str | None:
    # Check and create under the write lock, in one transaction: several processes starting
    # on a brand-new file must not see each other's half-made schema, and a check made
    # before taking the lock may be stale by the time it is held.
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn)
        if version is None:
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if tables:
                raise StoreError(
                    f"The file {path} holds tables but no riverrun schema version; it is not "
                    "a riverrun database. Move it aside or set RIVERRUN_HOME elsewhere."
                )
            for statement in _schema_statements():
                conn.execute(statement)
            conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (HEAD_REVISION,))
            version = HEAD_REVISION
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return version


def _schema_statements() -> list[str]:
    statements: list[str] = []
    pending = ""
    for line in SQLITE_SCHEMA_PATH.read_text().splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    return statements


def _retry_locked(work: Any, attempts: int = _OPEN_RETRIES, backoff_s: float = 0.02) -> Any:
    """``work()``, tried again (after ``backoff_s`` times the attempt) while SQLite says locked.

    Opening a file other processes are creating or switching to WAL can answer "locked" at
    once, without waiting for the busy timeout (SQLite's deadlock avoidance); such moments
    pass in milliseconds.
    """
    for attempt in range(1, attempts):
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc):
                raise
            time.sleep(backoff_s * attempt)
    return work()


def _upgrade(path: Path, version: str | None) -> None:
    from alembic.script import ScriptDirectory

    from riverrun._store import migrate

    scripts = ScriptDirectory.from_config(migrate._config(sqlite_url(path)))
    known = {rev.revision for rev in scripts.walk_revisions()}
    if version not in known:
        raise StoreError(
            f"The riverrun database {path} is at schema revision {version!r}, which this "
            "riverrun does not know (it was made by a newer version). Upgrade riverrun, or "
            "point RIVERRUN_HOME elsewhere."
        )
    migrate.upgrade(sqlite_url(path))


_writers: dict[Path, EmbeddedWriter] = {}
_writers_lock = threading.Lock()


def embedded_writer(path: Path | str, busy_timeout_s: float = 30.0) -> EmbeddedWriter:
    """The process's writer for a database file, opened (and its schema checked) once."""
    key = Path(path).resolve()
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            writer = _writers[key] = EmbeddedWriter(key, busy_timeout_s)
            opened = writer
        else:
            return writer
    _crash_dead_local_runs(opened)
    return opened


def opened_writer(path: Path | str) -> EmbeddedWriter | None:
    """The process's writer for a database file if one is open already, else None.

    For code beside the recorder (the run watcher): the recorder's sink opens it on its
    first batch with the settings' busy timeout; opened first anywhere else, the process's
    one writer would wait the default 30 s on every write instead.
    """
    with _writers_lock:
        return _writers.get(Path(path).resolve())


def _crash_dead_local_runs(writer: EmbeddedWriter) -> None:
    # The first open in a process marks runs of dead local processes Crashed (no server needed).
    # It must never stop the file from opening: a failure here waits for the next process.
    try:
        crash_dead_local_runs(writer.path, writer.query, lambda: writer)
    except (StoreError, sqlite3.Error):
        pass


def close_writers() -> None:
    """Close every cached writer (tests; a process about to fork)."""
    with _writers_lock:
        for writer in _writers.values():
            writer.close()
        _writers.clear()
