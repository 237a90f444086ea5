"""Roster tables: organisations (schools), people (students, parents, guardians) and who is whose parent.

Nothing here is kept in clear text that verification does not need: a student's date of birth only as a keyed
hash (:func:`core.secrets.Vault.lookup_hash`), contacts on file sealed (AES-GCM), no student number.
Names are kept: they are what families are matched on and what officers read.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, enum_column, utcnow


class RosterRole(str, enum.Enum):
    """The OneRoster roles this desk imports (teachers, aides and others are not needed)."""

    student = "student"
    parent = "parent"
    guardian = "guardian"


AGENT_ROLES = frozenset({RosterRole.parent, RosterRole.guardian})


class RosterOrg(Base):
    """A OneRoster org (district or school); a school's id in the district file is its sourcedId or identifier."""

    __tablename__ = "roster_orgs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    org_type: Mapped[str] = mapped_column(String(32))
    identifier: Mapped[str | None] = mapped_column(String(255), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RosterPerson(Base):
    """A student, parent or guardian.

    ``active`` is false for someone disabled in the roster (``enabledUser`` false) or absent from the latest
    import; an inactive person is never matched. ``row_hash`` is a keyed hash of everything imported for them, so a
    re-import rewrites only the people whose data changed.
    """

    __tablename__ = "roster_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    role: Mapped[RosterRole] = mapped_column(enum_column(RosterRole))
    given_name: Mapped[str] = mapped_column(String(120))
    middle_name: Mapped[str] = mapped_column(String(120), default="")
    family_name: Mapped[str] = mapped_column(String(120))
    # The school (its org's sourcedId) of a student: where their requests are routed.
    school_sourced_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    birth_date_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    email_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    sms_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    row_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RosterLink(Base):
    """A parent or guardian (``agent``) of a student; ``restricted`` when a court order limits their access."""

    __tablename__ = "roster_links"
    __table_args__ = (UniqueConstraint("agent_id", "student_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("roster_people.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("roster_people.id", ondelete="CASCADE"), index=True)
    relationship: Mapped[RosterRole] = mapped_column(enum_column(RosterRole))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
