"""Migrations: Alembic history on both dialects, and the fast path's DDL equals it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from _pg import create_pg_database, drop_pg_database, pg_url

from riverrun._store import migrate
from riverrun._store.dialect import sqlite_url
from riverrun._store.embedded import EmbeddedWriter


def _schema(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(),
                      key=lambda r: (r[0], r[1]))  # fmt: skip
    finally:
        conn.close()


def test_head_revision_constant_matches_alembic() -> None:
    assert migrate.HEAD_REVISION == migrate.alembic_head()


def test_fast_path_schema_equals_alembic_schema(tmp_path: Path) -> None:
    migrated = tmp_path / "alembic.db"
    migrate.upgrade(sqlite_url(migrated))
    fast = tmp_path / "fast.db"
    EmbeddedWriter(fast).close()
    assert _schema(fast) == _schema(migrated)
    assert migrate.current_revision(sqlite_url(fast)) == migrate.HEAD_REVISION


def test_shipped_sqlite_schema_is_rendered_from_head() -> None:
    assert migrate.SQLITE_SCHEMA_PATH.read_text() == migrate.render_sqlite_schema()


def test_sqlite_upgrade_downgrade_round_trip(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "m.db")
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.HEAD_REVISION
    migrate.downgrade(url, "base")
    assert migrate.current_revision(url) is None
    tables = [n for (kind, n, _sql) in _schema(tmp_path / "m.db") if kind == "table"]
    assert tables == ["alembic_version"]
    migrate.reset(url)
    assert migrate.current_revision(url) == migrate.HEAD_REVISION


@pytest.mark.postgres
def test_postgres_upgrade_downgrade_round_trip() -> None:
    name = create_pg_database()
    try:
        url = pg_url(name)
        migrate.upgrade(url)
        assert migrate.current_revision(url) == migrate.HEAD_REVISION
        migrate.downgrade(url, "base")
        assert migrate.current_revision(url) is None
        migrate.reset(url)
        assert migrate.current_revision(url) == migrate.HEAD_REVISION
    finally:
        drop_pg_database(name)


def test_writer_upgrades_a_file_at_an_older_revision(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = sqlite_url(path)
    migrate.upgrade(url)
    migrate.downgrade(url, "base")  # an "older revision": the empty history
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE alembic_version")
    conn.close()
    EmbeddedWriter(path).close()
    assert migrate.current_revision(url) == migrate.HEAD_REVISION
