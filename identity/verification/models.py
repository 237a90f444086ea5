"""Verification tables: one row per conversation that is verifying, and the one-time codes sent.

A conversation is known only by Rasa's pseudonymous sender id. Who the details matched (``claimed_*``) is kept
server-side and never shown; a held answer (a date of birth or a code the family just typed, which the gateway
kept out of Rasa) is sealed and lives until the action reads it, at most a few minutes. A code is kept as a keyed,
salted hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, utcnow


class VerificationSession(Base):
    """The verification state of one conversation."""

    __tablename__ = "verification_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(64), unique=True)
    # What the assistant just asked for ("birth_date" | "code"): the gateway holds the answer out of Rasa.
    awaiting: Mapped[str | None] = mapped_column(String(16), nullable=True)
    awaiting_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    held_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    held_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Whom the details matched (None when they matched nobody, or nobody who may receive a code).
    claimed_requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_people.id", ondelete="SET NULL"), nullable=True
    )
    claimed_student_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_people.id", ondelete="SET NULL"), nullable=True
    )
    # Whether the match was refused because a court order restricts this parent (for the office's note).
    claimed_restricted: Mapped[bool] = mapped_column(default=False)
    # When a code was last asked for (matched or not: an unmatched conversation behaves the same way).
    code_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # ISO timestamps of the code requests of the last hour (the per-conversation limit).
    code_requests: Mapped[list[Any]] = mapped_column(JSON, default=list)
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    verified_requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_people.id", ondelete="SET NULL"), nullable=True
    )
    verified_student_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_people.id", ondelete="SET NULL"), nullable=True
    )
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class VerificationCode(Base):
    """A one-time code sent to a person's contact on file."""

    __tablename__ = "verification_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("verification_sessions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("roster_people.id", ondelete="CASCADE"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    delivery: Mapped[str] = mapped_column(String(8))  # sms | email
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Replaced by a newer code, or spent by the last wrong try.
    void_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    # Set on the fifth wrong try: no code goes to this person until then.
    locks_person_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    # The outbox message that carried the code (no foreign key: the outbox is another module's table). The outbox
    # keeps the code's text encrypted and removes it once the message has left (a "sensitive" message).
    outbox_message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
