"""The outbox tables: every outbound SMS or email, and the numbers that replied STOP.

A message goes from queued to sent, delivered or failed; nothing is sent to a number that opted out.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, enum_column, utcnow


class OutboxKind(str, enum.Enum):
    """How a message travels."""

    sms = "sms"
    email = "email"


class OutboxStatus(str, enum.Enum):
    """Where a message is.

    ``queued`` waits for its next try (``next_attempt_at``); ``sending`` is claimed by a worker; ``sent`` was
    accepted by Twilio or the SMTP server; ``delivered`` was confirmed by Twilio's status callback; ``failed``
    will not be tried again (a permanent error, or every try used); ``undeliverable`` cannot reach the recipient
    (the carrier refused it, or the number replied STOP).
    """

    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    failed = "failed"
    undeliverable = "undeliverable"


FINAL_STATUSES = frozenset({OutboxStatus.delivered, OutboxStatus.failed, OutboxStatus.undeliverable})
PROBLEM_STATUSES = frozenset({OutboxStatus.failed, OutboxStatus.undeliverable})


class OutboxMessage(Base):
    """One outbound message. The recipient is stored encrypted, with a keyed hash to group and check it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(enum_column(OutboxKind))
    recipient_encrypted: Mapped[str] = mapped_column(Text)
    recipient_hash: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Twilio's MessageSid once Twilio accepted the message (its status callbacks are matched on it).
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # A compliance reply (the one confirmation of a STOP, a HELP answer) that goes out despite an opt-out.
    opt_out_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    # A message whose text must not rest in the database (a one-time code): ``body`` holds it encrypted until the
    # message has left, then only SENSITIVE_REMOVED. It is never sent again from here.
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SmsOptOut(Base):
    """A number (by its keyed hash) that replied STOP: nothing is sent to it until it replies START."""

    __tablename__ = "sms_opt_outs"

    contact_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    keyword: Mapped[str] = mapped_column(String(16))
    opted_out_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
