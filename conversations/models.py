"""Conversation tables: who is talking (pseudonymously) and the redacted transcript, whichever the channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, utcnow


class Conversation(Base):
    """One family's conversation on one channel.

    The web client holds a random session id; only its SHA-256 is stored. It works until the family ends the
    conversation, or it has been idle or open too long (:func:`conversations.service.find_conversation`). Rasa
    knows the conversation only by ``rasa_sender``, a random pseudonym. An SMS conversation is found by
    ``contact_hash`` (a keyed hash of the phone number) and replies go to ``contact_encrypted``; the number is
    never stored in clear text.

    While an officer has the conversation (``handoff_officer`` set) the assistant is paused and the family's
    messages go to the timeline of ticket ``handoff_ticket_id``.
    """

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    rasa_sender: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(2), default="en")
    # The language of the last message Rasa answered (None until Rasa has answered once).
    rasa_language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the family ended a web conversation ("End conversation"): its session id works no more.
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    contact_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    contact_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What a numeric or YES/NO SMS reply means: {"1": {"payload", "title"}, "yes": {...}}, from the last reply.
    sms_options: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Consecutive turns the assistant did not understand; two in a row bring in a person.
    fallback_streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    handoff_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    handoff_officer: Mapped[str | None] = mapped_column(String(254), nullable=True)
    handoff_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    messages: Mapped[list[ConversationMessage]] = relationship(
        back_populates="conversation", order_by="ConversationMessage.id", cascade="all, delete-orphan"
    )


class ConversationMessage(Base):
    """One message in or out, redacted before it is stored.

    An inbound message is stored as ``pending`` before Rasa sees it and becomes ``answered`` once the replies
    are stored, so nothing a family sends is lost when Rasa is down: pending messages are retried.
    """

    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending|sending|answered (family -> assistant), office (family -> officer, during a handoff), sent (out)
    status: Mapped[str] = mapped_column(String(10), default="sent", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
