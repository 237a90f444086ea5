"""Sensitive outbox messages: a one-time code is stored encrypted and removed once it has left.

Replaces the verification service's after-the-fact clearing of sent codes (``message_cleared_at``): the outbox
itself never holds a code in clear.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("sensitive", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("verification_codes") as batch:
        batch.drop_column("message_cleared_at")


def downgrade() -> None:
    with op.batch_alter_table("verification_codes") as batch:
        batch.add_column(sa.Column("message_cleared_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("sensitive")
