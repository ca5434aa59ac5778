"""SQLite files give deleted runs' space back: ``auto_vacuum = INCREMENTAL``.

Revision ID: 0005_incremental_vacuum
Revises: 0004_leaner_run_indexes
Create Date: 2026-12-02

Retention deleted rows, but a SQLite file only keeps its free pages for reuse: after
deleting most of 100 MB of runs the file stayed 100.7 MB. With ``auto_vacuum =
INCREMENTAL`` a ``PRAGMA incremental_vacuum`` (run after each retention pass) hands the free
pages back. New files get the mode when they are created (``dialect.configure_sqlite``);
an existing file takes it only through a full ``VACUUM``, which this revision runs once,
outside the migration's transaction (SQLite cannot vacuum inside one). PostgreSQL has its
own autovacuum: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0005_incremental_vacuum"
down_revision = "0004_leaner_run_indexes"
branch_labels = None
depends_on = None

_INCREMENTAL = 2


def _set_auto_vacuum(mode: str, value: int) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA auto_vacuum").scalar() == value:
        return
    with op.get_context().autocommit_block():
        bind.exec_driver_sql(f"PRAGMA auto_vacuum = {mode}")
        bind.exec_driver_sql("VACUUM")


def upgrade() -> None:
    _set_auto_vacuum("INCREMENTAL", _INCREMENTAL)


def downgrade() -> None:
    _set_auto_vacuum("NONE", 0)
