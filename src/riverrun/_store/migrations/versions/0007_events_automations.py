"""Events and automations.

Revision ID: 0007_events_automations
Revises: 0006_deployments
Create Date: 2026-12-02

Adds ``event`` (Prefect-shaped events: custom ones and those derived from flow-run states),
``automation`` (definitions as JSON) and ``automation_action`` (one row per action of a
firing: its claim, keyed so a firing is acted on once, and its delivery).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_events_automations"
down_revision = "0006_deployments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("occurred", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=1024), nullable=False),
        sa.Column("resource_id", sa.String(length=1024), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("related", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("follows", sa.String(length=36), nullable=True),
        sa.Column("flow_run_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    op.create_index("ix_event__occurred", "event", ["occurred"], unique=False)
    op.create_index("ix_event__received", "event", ["received"], unique=False)
    op.create_index("ix_event__resource_id", "event", ["resource_id"], unique=False)
    op.create_table(
        "automation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation")),
    )
    op.create_table(
        "automation_action",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("automation_id", sa.String(length=36), nullable=False),
        sa.Column("action_index", sa.Integer(), nullable=False),
        sa.Column("triggering_event_id", sa.String(length=36), nullable=True),
        sa.Column("firing", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_automation_action")),
    )
    op.create_index(
        "ix_automation_action__status", "automation_action", ["status", "next_attempt"],
        unique=False,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_automation_action__status", table_name="automation_action")
    op.drop_table("automation_action")
    op.drop_table("automation")
    op.drop_index("ix_event__resource_id", table_name="event")
    op.drop_index("ix_event__received", table_name="event")
    op.drop_index("ix_event__occurred", table_name="event")
    op.drop_table("event")
