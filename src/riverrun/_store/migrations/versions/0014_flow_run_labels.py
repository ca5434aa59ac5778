"""Flow runs' labels.

Revision ID: 0014_flow_run_labels
Revises: 0013_flow_run_input
Create Date: 2026-12-03

Adds ``flow_run.labels`` (JSON text, NULL for none): the labels ``update_flow_run_labels``
merged in. The ``riverrun.flow.id`` label every run has is not stored; it is the run's flow.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_flow_run_labels"
down_revision = "0013_flow_run_input"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("flow_run", sa.Column("labels", sa.Text(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35), as in 0006: batch mode cannot rebuild flow_run.
    op.drop_column("flow_run", "labels")
