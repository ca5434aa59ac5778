"""Leaner run indexes: every index is a page written per commit.

Revision ID: 0004_leaner_run_indexes
Revises: 0003_started_index
Create Date: 2026-11-23

A flow run's end writes one small transaction, and each index its rows touch is one more
page in that commit. Dropped: ``name`` (``like_`` is a substring match no B-tree serves),
``state_type`` (a handful of values; state filters ride on the sort index), ``start_time``
(``ix_*__started`` serves start-time ranges and sorts since 0003), ``flow_run.end_time``
(only the rare END_TIME sort), ``task_run.cache_key`` (cache lookups read result files, not
the database). Made partial (``WHERE col IS NOT NULL``): ``flow_run.parent_task_run_id``,
``flow_run.deployment_id``, ``log.task_run_id`` — most rows have none and now cost nothing.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004_leaner_run_indexes"
down_revision = "0003_started_index"
branch_labels = None
depends_on = None

_DROPPED = [
    ("flow_run", "ix_flow_run__name", ["name"]),
    ("flow_run", "ix_flow_run__state_type", ["state_type"]),
    ("flow_run", "ix_flow_run__start_time", ["start_time"]),
    ("flow_run", "ix_flow_run__end_time", ["end_time"]),
    ("task_run", "ix_task_run__name", ["name"]),
    ("task_run", "ix_task_run__state_type", ["state_type"]),
    ("task_run", "ix_task_run__start_time", ["start_time"]),
    ("task_run", "ix_task_run__cache_key", ["cache_key"]),
]
_PARTIAL = [
    ("flow_run", "ix_flow_run__parent_task_run_id", "parent_task_run_id"),
    ("flow_run", "ix_flow_run__deployment_id", "deployment_id"),
    ("log", "ix_log__task_run_id", "task_run_id"),
]


def _not_null(column: str) -> dict[str, Any]:
    clause = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": clause, "postgresql_where": clause}


def upgrade() -> None:
    for table, name, _columns in _DROPPED:
        op.drop_index(name, table_name=table)
    for table, name, column in _PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], unique=False, **_not_null(column))


def downgrade() -> None:
    for table, name, column in _PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], unique=False)
    for table, name, columns in _DROPPED:
        op.create_index(name, table, columns, unique=False)
