"""Flow-run inputs: key/value text a flow run is sent (``send_input``, ``create_flow_run_input``).

Revision ID: 0013_flow_run_input
Revises: 0012_slas
Create Date: 2026-12-03

Adds ``flow_run_input`` (one row per key of a flow run, unique per run, deleted with it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_flow_run_input"
down_revision = "0012_slas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flow_run_input",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("flow_run_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_run_id"], ["flow_run.id"],
            name=op.f("fk_flow_run_input__flow_run_id__flow_run"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_run_input")),
    )  # fmt: skip
    op.create_index(
        "uq_flow_run_input__flow_run_id_key", "flow_run_input", ["flow_run_id", "key"], unique=True
    )


def downgrade() -> None:
    op.drop_table("flow_run_input")
