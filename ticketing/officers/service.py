"""Officer accounts: create, authenticate, and the lifecycle. Takes ``db_session``; never commits.

Every change to an account (created, disabled, enabled, password reset or changed, role or schools changed) is
written to the audit log with who made it; no password or secret ever is. Disabling an officer or resetting
their password ends their sessions at once. The last active administrator can be neither disabled nor demoted,
so the desk always has someone who can manage accounts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ticketing.audit.service import record as audit
from ticketing.auth.models import OfficerSession
from ticketing.officers.models import Officer, OfficerRole, PasswordOrigin
from ticketing.tickets.models import Ticket
from ticketing.tickets.scope import could_take

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
SYSTEM = "system"
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
    password_origin: PasswordOrigin = PasswordOrigin.chosen,
    actor: str = SYSTEM,
) -> Officer:
    """Create an officer account (raises ``OfficerError`` with a clear message on bad input)."""
    email = email.strip().lower()
    if not _EMAIL_RE.match(email):
        raise OfficerError(f"not an email address: {email!r}")
    if not name.strip():
        raise OfficerError("a name is required")
    _check_password(password)
    schools = _check_schools(role, schools or [], known_schools)
    if db_session.scalar(select(func.count()).select_from(Officer).where(Officer.email == email)):
        raise OfficerError(f"an officer with email {email} already exists")
    officer = Officer(
        email=email,
        name=name.strip(),
        role=role,
        schools=",".join(schools),
        password_hash=_hasher.hash(password),
        password_origin=password_origin,
        active=True,
    )
    db_session.add(officer)
    db_session.flush()
    _audit(db_session, actor, "officer.created", officer, role=role.value, schools=schools)
    return officer


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OfficerError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise OfficerError(f"the password must be at most {MAX_PASSWORD_LENGTH} characters")


def _check_schools(role: OfficerRole, schools: list[str], known_schools: set[str] | None) -> list[str]:
    schools = list(dict.fromkeys(s.strip() for s in schools if s.strip()))
    if role is OfficerRole.school_contact and not schools:
        raise OfficerError("a school contact needs at least one school")
    unknown = [s for s in schools if known_schools is not None and s not in known_schools]
    if unknown:
        raise OfficerError(f"unknown school id(s): {', '.join(unknown)}")
    return schools if role is OfficerRole.school_contact else []


def _audit(db_session: Session, actor: str, action: str, officer: Officer, **detail: object) -> None:
    audit(db_session=db_session, actor=actor, action=action, detail={"officer": officer.email, **detail})


def end_sessions(*, db_session: Session, officer: Officer) -> None:
    """Sign the officer out everywhere, now."""
    db_session.execute(delete(OfficerSession).where(OfficerSession.officer_id == officer.id))
    db_session.flush()


def _other_active_admins(db_session: Session, officer: Officer) -> int:
    return int(
        db_session.scalar(
            select(func.count())
            .select_from(Officer)
            .where(Officer.role == OfficerRole.administrator, Officer.active.is_(True), Officer.id != officer.id)
        )
        or 0
    )


def _keep_an_administrator(db_session: Session, officer: Officer) -> None:
    if officer.role is OfficerRole.administrator and officer.active and not _other_active_admins(db_session, officer):
        raise OfficerError(f"{officer.email} is the last active administrator; make someone else one first")


def disable_officer(*, db_session: Session, officer: Officer, actor: str) -> Officer:
    """The officer can no longer sign in; their open sessions end now. Their tickets stay assigned to them."""
    if not officer.active:
        raise OfficerError(f"{officer.email} is already disabled")
    _keep_an_administrator(db_session, officer)
    officer.active = False
    end_sessions(db_session=db_session, officer=officer)
    _audit(db_session, actor, "officer.disabled", officer)
    return officer


def enable_officer(*, db_session: Session, officer: Officer, actor: str) -> Officer:
    """The officer may sign in again."""
    if officer.active:
        raise OfficerError(f"{officer.email} is already enabled")
    officer.active = True
    db_session.flush()
    _audit(db_session, actor, "officer.enabled", officer)
    return officer


def reset_password(*, db_session: Session, officer: Officer, password: str, actor: str) -> Officer:
    """Give the officer a temporary password; they must choose their own at the next sign-in. Sessions end."""
    _check_password(password)
    officer.password_hash = _hasher.hash(password)
    officer.password_origin = PasswordOrigin.assigned
    end_sessions(db_session=db_session, officer=officer)
    _audit(db_session, actor, "officer.password_reset", officer)
    return officer


def give_generated_password(*, db_session: Session, officer: Officer, password: str, actor: str) -> Officer:
    """A password the desk made up and prints (the development demo officer): it must be changed at sign-in."""
    _check_password(password)
    officer.password_hash = _hasher.hash(password)
    officer.password_origin = PasswordOrigin.generated
    end_sessions(db_session=db_session, officer=officer)
    _audit(db_session, actor, "officer.password_generated", officer)
    return officer


def change_password(*, db_session: Session, officer: Officer, new_password: str) -> Officer:
    """The officer chooses their own password (it must differ from the current one)."""
    _check_password(new_password)
    if verify_password(officer, new_password):
        raise OfficerError("choose a password different from the one you were given")
    officer.password_hash = _hasher.hash(new_password)
    officer.password_origin = PasswordOrigin.chosen
    db_session.flush()
    _audit(db_session, officer.email, "officer.password_changed", officer)
    return officer


def verify_password(officer: Officer, password: str) -> bool:
    """Whether ``password`` is the officer's current one."""
    try:
        return bool(_hasher.verify(officer.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def set_role(
    *,
    db_session: Session,
    officer: Officer,
    role: OfficerRole,
    actor: str,
    schools: list[str] | None = None,
    known_schools: set[str] | None = None,
) -> Officer:
    """Change the officer's role (a school contact needs schools; district-wide roles have none)."""
    if role is officer.role:
        raise OfficerError(f"{officer.email} is already {role.value.replace('_', ' ')}")
    if role is not OfficerRole.administrator:
        _keep_an_administrator(db_session, officer)
    kept = schools if schools is not None else officer.school_ids
    checked = _check_schools(role, kept, known_schools)
    previous = officer.role
    officer.role = role
    officer.schools = ",".join(checked)
    db_session.flush()
    _audit(db_session, actor, "officer.role_changed", officer, **{"from": previous.value, "to": role.value})
    return officer


def set_schools(
    *, db_session: Session, officer: Officer, schools: list[str], actor: str, known_schools: set[str] | None = None
) -> Officer:
    """Change the schools a school contact is scoped to."""
    if officer.role is not OfficerRole.school_contact:
        raise OfficerError(f"{officer.email} sees every school ({officer.role.value.replace('_', ' ')})")
    checked = _check_schools(officer.role, schools, known_schools)
    previous = officer.school_ids
    officer.schools = ",".join(checked)
    db_session.flush()
    _audit(db_session, actor, "officer.schools_changed", officer, **{"from": previous, "to": checked})
    return officer


def all_officers(*, db_session: Session) -> Sequence[Officer]:
    """Every account, active first, by name."""
    return db_session.scalars(select(Officer).order_by(Officer.active.desc(), Officer.name, Officer.id)).all()


def with_generated_passwords(*, db_session: Session) -> list[str]:
    """Emails of active officers whose password the desk generated (production refuses to start with any)."""
    return list(
        db_session.scalars(
            select(Officer.email).where(Officer.password_origin == PasswordOrigin.generated, Officer.active.is_(True))
        )
    )


def check_credentials(*, db_session: Session, email: str, password: str) -> tuple[Officer | None, bool]:
    """``(officer with this email or None, whether the password is theirs)``, in the same time either way."""
    officer = db_session.scalar(select(Officer).where(Officer.email == email.strip().lower()))
    try:
        right = bool(_hasher.verify(officer.password_hash if officer else _DUMMY_HASH, password))
    except (VerificationError, InvalidHashError):
        right = False
    return officer, right and officer is not None


def authenticate(*, db_session: Session, email: str, password: str) -> Officer | None:
    """The active officer with these credentials, or None."""
    officer, right = check_credentials(db_session=db_session, email=email, password=password)
    if officer is None or not right or not officer.active:
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
