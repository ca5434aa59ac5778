"""API keys.

Revision ID: 0002_api_keys
Revises: 0001_initial
Create Date: 2026-01-02

Adds ``api_key``: the keys a riverrun server accepts, stored only as SHA-256 hashes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_api_keys"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=True),
        sa.Column("revoked", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("hash", name=op.f("uq_api_key__hash")),
    )
    op.create_index("ix_api_key__name", "api_key", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_api_key__name", table_name="api_key")
    op.drop_table("api_key")
