"""Sign-in service: password, second factor, sessions and the rate limit. Takes ``db_session``; never commits.

- The same message answers an unknown email, a wrong password and an inactive account.
- Failures are stored (keyed hashes of the account and of the client address), so the limit holds across gateway
  workers and restarts: past ``max_per_account`` failures for one email, or ``max_per_ip`` from one address, within
  the window, sign-in is refused without checking the password.
- A session is a random token; the database keeps only its SHA-256. It ends after ``idle_minutes`` without a
  request, after ``MAX_SESSION_HOURS`` in any case, and on sign-out. While the second factor is pending the
  session is not authenticated and lasts ``PENDING_MINUTES``; once the code is accepted the token is replaced.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from identity.vault import SEALED_PREFIX, vault
from ticketing.auth import totp
from ticketing.auth.models import LoginFailure, OfficerSession
from ticketing.database import utcnow
from ticketing.officers.models import Officer
from ticketing.officers.service import authenticate, find_officer

log = logging.getLogger(__name__)

BAD_CREDENTIALS = "The email or password is not correct."
BAD_CODE = "That code is not correct. Enter the code your authenticator app shows now."
TOO_MANY = "Too many failed sign-in attempts. Wait {minutes} minutes, then try again."
PENDING_MINUTES = 5
MAX_SESSION_HOURS = 12
TOTP_ISSUER = "Family Data Rights Desk"
TOTP_PURPOSE = "officer totp secret"  # what a sealed authenticator secret is bound to


@dataclass(frozen=True)
class LoginLimits:
    """The rate limit and the idle timeout (from the settings)."""

    max_per_account: int = 5
    max_per_ip: int = 20
    window_minutes: int = 15
    idle_minutes: int = 30


@dataclass(frozen=True)
class SignIn:
    """What a sign-in step produced: a session token, or an error for the form."""

    token: str | None = None
    needs_code: bool = False
    error: str | None = None
    officer: Officer | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key(secret_key: str, scope: str, value: str) -> str:
    return hmac.new(secret_key.encode(), f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def _failures(db_session: Session, key_hash: str, since: datetime) -> int:
    return int(
        db_session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.key_hash == key_hash, LoginFailure.created_at >= since)
        )
        or 0
    )


def is_rate_limited(
    *, db_session: Session, email: str, ip: str, secret_key: str, limits: LoginLimits, now: datetime | None = None
) -> bool:
    """Whether sign-in is refused for this account or this address right now."""
    since = (now or utcnow()) - timedelta(minutes=limits.window_minutes)
    account = _key(secret_key, "account", email.strip().lower())
    address = _key(secret_key, "ip", ip)
    return (
        _failures(db_session, account, since) >= limits.max_per_account
        or _failures(db_session, address, since) >= limits.max_per_ip
    )


def record_failure(*, db_session: Session, email: str, ip: str, secret_key: str, now: datetime | None = None) -> None:
    """Count one failed attempt against the account and the address."""
    now = now or utcnow()
    db_session.add(
        LoginFailure(scope="account", key_hash=_key(secret_key, "account", email.strip().lower()), created_at=now)
    )
    db_session.add(LoginFailure(scope="ip", key_hash=_key(secret_key, "ip", ip), created_at=now))
    db_session.flush()


def _clear_account_failures(db_session: Session, email: str, secret_key: str) -> None:
    db_session.execute(
        delete(LoginFailure).where(LoginFailure.key_hash == _key(secret_key, "account", email.strip().lower()))
    )


def _start_session(db_session: Session, officer: Officer, authenticated: bool, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    db_session.add(
        OfficerSession(
            token_hash=_hash(token),
            officer_id=officer.id,
            csrf_token=secrets.token_urlsafe(32),
            authenticated=authenticated,
            created_at=now,
            last_seen_at=now,
        )
    )
    db_session.flush()
    return token


def sign_in(
    *,
    db_session: Session,
    email: str,
    password: str,
    ip: str,
    secret_key: str,
    limits: LoginLimits,
    now: datetime | None = None,
) -> SignIn:
    """Check the password (first step); a new session, pending the code if the officer has a second factor."""
    now = now or utcnow()
    email = email.strip().lower()[:254]
    too_many = SignIn(error=TOO_MANY.format(minutes=limits.window_minutes))
    if is_rate_limited(db_session=db_session, email=email, ip=ip, secret_key=secret_key, limits=limits, now=now):
        log.warning("sign-in refused: rate limit")
        return too_many
    officer = authenticate(db_session=db_session, email=email, password=password[:1024])
    if officer is None:
        record_failure(db_session=db_session, email=email, ip=ip, secret_key=secret_key, now=now)
        return SignIn(error=BAD_CREDENTIALS)
    if officer.totp_enabled:
        return SignIn(token=_start_session(db_session, officer, False, now), needs_code=True, officer=officer)
    _clear_account_failures(db_session, email, secret_key)
    return SignIn(token=_start_session(db_session, officer, True, now), officer=officer)


def confirm_code(
    *,
    db_session: Session,
    pending: OfficerSession,
    code: str,
    ip: str,
    secret_key: str,
    limits: LoginLimits,
    now: datetime | None = None,
) -> SignIn:
    """Check the second factor of a pending session; on success the pending session becomes a new, full one."""
    now = now or utcnow()
    officer = db_session.get(Officer, pending.officer_id)
    if officer is None or not officer.active or not officer.totp_secret:
        db_session.delete(pending)
        return SignIn(error=BAD_CREDENTIALS)
    if is_rate_limited(
        db_session=db_session, email=officer.email, ip=ip, secret_key=secret_key, limits=limits, now=now
    ):
        db_session.delete(pending)
        return SignIn(error=TOO_MANY.format(minutes=limits.window_minutes))
    step = totp.matching_step(_totp_secret(officer), code, now)
    if step is None or (officer.totp_last_step is not None and step <= officer.totp_last_step):
        record_failure(db_session=db_session, email=officer.email, ip=ip, secret_key=secret_key, now=now)
        return SignIn(error=BAD_CODE, needs_code=True)
    officer.totp_last_step = step
    db_session.delete(pending)
    _clear_account_failures(db_session, officer.email, secret_key)
    return SignIn(token=_start_session(db_session, officer, True, now), officer=officer)


def find_session(
    *, db_session: Session, token: str, limits: LoginLimits, now: datetime | None = None
) -> OfficerSession | None:
    """The live session for ``token`` (touching its idle clock), or None; an expired one is deleted."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    found = db_session.scalar(select(OfficerSession).where(OfficerSession.token_hash == _hash(token)))
    if found is None:
        return None
    idle = timedelta(minutes=PENDING_MINUTES if not found.authenticated else limits.idle_minutes)
    expired = now - found.last_seen_at > idle or now - found.created_at > timedelta(hours=MAX_SESSION_HOURS)
    officer = db_session.get(Officer, found.officer_id)
    if expired or officer is None or not officer.active:
        db_session.delete(found)
        db_session.flush()
        return None
    found.last_seen_at = now
    return found


def end_session(*, db_session: Session, token: str) -> None:
    """Sign out."""
    db_session.execute(delete(OfficerSession).where(OfficerSession.token_hash == _hash(token)))


def enrol_totp(*, db_session: Session, email: str) -> tuple[Officer, str] | None:
    """Give the officer a new TOTP secret (replacing any old one); returns (officer, otpauth URI)."""
    officer = find_officer(db_session=db_session, email=email)
    if officer is None:
        return None
    secret = totp.new_secret()
    officer.totp_secret = vault().seal(secret, TOTP_PURPOSE)
    officer.totp_last_step = None
    # Sessions signed in without the factor end now.
    db_session.execute(delete(OfficerSession).where(OfficerSession.officer_id == officer.id))
    db_session.flush()
    return officer, totp.provisioning_uri(secret, officer.email, TOTP_ISSUER)


def _totp_secret(officer: Officer) -> str:
    """The officer's authenticator secret in clear, for checking a code.

    Stored sealed (:mod:`identity.vault`); a secret enrolled before sealing existed is still read as it is and
    sealed now, on its first use.
    """
    stored = officer.totp_secret or ""
    if stored.startswith(SEALED_PREFIX):
        return vault().open(stored, TOTP_PURPOSE)
    officer.totp_secret = vault().seal(stored, TOTP_PURPOSE)
    return stored


def remove_totp(*, db_session: Session, email: str) -> Officer | None:
    """Turn the second factor off (a lost phone); the officer signs in with the password alone."""
    officer = find_officer(db_session=db_session, email=email)
    if officer is None:
        return None
    officer.totp_secret = None
    officer.totp_last_step = None
    db_session.flush()
    return officer


def prune(*, db_session: Session, limits: LoginLimits, now: datetime | None = None) -> int:
    """Delete failures older than the window and sessions past their lifetime; returns rows removed."""
    now = now or utcnow()
    failures = db_session.execute(
        delete(LoginFailure).where(LoginFailure.created_at < now - timedelta(minutes=limits.window_minutes))
    )
    sessions = db_session.execute(
        delete(OfficerSession).where(
            (OfficerSession.last_seen_at < now - timedelta(minutes=limits.idle_minutes))
            | (OfficerSession.created_at < now - timedelta(hours=MAX_SESSION_HOURS))
        )
    )
    return int(getattr(failures, "rowcount", 0) or 0) + int(getattr(sessions, "rowcount", 0) or 0)
