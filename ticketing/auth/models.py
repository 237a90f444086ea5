"""Sign-in tables: officer sessions (server side) and failed sign-ins (the sign-in delay, shared by all workers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, utcnow


class OfficerSession(Base):
    """A signed-in console session.

    The browser holds a random token (in a signed cookie); only its SHA-256 is stored. ``authenticated`` stays
    false until every step of signing in is done; ``step`` names the one still due: ``code`` (the authenticator
    code), ``password`` (a new password, when the current one was assigned or generated) or ``enrol`` (set up an
    authenticator app, when ``RIGHTSDESK_REQUIRE_TOTP`` is on). ``pending_totp`` holds the sealed secret being
    enrolled until the officer proves their app shows its codes.
    """

    __tablename__ = "officer_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    authenticated: Mapped[bool] = mapped_column(Boolean, default=False)
    step: Mapped[str | None] = mapped_column(String(16), nullable=True)
    pending_totp: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LoginFailure(Base):
    """One failed sign-in (wrong password, unknown email or wrong code).

    Keyed by an HMAC of the account, the client address or a known device; the delay counts these in a window.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))  # "account" | "ip" | "device"
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
