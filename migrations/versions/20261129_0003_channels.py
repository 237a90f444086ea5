"""channels: outbox, SMS inbound and opt-outs, SMS contact and handoff columns on conversations

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-29 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("contact_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("sms_options", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("fallback_streak", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("handoff_ticket_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("handoff_officer", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("handoff_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_conversations_contact_hash"), ["contact_hash"])
        batch_op.create_index(batch_op.f("ix_conversations_handoff_ticket_id"), ["handoff_ticket_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_conversations_handoff_ticket_id_tickets"),
            "tickets",
            ["handoff_ticket_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("sms", "email", name="outboxkind", native_enum=False, length=16), nullable=False),
        sa.Column("recipient_encrypted", sa.Text(), nullable=False),
        sa.Column("recipient_hash", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "delivered",
                "failed",
                "undeliverable",
                name="outboxstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("opt_out_notice", sa.Boolean(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_outbox_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_outbox_messages_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_outbox_messages_provider_id")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_recipient_hash"), ["recipient_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_conversation_id"), ["conversation_id"], unique=False)

    op.create_table(
        "sms_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_sms_inbound_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_inbound")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_sms_inbound_message_sid")),
    )
    with op.batch_alter_table("sms_inbound", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_inbound_conversation_id"), ["conversation_id"], unique=False)

    op.create_table(
        "sms_opt_outs",
        sa.Column("contact_hash", sa.String(length=64), nullable=False),
        sa.Column("keyword", sa.String(length=16), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("contact_hash", name=op.f("pk_sms_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("sms_opt_outs")
    with op.batch_alter_table("sms_inbound", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_inbound_conversation_id"))
    op.drop_table("sms_inbound")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_recipient_hash"))
        batch_op.drop_index("ix_outbox_messages_due")
    op.drop_table("outbox_messages")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_conversations_handoff_ticket_id_tickets"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_conversations_handoff_ticket_id"))
        batch_op.drop_constraint(batch_op.f("uq_conversations_contact_hash"), type_="unique")
        batch_op.drop_column("handoff_at")
        batch_op.drop_column("handoff_officer")
        batch_op.drop_column("handoff_ticket_id")
        batch_op.drop_column("fallback_streak")
        batch_op.drop_column("sms_options")
        batch_op.drop_column("contact_hash")
        batch_op.drop_column("contact_encrypted")
