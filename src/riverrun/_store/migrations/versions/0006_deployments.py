"""Deployments and schedules: what a deployment stores, its schedules, idempotent runs.

Revision ID: 0006_deployments
Revises: 0005_incremental_vacuum
Create Date: 2026-12-02

``deployment`` gains the columns Prefect's deployments have (concurrency limit and options,
``enforce_parameter_schema``, job variables, pull steps, ``last_polled``) and riverrun's
late-run policies (``catchup``, ``catchup_window_seconds``, ``overlap``). A new
``deployment_schedule`` table holds each schedule as JSON with its own ``active``,
parameters, slug (unique per deployment), jitter and high-water mark. ``flow_run`` gains
``deployment_schedule_id`` and a partial unique index on ``(flow_id, idempotency_key)``: the
scheduler's key per (schedule, time) makes a second process or replica's insert a no-op.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006_deployments"
down_revision = "0005_incremental_vacuum"
branch_labels = None
depends_on = None

_DEPLOYMENT_COLUMNS: list[sa.Column[Any]] = [
    sa.Column("concurrency_limit", sa.Integer(), nullable=True),
    sa.Column("concurrency_options", sa.Text(), nullable=True),
    sa.Column("enforce_parameter_schema", sa.Boolean(), server_default="1", nullable=False),
    sa.Column("job_variables", sa.Text(), server_default="{}", nullable=False),
    sa.Column("pull_steps", sa.Text(), nullable=True),
    sa.Column("catchup", sa.String(length=20), server_default="all", nullable=False),
    sa.Column("catchup_window_seconds", sa.Float(), nullable=True),
    sa.Column("overlap", sa.String(length=20), server_default="allow", nullable=False),
    sa.Column("last_polled", sa.BigInteger(), nullable=True),
]


def _not_null(column: str) -> dict[str, Any]:
    clause = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": clause, "postgresql_where": clause}


def upgrade() -> None:
    for column in _DEPLOYMENT_COLUMNS:
        op.add_column("deployment", column)
    op.create_table(
        "deployment_schedule",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("max_scheduled_runs", sa.Integer(), nullable=True),
        sa.Column("parameters", sa.Text(), server_default="{}", nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=True),
        sa.Column("jitter_seconds", sa.Float(), nullable=True),
        sa.Column("high_water", sa.BigInteger(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployment.id"],
            name=op.f("fk_deployment_schedule__deployment_id__deployment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_schedule")),
    )
    op.create_index(
        "ix_deployment_schedule__deployment_id", "deployment_schedule", ["deployment_id"]
    )
    op.create_index(
        "uq_deployment_schedule__deployment_id_slug",
        "deployment_schedule",
        ["deployment_id", "slug"],
        unique=True,
        **_not_null("slug"),
    )
    op.add_column("flow_run", sa.Column("deployment_schedule_id", sa.String(length=36)))
    op.create_index(
        "uq_flow_run__flow_id_idempotency_key",
        "flow_run",
        ["flow_id", "idempotency_key"],
        unique=True,
        **_not_null("idempotency_key"),
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35): batch mode would rebuild flow_run and cannot
    # reflect its expression index (ix_flow_run__started).
    op.drop_index("uq_flow_run__flow_id_idempotency_key", table_name="flow_run")
    op.execute("ALTER TABLE flow_run DROP COLUMN deployment_schedule_id")
    op.drop_index("uq_deployment_schedule__deployment_id_slug", table_name="deployment_schedule")
    op.drop_index("ix_deployment_schedule__deployment_id", table_name="deployment_schedule")
    op.drop_table("deployment_schedule")
    for column in reversed(_DEPLOYMENT_COLUMNS):
        op.execute(f"ALTER TABLE deployment DROP COLUMN {column.name}")
