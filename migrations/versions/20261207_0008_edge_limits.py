"""Abuse limits shared by the gateway's workers: fixed-window counters and leases for open event streams.

Revision ID: 0008_edge_limits
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0008_edge_limits"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counters")),
    )
    op.create_index(op.f("ix_rate_counters_expires_at"), "rate_counters", ["expires_at"], unique=False)
    op.create_table(
        "rate_leases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_leases")),
    )
    op.create_index(op.f("ix_rate_leases_key"), "rate_leases", ["key"], unique=False)
    op.create_index(op.f("ix_rate_leases_holder"), "rate_leases", ["holder"], unique=False)
    op.create_index(op.f("ix_rate_leases_expires_at"), "rate_leases", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("rate_leases")
    op.drop_table("rate_counters")
