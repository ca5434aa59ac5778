"""Initial schema.

Revision ID: 0001_initial
Revises:
Create Date: 2026-01-01

Creates every table of the first data model: flows, flow runs and task runs (with their
state history and tag tables), logs, artifacts, variables, deployments and blocks.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artifact",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("type", sa.String(length=50), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("metadata_", sa.Text(), nullable=True),
        sa.Column("flow_run_id", sa.String(length=36), nullable=True),
        sa.Column("task_run_id", sa.String(length=36), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact")),
    )
    op.create_index("ix_artifact__created", "artifact", ["created"], unique=False)
    op.create_index("ix_artifact__flow_run_id", "artifact", ["flow_run_id"], unique=False)
    op.create_index("ix_artifact__key", "artifact", ["key"], unique=False)

    op.create_table(
        "block_type",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("logo_url", sa.Text(), nullable=True),
        sa.Column("documentation_url", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("code_example", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_type")),
        sa.UniqueConstraint("slug", name=op.f("uq_block_type__slug")),
    )
    op.create_table(
        "flow",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("tags", sa.Text(), server_default="[]", nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow")),
        sa.UniqueConstraint("name", name=op.f("uq_flow__name")),
    )
    op.create_table(
        "log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("flow_run_id", sa.String(length=36), nullable=True),
        sa.Column("task_run_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log")),
    )
    op.create_index(
        "ix_log__flow_run_id_timestamp", "log", ["flow_run_id", "timestamp"], unique=False
    )
    op.create_index("ix_log__task_run_id", "log", ["task_run_id"], unique=False)
    op.create_index("ix_log__timestamp", "log", ["timestamp"], unique=False)

    op.create_table(
        "variable",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), server_default="[]", nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_variable")),
        sa.UniqueConstraint("name", name=op.f("uq_variable__name")),
    )
    op.create_table(
        "block_schema",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("checksum", sa.String(length=255), nullable=False),
        sa.Column("block_type_id", sa.String(length=36), nullable=False),
        sa.Column("fields", sa.Text(), server_default="{}", nullable=False),
        sa.Column("capabilities", sa.Text(), server_default="[]", nullable=False),
        sa.Column("version", sa.String(length=50), server_default="1", nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_type_id"],
            ["block_type.id"],
            name=op.f("fk_block_schema__block_type_id__block_type"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_schema")),
    )
    op.create_index(
        "uq_block_schema__checksum_version", "block_schema", ["checksum", "version"], unique=True
    )

    op.create_table(
        "deployment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("flow_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=255), nullable=True),
        sa.Column("tags", sa.Text(), server_default="[]", nullable=False),
        sa.Column("parameters", sa.Text(), server_default="{}", nullable=False),
        sa.Column("parameter_openapi_schema", sa.Text(), nullable=True),
        sa.Column("entrypoint", sa.Text(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("work_pool_name", sa.String(length=255), nullable=True),
        sa.Column("work_queue_name", sa.String(length=255), nullable=True),
        sa.Column("paused", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flow.id"], name=op.f("fk_deployment__flow_id__flow"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment")),
    )
    op.create_index("uq_deployment__flow_id_name", "deployment", ["flow_id", "name"], unique=True)

    op.create_table(
        "flow_run",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("flow_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("parameters", sa.Text(), server_default="{}", nullable=False),
        sa.Column("tags", sa.Text(), server_default="[]", nullable=False),
        sa.Column("parent_task_run_id", sa.String(length=36), nullable=True),
        sa.Column("deployment_id", sa.String(length=36), nullable=True),
        sa.Column("work_queue_name", sa.String(length=255), nullable=True),
        sa.Column("work_pool_name", sa.String(length=255), nullable=True),
        sa.Column("flow_version", sa.String(length=255), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("empirical_policy", sa.Text(), server_default="{}", nullable=False),
        sa.Column("context", sa.Text(), server_default="{}", nullable=False),
        sa.Column("heartbeat", sa.BigInteger(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("state_id", sa.String(length=36), nullable=True),
        sa.Column("state_type", sa.String(length=20), nullable=True),
        sa.Column("state_name", sa.String(length=50), nullable=True),
        sa.Column("state_timestamp", sa.BigInteger(), nullable=True),
        sa.Column("state_message", sa.Text(), nullable=True),
        sa.Column("start_time", sa.BigInteger(), nullable=True),
        sa.Column("end_time", sa.BigInteger(), nullable=True),
        sa.Column("expected_start_time", sa.BigInteger(), nullable=True),
        sa.Column("next_scheduled_start_time", sa.BigInteger(), nullable=True),
        sa.Column("run_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_run_time", sa.Float(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flow.id"], name=op.f("fk_flow_run__flow_id__flow"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_run")),
    )
    op.create_index("ix_flow_run__created", "flow_run", ["created"], unique=False)
    op.create_index("ix_flow_run__deployment_id", "flow_run", ["deployment_id"], unique=False)
    op.create_index("ix_flow_run__end_time", "flow_run", ["end_time"], unique=False)
    op.create_index(
        "ix_flow_run__expected_start_time", "flow_run", ["expected_start_time"], unique=False
    )
    op.create_index("ix_flow_run__flow_id", "flow_run", ["flow_id"], unique=False)
    op.create_index("ix_flow_run__name", "flow_run", ["name"], unique=False)
    op.create_index(
        "ix_flow_run__parent_task_run_id", "flow_run", ["parent_task_run_id"], unique=False
    )
    op.create_index("ix_flow_run__start_time", "flow_run", ["start_time"], unique=False)
    op.create_index("ix_flow_run__state_type", "flow_run", ["state_type"], unique=False)

    op.create_table(
        "block_document",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("block_type_id", sa.String(length=36), nullable=False),
        sa.Column("block_schema_id", sa.String(length=36), nullable=False),
        sa.Column("data", sa.Text(), server_default="{}", nullable=False),
        sa.Column("is_anonymous", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_schema_id"],
            ["block_schema.id"],
            name=op.f("fk_block_document__block_schema_id__block_schema"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["block_type_id"],
            ["block_type.id"],
            name=op.f("fk_block_document__block_type_id__block_type"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_document")),
    )
    op.create_index(
        "uq_block_document__block_type_id_name",
        "block_document",
        ["block_type_id", "name"],
        unique=True,
    )

    op.create_table(
        "flow_run_state",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("flow_run_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("state_details", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_run_id"],
            ["flow_run.id"],
            name=op.f("fk_flow_run_state__flow_run_id__flow_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_run_state")),
    )
    op.create_index(
        "ix_flow_run_state__flow_run_id_timestamp",
        "flow_run_state",
        ["flow_run_id", "timestamp"],
        unique=False,
    )

    op.create_table(
        "flow_run_tag",
        sa.Column("flow_run_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_run_id"],
            ["flow_run.id"],
            name=op.f("fk_flow_run_tag__flow_run_id__flow_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("flow_run_id", "tag", name=op.f("pk_flow_run_tag")),
    )
    op.create_index("ix_flow_run_tag__tag", "flow_run_tag", ["tag", "flow_run_id"], unique=False)

    op.create_table(
        "task_run",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("flow_run_id", sa.String(length=36), nullable=True),
        sa.Column("task_key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("dynamic_key", sa.String(length=255), server_default="0", nullable=False),
        sa.Column("tags", sa.Text(), server_default="[]", nullable=False),
        sa.Column("task_inputs", sa.Text(), server_default="{}", nullable=False),
        sa.Column("cache_key", sa.String(length=255), nullable=True),
        sa.Column("cache_expiration", sa.BigInteger(), nullable=True),
        sa.Column("task_version", sa.String(length=255), nullable=True),
        sa.Column("empirical_policy", sa.Text(), server_default="{}", nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("state_id", sa.String(length=36), nullable=True),
        sa.Column("state_type", sa.String(length=20), nullable=True),
        sa.Column("state_name", sa.String(length=50), nullable=True),
        sa.Column("state_timestamp", sa.BigInteger(), nullable=True),
        sa.Column("state_message", sa.Text(), nullable=True),
        sa.Column("start_time", sa.BigInteger(), nullable=True),
        sa.Column("end_time", sa.BigInteger(), nullable=True),
        sa.Column("expected_start_time", sa.BigInteger(), nullable=True),
        sa.Column("next_scheduled_start_time", sa.BigInteger(), nullable=True),
        sa.Column("run_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_run_time", sa.Float(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_run_id"],
            ["flow_run.id"],
            name=op.f("fk_task_run__flow_run_id__flow_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_run")),
    )
    op.create_index("ix_task_run__cache_key", "task_run", ["cache_key"], unique=False)
    op.create_index(
        "ix_task_run__expected_start_time", "task_run", ["expected_start_time"], unique=False
    )
    op.create_index("ix_task_run__flow_run_id", "task_run", ["flow_run_id"], unique=False)
    op.create_index("ix_task_run__name", "task_run", ["name"], unique=False)
    op.create_index("ix_task_run__start_time", "task_run", ["start_time"], unique=False)
    op.create_index("ix_task_run__state_type", "task_run", ["state_type"], unique=False)

    op.create_table(
        "task_run_state",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("task_run_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("state_details", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["task_run_id"],
            ["task_run.id"],
            name=op.f("fk_task_run_state__task_run_id__task_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_run_state")),
    )
    op.create_index(
        "ix_task_run_state__task_run_id_timestamp",
        "task_run_state",
        ["task_run_id", "timestamp"],
        unique=False,
    )

    op.create_table(
        "task_run_tag",
        sa.Column("task_run_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_run_id"],
            ["task_run.id"],
            name=op.f("fk_task_run_tag__task_run_id__task_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_run_id", "tag", name=op.f("pk_task_run_tag")),
    )
    op.create_index("ix_task_run_tag__tag", "task_run_tag", ["tag", "task_run_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_task_run_tag__tag", table_name="task_run_tag")

    op.drop_table("task_run_tag")
    op.drop_index("ix_task_run_state__task_run_id_timestamp", table_name="task_run_state")

    op.drop_table("task_run_state")
    op.drop_index("ix_task_run__state_type", table_name="task_run")
    op.drop_index("ix_task_run__start_time", table_name="task_run")
    op.drop_index("ix_task_run__name", table_name="task_run")
    op.drop_index("ix_task_run__flow_run_id", table_name="task_run")
    op.drop_index("ix_task_run__expected_start_time", table_name="task_run")
    op.drop_index("ix_task_run__cache_key", table_name="task_run")

    op.drop_table("task_run")
    op.drop_index("ix_flow_run_tag__tag", table_name="flow_run_tag")

    op.drop_table("flow_run_tag")
    op.drop_index("ix_flow_run_state__flow_run_id_timestamp", table_name="flow_run_state")

    op.drop_table("flow_run_state")
    op.drop_index("uq_block_document__block_type_id_name", table_name="block_document")

    op.drop_table("block_document")
    op.drop_index("ix_flow_run__state_type", table_name="flow_run")
    op.drop_index("ix_flow_run__start_time", table_name="flow_run")
    op.drop_index("ix_flow_run__parent_task_run_id", table_name="flow_run")
    op.drop_index("ix_flow_run__name", table_name="flow_run")
    op.drop_index("ix_flow_run__flow_id", table_name="flow_run")
    op.drop_index("ix_flow_run__expected_start_time", table_name="flow_run")
    op.drop_index("ix_flow_run__end_time", table_name="flow_run")
    op.drop_index("ix_flow_run__deployment_id", table_name="flow_run")
    op.drop_index("ix_flow_run__created", table_name="flow_run")

    op.drop_table("flow_run")
    op.drop_index("uq_deployment__flow_id_name", table_name="deployment")

    op.drop_table("deployment")
    op.drop_index("uq_block_schema__checksum_version", table_name="block_schema")

    op.drop_table("block_schema")
    op.drop_table("variable")
    op.drop_index("ix_log__timestamp", table_name="log")
    op.drop_index("ix_log__task_run_id", table_name="log")
    op.drop_index("ix_log__flow_run_id_timestamp", table_name="log")

    op.drop_table("log")
    op.drop_table("flow")
    op.drop_table("block_type")
    op.drop_index("ix_artifact__key", table_name="artifact")
    op.drop_index("ix_artifact__flow_run_id", table_name="artifact")
    op.drop_index("ix_artifact__created", table_name="artifact")

    op.drop_table("artifact")
