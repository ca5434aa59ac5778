"""Work pools, work queues and workers.

Revision ID: 0009_work_pools
Revises: 0008_run_leases
Create Date: 2026-12-02

Adds ``work_pool`` (name unique, type, base job template JSON, paused, concurrency limit,
default queue), ``work_queue`` (per pool, name unique in its pool, priority, paused,
concurrency limit, last polled) and ``worker`` (per pool, name unique in its pool, last
heartbeat, heartbeat interval), and a partial index on ``flow_run (work_pool_name,
state_type, expected_start_time)`` for claims.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_work_pools"
down_revision = "0008_run_leases"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "work_pool",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("base_job_template", sa.Text(), server_default="{}", nullable=False),
        sa.Column("is_paused", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("default_queue_id", sa.String(length=36), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_pool")),
        sa.UniqueConstraint("name", name=op.f("uq_work_pool__name")),
    )
    op.create_table(
        "work_queue",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("work_pool_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_paused", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), server_default="1", nullable=False),
        sa.Column("last_polled", sa.BigInteger(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["work_pool_id"], ["work_pool.id"],
            name=op.f("fk_work_queue__work_pool_id__work_pool"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_queue")),
    )  # fmt: skip
    op.create_index(
        "uq_work_queue__work_pool_id_name", "work_queue", ["work_pool_id", "name"], unique=True
    )
    op.create_table(
        "worker",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("work_pool_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("last_heartbeat_time", sa.BigInteger(), nullable=False),
        sa.Column("heartbeat_interval_seconds", sa.Integer(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["work_pool_id"], ["work_pool.id"],
            name=op.f("fk_worker__work_pool_id__work_pool"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker")),
    )  # fmt: skip
    op.create_index("uq_worker__work_pool_id_name", "worker", ["work_pool_id", "name"], unique=True)
    op.create_index(
        "ix_flow_run__work_pool_name_state_type", "flow_run",
        ["work_pool_name", "state_type", "expected_start_time"], unique=False,
        sqlite_where=sa.text("work_pool_name IS NOT NULL"),
        postgresql_where=sa.text("work_pool_name IS NOT NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_flow_run__work_pool_name_state_type", table_name="flow_run")
    op.drop_index("uq_worker__work_pool_id_name", table_name="worker")
    op.drop_table("worker")
    op.drop_index("uq_work_queue__work_pool_id_name", table_name="work_queue")
    op.drop_table("work_queue")
    op.drop_table("work_pool")
