"""Sign-in service: password, the steps after it, sessions and the sign-in delay.

Takes ``db_session``; never commits.

- The same message answers an unknown email, a wrong password and a disabled account.
- Signing in is a password, then whichever steps are due, each on a short-lived pending session whose token is
  replaced when the step is done (no fixation): the authenticator code (``code``), a new password when the
  current one was assigned by an administrator or generated (``password``), and setting up an authenticator app
  when ``RIGHTSDESK_REQUIRE_TOTP`` is on and the officer has none (``enrol``). Only then is the session
  authenticated.
- Failures slow sign-in down; they never lock it. Each failure is stored under keyed hashes (so the delay holds
  across gateway workers and restarts): from a browser this account has signed in on before (a *known device*:
  its signed device cookie names this account), under that device alone; from any other browser, under the
  account and under the client address. Past ``max_per_account`` (or ``max_per_ip``) failures within the window,
  every further try must wait, 1 s after the next failure, then 2, 4, … up to ``max_delay_seconds``. So someone
  guessing an officer's password, or flooding from one address, slows down new browsers for that account or
  address but never the officer on the laptop they use.
- Every decision is written to the audit log (success, each failure and its reason, each wait imposed, second
  factor set up or removed) with the client address; never a password, a code or a secret, and never the text
  typed as an email when it names no account (it could be a password typed in the wrong box).
- A session is a random token; the database keeps only its SHA-256. It ends after ``idle_minutes`` without a
  request, after ``MAX_SESSION_HOURS`` in any case, on sign-out, and at once when the officer is disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.secrets import SEALED_PREFIX, vault
from ticketing.audit.service import record as audit
from ticketing.auth import totp
from ticketing.auth.models import LoginFailure, OfficerSession
from ticketing.officers.models import Officer
from ticketing.officers.service import OfficerError, change_password, check_credentials, find_officer

log = logging.getLogger(__name__)

BAD_CREDENTIALS = "The email or password is not correct."
BAD_CODE = "That code is not correct. Enter the code your authenticator app shows now."
TOO_MANY = "Too many failed sign-in attempts from here. Wait {wait}, then try again."
PENDING_MINUTES = 10
MAX_SESSION_HOURS = 12
TOTP_ISSUER = "Family Data Rights Desk"
TOTP_PURPOSE = "officer totp secret"  # what a sealed authenticator secret is bound to
UNKNOWN_ACCOUNT = "unknown account"
CODE, PASSWORD, ENROL = "code", "password", "enrol"


@dataclass(frozen=True)
class LoginLimits:
    """The sign-in delay, the idle timeout and the second-factor policy (from the settings)."""

    max_per_account: int = 5
    max_per_ip: int = 20
    window_minutes: int = 15
    idle_minutes: int = 30
    max_delay_seconds: int = 300
    require_totp: bool = False


@dataclass(frozen=True)
class Device:
    """A browser's device cookie: a random id, and the tag of the account that signed in on it."""

    nonce: str
    tag: str


@dataclass(frozen=True)
class SignIn:
    """What a sign-in step produced: a session token (and the step still due), or an error for the form."""

    token: str | None = None
    step: str | None = None
    error: str | None = None
    officer: Officer | None = None
    retry_at: datetime | None = None

    @property
    def needs_code(self) -> bool:
        """Whether the authenticator code is the next step."""
        return self.step == CODE


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key(secret_key: str, scope: str, value: str) -> str:
    return hmac.new(secret_key.encode(), f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def device_tag(secret_key: str, email: str) -> str:
    """The tag a device cookie carries for the account ``email`` (an HMAC: it names no one to a reader)."""
    return _key(secret_key, "device-account", email.strip().lower())[:32]


def new_device(secret_key: str, email: str) -> Device:
    """A device cookie for a browser ``email`` just signed in on."""
    return Device(secrets.token_urlsafe(16), device_tag(secret_key, email))


def _known(device: Device | None, secret_key: str, email: str) -> bool:
    return device is not None and hmac.compare_digest(device.tag, device_tag(secret_key, email))


def _throttle_keys(
    email: str, ip: str, device: Device | None, secret_key: str, limits: LoginLimits
) -> list[tuple[str, str, int]]:
    """``(scope, key hash, free failures)`` a failure counts under, and whose delay applies."""
    email = email.strip().lower()
    if device is not None and _known(device, secret_key, email):
        return [("device", _key(secret_key, "device", f"{device.nonce}:{email}"), limits.max_per_account)]
    return [
        ("account", _key(secret_key, "account", email), limits.max_per_account),
        ("ip", _key(secret_key, "ip", ip), limits.max_per_ip),
    ]


def _delay(failures: int, free: int, limits: LoginLimits) -> timedelta:
    if failures < free:
        return timedelta(0)
    return timedelta(seconds=min(limits.max_delay_seconds, 2 ** min(failures - free, 30)))


def retry_at(
    *,
    db_session: Session,
    email: str,
    ip: str,
    secret_key: str,
    limits: LoginLimits,
    device: Device | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """When this browser may try signing in to this account again, or None: now."""
    now = now or utcnow()
    since = now - timedelta(minutes=limits.window_minutes)
    latest: datetime | None = None
    for _scope, key_hash, free in _throttle_keys(email, ip, device, secret_key, limits):
        count, last = db_session.execute(
            select(func.count(), func.max(LoginFailure.created_at)).where(
                LoginFailure.key_hash == key_hash, LoginFailure.created_at >= since
            )
        ).one()
        if not count or last is None:
            continue
        if isinstance(last, str):  # SQLite's max() returns the stored text
            last = datetime.fromisoformat(last)
        if last.tzinfo is None:
            last = last.replace(tzinfo=timezone.utc)
        until = last + _delay(int(count), free, limits)
        if until > now and (latest is None or until > latest):
            latest = until
    return latest


def record_failure(
    *,
    db_session: Session,
    email: str,
    ip: str,
    secret_key: str,
    limits: LoginLimits | None = None,
    device: Device | None = None,
    now: datetime | None = None,
) -> None:
    """Count one failed attempt (under the known device, or under the account and the address)."""
    now = now or utcnow()
    for scope, key_hash, _free in _throttle_keys(email, ip, device, secret_key, limits or LoginLimits()):
        db_session.add(LoginFailure(scope=scope, key_hash=key_hash, created_at=now))
    db_session.flush()


def _clear_failures(db_session: Session, email: str, device: Device | None, secret_key: str) -> None:
    """After a success, forget the failures it was counted under: a known device's own, or the account's.

    A success on a known device leaves the account's count alone, so a guesser elsewhere gains nothing from it.
    """
    email = email.strip().lower()
    if device is not None and _known(device, secret_key, email):
        key = _key(secret_key, "device", f"{device.nonce}:{email}")
    else:
        key = _key(secret_key, "account", email)
    db_session.execute(delete(LoginFailure).where(LoginFailure.key_hash == key))


def _wait_text(until: datetime, now: datetime) -> str:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{(seconds + 59) // 60} minutes"


def _audit(db_session: Session, actor: str, action: str, now: datetime, **detail: object) -> None:
    audit(db_session=db_session, actor=actor, action=action, detail=detail, now=now)


def next_step(officer: Officer, limits: LoginLimits, done: frozenset[str] = frozenset()) -> str | None:
    """The sign-in step still due for ``officer`` after ``done``, or None."""
    if officer.totp_enabled and CODE not in done:
        return CODE
    if officer.must_change_password:
        return PASSWORD
    if limits.require_totp and not officer.totp_enabled:
        return ENROL
    return None


def _start_session(db_session: Session, officer: Officer, step: str | None, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    db_session.add(
        OfficerSession(
            token_hash=_hash(token),
            officer_id=officer.id,
            csrf_token=secrets.token_urlsafe(32),
            authenticated=step is None,
            step=step,
            created_at=now,
            last_seen_at=now,
        )
    )
    db_session.flush()
    return token


def _advance(
    db_session: Session,
    pending: OfficerSession | None,
    officer: Officer,
    limits: LoginLimits,
    done: frozenset[str],
    ip: str,
    now: datetime,
) -> SignIn:
    """End ``pending`` and start a session for the next step (or the full one)."""
    if pending is not None:
        db_session.delete(pending)
    step = next_step(officer, limits, done)
    token = _start_session(db_session, officer, step, now)
    if step is None:
        _audit(db_session, officer.email, "sign_in.succeeded", now, address=ip)
        log.info("officer %s signed in", officer.id)
    return SignIn(token=token, step=step, officer=officer)


def _throttled(
    db_session: Session,
    actor: str,
    email: str,
    ip: str,
    device: Device | None,
    secret_key: str,
    limits: LoginLimits,
    now: datetime,
) -> SignIn | None:
    until = retry_at(
        db_session=db_session, email=email, ip=ip, secret_key=secret_key, limits=limits, device=device, now=now
    )
    if until is None:
        return None
    _audit(
        db_session,
        actor,
        "sign_in.delayed",
        now,
        address=ip,
        device="known" if _known(device, secret_key, email) else "new",
        wait_seconds=int((until - now).total_seconds() + 0.999),
    )
    log.warning("sign-in delayed")
    return SignIn(error=TOO_MANY.format(wait=_wait_text(until, now)), retry_at=until)


def sign_in(
    *,
    db_session: Session,
    email: str,
    password: str,
    ip: str,
    secret_key: str,
    limits: LoginLimits,
    device: Device | None = None,
    now: datetime | None = None,
) -> SignIn:
    """Check the password (first step); a session for the next step due, or the full session."""
    now = now or utcnow()
    email = email.strip().lower()[:254]
    known_account = find_officer(db_session=db_session, email=email) if email else None
    actor = known_account.email if known_account else UNKNOWN_ACCOUNT
    delayed = _throttled(db_session, actor, email, ip, device, secret_key, limits, now)
    if delayed is not None:
        return delayed
    officer, right = check_credentials(db_session=db_session, email=email, password=password[:1024])
    if officer is None or not right or not officer.active:
        record_failure(
            db_session=db_session, email=email, ip=ip, secret_key=secret_key, limits=limits, device=device, now=now
        )
        reason = "unknown account" if officer is None else "wrong password" if not right else "account disabled"
        _audit(
            db_session,
            actor,
            "sign_in.failed",
            now,
            address=ip,
            reason=reason,
            device="known" if _known(device, secret_key, email) else "new",
        )
        return SignIn(error=BAD_CREDENTIALS)
    _clear_failures(db_session, email, device, secret_key)
    result = _advance(db_session, None, officer, limits, frozenset(), ip, now)
    if result.step is not None:
        _audit(db_session, officer.email, "sign_in.password_accepted", now, address=ip, next_step=result.step)
    return result


def _pending_officer(db_session: Session, pending: OfficerSession, step: str) -> Officer | None:
    officer = db_session.get(Officer, pending.officer_id)
    if officer is None or not officer.active or pending.step != step:
        db_session.delete(pending)
        return None
    return officer


def confirm_code(
    *,
    db_session: Session,
    pending: OfficerSession,
    code: str,
    ip: str,
    secret_key: str,
    limits: LoginLimits,
    device: Device | None = None,
    now: datetime | None = None,
) -> SignIn:
    """Check the authenticator code of a pending session; on success the next step (or the full session)."""
    now = now or utcnow()
    officer = _pending_officer(db_session, pending, CODE)
    if officer is None or not officer.totp_secret:
        return SignIn(error=BAD_CREDENTIALS)
    delayed = _throttled(db_session, officer.email, officer.email, ip, device, secret_key, limits, now)
    if delayed is not None:
        db_session.delete(pending)
        return delayed
    step = totp.matching_step(_totp_secret(officer), code, now)
    if step is None or (officer.totp_last_step is not None and step <= officer.totp_last_step):
        record_failure(
            db_session=db_session,
            email=officer.email,
            ip=ip,
            secret_key=secret_key,
            limits=limits,
            device=device,
            now=now,
        )
        _audit(db_session, officer.email, "sign_in.code_failed", now, address=ip)
        return SignIn(error=BAD_CODE, step=CODE)
    officer.totp_last_step = step
    _clear_failures(db_session, officer.email, device, secret_key)
    return _advance(db_session, pending, officer, limits, frozenset({CODE}), ip, now)


def choose_password(
    *,
    db_session: Session,
    pending: OfficerSession,
    new_password: str,
    repeated: str,
    ip: str,
    limits: LoginLimits,
    now: datetime | None = None,
) -> SignIn:
    """The officer replaces an assigned or generated password with their own (``OfficerError`` text on bad input)."""
    now = now or utcnow()
    officer = _pending_officer(db_session, pending, PASSWORD)
    if officer is None:
        return SignIn(error=BAD_CREDENTIALS)
    if new_password != repeated:
        return SignIn(error="The two passwords are not the same.", step=PASSWORD)
    try:
        change_password(db_session=db_session, officer=officer, new_password=new_password)
    except OfficerError as exc:
        return SignIn(error=f"Not changed: {exc}.", step=PASSWORD)
    done = frozenset({CODE}) if officer.totp_enabled else frozenset()
    return _advance(db_session, pending, officer, limits, done, ip, now)


def enrolment(*, db_session: Session, pending: OfficerSession) -> tuple[str, str] | None:
    """``(secret, otpauth URI)`` being set up on this pending ``enrol`` session (made on first call)."""
    officer = db_session.get(Officer, pending.officer_id)
    if officer is None or pending.step != ENROL:
        return None
    if pending.pending_totp:
        secret = vault().open(pending.pending_totp, TOTP_PURPOSE)
    else:
        secret = totp.new_secret()
        pending.pending_totp = vault().seal(secret, TOTP_PURPOSE)
        db_session.flush()
    return secret, totp.provisioning_uri(secret, officer.email, TOTP_ISSUER)


def confirm_enrolment(
    *,
    db_session: Session,
    pending: OfficerSession,
    code: str,
    ip: str,
    secret_key: str,
    limits: LoginLimits,
    device: Device | None = None,
    now: datetime | None = None,
) -> SignIn:
    """The officer shows a code from the app just set up; the second factor is then theirs, and they are in."""
    now = now or utcnow()
    officer = _pending_officer(db_session, pending, ENROL)
    if officer is None or not pending.pending_totp:
        return SignIn(error=BAD_CREDENTIALS)
    secret = vault().open(pending.pending_totp, TOTP_PURPOSE)
    step = totp.matching_step(secret, code, now)
    if step is None:
        record_failure(
            db_session=db_session,
            email=officer.email,
            ip=ip,
            secret_key=secret_key,
            limits=limits,
            device=device,
            now=now,
        )
        _audit(db_session, officer.email, "sign_in.code_failed", now, address=ip, step=ENROL)
        return SignIn(error=BAD_CODE, step=ENROL)
    officer.totp_secret = pending.pending_totp
    officer.totp_last_step = step
    _audit(db_session, officer.email, "totp.enrolled", now, officer=officer.email, how="at sign-in")
    return _advance(db_session, pending, officer, limits, frozenset({CODE}), ip, now)


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


def enrol_totp(*, db_session: Session, email: str, actor: str = "system") -> tuple[Officer, str] | None:
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
    _audit(db_session, actor, "totp.enrolled", utcnow(), officer=officer.email, how="by an administrator")
    return officer, totp.provisioning_uri(secret, officer.email, TOTP_ISSUER)


def _totp_secret(officer: Officer) -> str:
    """The officer's authenticator secret in clear, for checking a code.

    Stored sealed (:mod:`core.secrets`); a secret enrolled before sealing existed is still read as it is and
    sealed now, on its first use.
    """
    stored = officer.totp_secret or ""
    if stored.startswith(SEALED_PREFIX):
        return vault().open(stored, TOTP_PURPOSE)
    officer.totp_secret = vault().seal(stored, TOTP_PURPOSE)
    return stored


def remove_totp(*, db_session: Session, email: str, actor: str = "system") -> Officer | None:
    """Turn the second factor off (a lost phone).

    The officer signs in with the password alone, or enrols again at the next sign-in when TOTP is required. Their
    open sessions end (the lost phone may have one).
    """
    officer = find_officer(db_session=db_session, email=email)
    if officer is None:
        return None
    officer.totp_secret = None
    officer.totp_last_step = None
    db_session.execute(delete(OfficerSession).where(OfficerSession.officer_id == officer.id))
    db_session.flush()
    _audit(db_session, actor, "totp.removed", utcnow(), officer=officer.email)
    return officer


def purge(*, db_session: Session, now: datetime, policy: LoginLimits, dry_run: bool = False) -> dict[str, int]:
    """Retention: failures older than the window and sessions past their lifetime; returns what went, by kind."""
    old_failures = LoginFailure.created_at < now - timedelta(minutes=policy.window_minutes)
    old_sessions = (OfficerSession.last_seen_at < now - timedelta(minutes=policy.idle_minutes)) | (
        OfficerSession.created_at < now - timedelta(hours=MAX_SESSION_HOURS)
    )
    if dry_run:
        failures = db_session.scalar(select(func.count()).select_from(LoginFailure).where(old_failures)) or 0
        sessions = db_session.scalar(select(func.count()).select_from(OfficerSession).where(old_sessions)) or 0
        return {"failed_sign_ins": int(failures), "sessions": int(sessions)}
    failures_result = cast(CursorResult[Any], db_session.execute(delete(LoginFailure).where(old_failures)))
    sessions_result = cast(CursorResult[Any], db_session.execute(delete(OfficerSession).where(old_sessions)))
    return {"failed_sign_ins": int(failures_result.rowcount or 0), "sessions": int(sessions_result.rowcount or 0)}
