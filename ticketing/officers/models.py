"""Officer accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, enum_column, utcnow


class OfficerRole(str, enum.Enum):
    """What an officer may see and do."""

    administrator = "administrator"
    district_officer = "district_officer"
    school_contact = "school_contact"


class PasswordOrigin(str, enum.Enum):
    """Who chose an officer's current password.

    ``chosen``: the officer, at the console. ``assigned``: an administrator (``officer add``, a reset); the
    officer must choose their own at the next sign-in. ``generated``: the desk made it up and printed it (the
    development demo officer only); it must be changed too, and production refuses to start while one exists.
    """

    chosen = "chosen"
    assigned = "assigned"
    generated = "generated"


class Officer(Base):
    """A person who works tickets; the password is stored only as an argon2 hash."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[OfficerRole] = mapped_column(enum_column(OfficerRole, length=32))
    # Comma-separated school ids a school contact is scoped to; empty for district-wide roles.
    schools: Mapped[str] = mapped_column(String(500), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_origin: Mapped[PasswordOrigin] = mapped_column(
        enum_column(PasswordOrigin),
        default=PasswordOrigin.chosen,
        server_default=PasswordOrigin.chosen.value,
    )
    # RFC 6238 second factor: the base32 secret once enrolled, and the last time step used (no code works twice).
    # Sealed (core.secrets), never in clear.
    totp_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def totp_enabled(self) -> bool:
        """Whether signing in needs a one-time code from an authenticator app."""
        return bool(self.totp_secret)

    @property
    def must_change_password(self) -> bool:
        """Whether the officer must choose a new password before using the console."""
        return self.password_origin is not PasswordOrigin.chosen

    @property
    def school_ids(self) -> list[str]:
        """The schools this officer is scoped to."""
        return [s for s in self.schools.split(",") if s]
