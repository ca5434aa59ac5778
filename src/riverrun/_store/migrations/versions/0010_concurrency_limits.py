"""Concurrency limits and their slot leases.

Revision ID: 0010_concurrency_limits
Revises: 0008_run_leases
Create Date: 2026-12-02

Adds ``concurrency_limit`` (global, tag and deployment limits: name, limit, active, slot
decay) and ``concurrency_lease`` (every held slot is a row with an expiry; a limit's held
slots are the sum over its unexpired rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_concurrency_limits"
down_revision = "0009_work_pools"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concurrency_limit",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("slot_limit", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("slot_decay_per_second", sa.Float(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concurrency_limit")),
        sa.UniqueConstraint("name", name=op.f("uq_concurrency_limit__name")),
    )
    op.create_table(
        "concurrency_lease",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("lease_id", sa.String(length=36), nullable=False),
        sa.Column("limit_id", sa.String(length=36), nullable=False),
        sa.Column("occupy", sa.Integer(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("holder_type", sa.String(length=32), nullable=True),
        sa.Column("holder_id", sa.String(length=36), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concurrency_lease")),
    )
    op.create_index("ix_concurrency_lease__limit_id", "concurrency_lease", ["limit_id", "expires"])
    op.create_index("ix_concurrency_lease__lease_id", "concurrency_lease", ["lease_id"])
    op.create_index("ix_concurrency_lease__expires", "concurrency_lease", ["expires"])
    op.create_index(
        "ix_concurrency_lease__holder_id",
        "concurrency_lease",
        ["holder_id"],
        sqlite_where=sa.text("holder_id IS NOT NULL"),
        postgresql_where=sa.text("holder_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("concurrency_lease")
    op.drop_table("concurrency_limit")
