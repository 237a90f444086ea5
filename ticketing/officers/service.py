"""Officer accounts: create, authenticate. Takes ``db_session``; never commits."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.officers.models import Officer, OfficerRole
from ticketing.tickets.models import Ticket
from ticketing.tickets.scope import could_take

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Verified against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class OfficerError(ValueError):
    """Bad input for an officer account, with a message for the administrator."""


def add_officer(
    *,
    db_session: Session,
    email: str,
    name: str,
    role: OfficerRole,
    password: str,
    schools: list[str] | None = None,
    known_schools: set[str] | None = None,
) -> Officer:
    """Create an officer account (raises ``OfficerError`` with a clear message on bad input)."""
    email = email.strip().lower()
    if not _EMAIL_RE.match(email):
        raise OfficerError(f"not an email address: {email!r}")
    if not name.strip():
        raise OfficerError("a name is required")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OfficerError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    schools = schools or []
    if role is OfficerRole.school_contact and not schools:
        raise OfficerError("a school contact needs at least one --school")
    unknown = [s for s in schools if known_schools is not None and s not in known_schools]
    if unknown:
        raise OfficerError(f"unknown school id(s): {', '.join(unknown)}")
    if db_session.scalar(select(func.count()).select_from(Officer).where(Officer.email == email)):
        raise OfficerError(f"an officer with email {email} already exists")
    officer = Officer(
        email=email,
        name=name.strip(),
        role=role,
        schools=",".join(schools),
        password_hash=_hasher.hash(password),
    )
    db_session.add(officer)
    db_session.flush()
    return officer


def authenticate(*, db_session: Session, email: str, password: str) -> Officer | None:
    """The active officer with these credentials, or None."""
    officer = db_session.scalar(select(Officer).where(Officer.email == email.strip().lower()))
    try:
        _hasher.verify(officer.password_hash if officer else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if officer is None or not officer.active:
        return None
    return officer


def find_officer(*, db_session: Session, email: str) -> Officer | None:
    """The officer with this email."""
    return db_session.scalar(select(Officer).where(Officer.email == email.strip().lower()))


def officers_for_ticket(*, db_session: Session, ticket: Ticket) -> list[Officer]:
    """Active officers who may be given ``ticket`` (who would see it once assigned), by name."""
    officers = db_session.scalars(select(Officer).where(Officer.active.is_(True)).order_by(Officer.name)).all()
    return [o for o in officers if could_take(o, ticket)]


def find_officer_by_id(*, db_session: Session, officer_id: int) -> Officer | None:
    """The officer with this id."""
    return db_session.get(Officer, officer_id)
