"""SMS table: inbound messages seen (idempotency on Twilio's MessageSid); opted-out numbers are the outbox's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, utcnow


class SmsInbound(Base):
    """One inbound SMS, by its MessageSid: a redelivery of the same sid hits the unique constraint."""

    __tablename__ = "sms_inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # text | media | stop | start | help | ignored (the number had opted out)
    kind: Mapped[str] = mapped_column(String(8))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
