"""Run leases: who runs a flow run, until when, with which fencing token, in which process.

Revision ID: 0008_run_leases
Revises: 0007_events_automations
Create Date: 2026-12-02

``flow_run`` gains ``lease_owner`` (``worker:<id>``, ``process:<host>:<pid>``), ``lease_token``
(a fencing epoch, +1 at every grant, never reset), ``lease_expires`` (epoch µs), and the
process running it: ``hostname``, ``pid`` and ``process_started`` (the process's start time
as the OS reports it, so a reused PID is not taken for the run's process). Two partial
indexes: ``lease_expires`` where set (the sweeper's query) and ``hostname`` for live runs
(``Running``/``Cancelling``: the embedded dead-process check reads only those).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008_run_leases"
down_revision = "0007_events_automations"
branch_labels = None
depends_on = None

_COLUMNS: list[sa.Column[Any]] = [
    sa.Column("lease_owner", sa.String(length=255), nullable=True),
    sa.Column("lease_token", sa.Integer(), server_default="0", nullable=False),
    sa.Column("lease_expires", sa.BigInteger(), nullable=True),
    sa.Column("hostname", sa.String(length=255), nullable=True),
    sa.Column("pid", sa.Integer(), nullable=True),
    sa.Column("process_started", sa.BigInteger(), nullable=True),
]

_LIVE = sa.text("state_type IN ('RUNNING', 'CANCELLING')")
_LEASED = sa.text("lease_expires IS NOT NULL")


def upgrade() -> None:
    for column in _COLUMNS:
        op.add_column("flow_run", column)
    op.create_index(
        "ix_flow_run__lease_expires",
        "flow_run",
        ["lease_expires"],
        sqlite_where=_LEASED,
        postgresql_where=_LEASED,
    )
    op.create_index(
        "ix_flow_run__live_hostname",
        "flow_run",
        ["hostname"],
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35), as in 0006: batch mode cannot rebuild flow_run.
    op.drop_index("ix_flow_run__live_hostname", table_name="flow_run")
    op.drop_index("ix_flow_run__lease_expires", table_name="flow_run")
    for column in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE flow_run DROP COLUMN {column.name}")
