"""Service level agreements of deployments.

Revision ID: 0012_slas
Revises: 0011_runs_state_index
Create Date: 2026-12-03

Adds ``sla``: one row per SLA of a deployment (name unique within it, type, severity,
enabled, and the type's threshold in seconds), deleted with its deployment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_slas"
down_revision = "0011_runs_state_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("threshold_seconds", sa.Float(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployment.id"],
            name=op.f("fk_sla__deployment_id__deployment"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla")),
    )
    op.create_index("uq_sla__deployment_id_name", "sla", ["deployment_id", "name"], unique=True)


def downgrade() -> None:
    op.drop_table("sla")
