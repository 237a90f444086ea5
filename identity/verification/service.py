"""Identity verification (DESIGN.md, "Security and privacy rules"). Takes ``db_session``; never commits.

The steps, for one conversation (known only by Rasa's pseudonymous sender id):

1. The assistant asks for the student's date of birth and calls :func:`expect_answer`. The family's answer never
   reaches Rasa: the gateway's hook :func:`hold_answer` recognises a date, seals it here and gives Rasa
   ``[date]`` instead (a typed code likewise becomes ``[code]``).
2. :func:`submit_birth_date` takes the held date with the names and relationship the family gave. The date alone
   decides eligibility (at 18 the rights are the student's), so that answer never depends on the roster. Otherwise
   the details are matched against the roster and, only when they match a parent, guardian or eligible student
   who may receive one, a 6-digit code goes to the contact ON FILE through the outbox. The outcome is
   ``code_sent`` either way: the family hears the same words whether or not anything matched.
3. :func:`check_code` compares the typed code in constant time. Codes are single use, kept as keyed salted
   hashes, expire 10 minutes after they were asked for; 5 wrong tries lock the conversation, and 5 wrong tries
   at the codes of one person, across conversations, lock that person, for 30 minutes; at most 3 codes an hour
   go to a person, and a conversation may ask for at most 3 an hour. The code goes to the outbox as a sensitive
   message: encrypted at rest, its text removed once it has left, never sent again. An unmatched conversation
   goes through exactly the same states (its "code" expires, its wrong tries count and lock it), so no sequence
   of answers tells a match from a miss, and the work after a date of birth is padded to a whole number of
   ``policy.even_work`` steps, so a match and a miss take the same time too.
4. :func:`verified_identity` is what a request is opened with, for an hour after the code was right.

Every function takes ``now`` (the clock) and ``policy``, so tests drive time and limits directly.
"""

from __future__ import annotations

import enum
import hmac
import math
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.secrets import UnreadableValue, vault
from identity.names import name_matches
from identity.roster.eligibility import is_eligible_student
from identity.roster.models import RosterLink, RosterPerson
from identity.roster.service import agents_of, contact_for_code, students_born_on
from identity.verification.dates import date_readings
from identity.verification.messages import code_message
from identity.verification.models import VerificationCode, VerificationSession
from identity.verification.policy import CODE_DIGITS, DEFAULT_POLICY, VerificationPolicy
from outbox.service import enqueue

BIRTH_DATE = "birth_date"
# A date of birth that reads two ways, held (sealed, as "first|second") until the family says which.
BIRTH_DATE_CHOICE = "birth_date_pick"
CODE = "code"
DATE_MARKER = "[date]"
CODE_MARKER = "[code]"
RELATIONSHIPS = ("parent", "guardian", "student")
_CODE_IN_TEXT = re.compile(r"(?<![\d-])(\d{3})[\s-]?(\d{3})(?![\d-])")


class BirthDateOutcome(str, enum.Enum):
    """What happened to the details a family gave (``code_sent`` whether or not they matched)."""

    no_date = "no_date"
    code_sent = "code_sent"
    eligible_student = "eligible_student"
    student_under_18 = "student_under_18"
    too_many_codes = "too_many_codes"
    locked = "locked"
    # A numeric date that reads two ways ("12/11/2016"): the family is asked which, nothing is checked yet.
    ambiguous_date = "ambiguous_date"


class CodeOutcome(str, enum.Enum):
    """What a typed code did."""

    verified = "verified"
    wrong = "wrong"
    expired = "expired"
    locked = "locked"
    no_code_typed = "no_code_typed"
    not_requested = "not_requested"


@dataclass(frozen=True)
class Claim:
    """Who the family says they are and whom the request is about."""

    relationship: str
    requester_name: str
    student_name: str


@dataclass(frozen=True)
class BirthDateResult:
    """The outcome of :func:`submit_birth_date` or :func:`resend_code`; ``retry_at`` for limits and lockouts."""

    outcome: BirthDateOutcome
    retry_at: datetime | None = None
    # For ``ambiguous_date``: the two readings, the one to ask about first ("Do you mean December 11, 2016?").
    readings: tuple[date, date] | None = None


@dataclass(frozen=True)
class CodeResult:
    """The outcome of :func:`check_code`."""

    outcome: CodeOutcome
    tries_left: int = 0
    retry_at: datetime | None = None


@dataclass(frozen=True)
class VerifiedIdentity:
    """A verified requester and student, with their names as the roster has them."""

    requester_id: int
    student_id: int
    relationship: str
    requester_name: str
    student_name: str
    student_school: str | None
    channel: str | None = None  # how the code reached the contact on file: "sms" or "email"


def _session(db_session: Session, sender_id: str, create: bool = True) -> VerificationSession | None:
    found = db_session.scalar(select(VerificationSession).where(VerificationSession.sender_id == sender_id))
    if found is None and create:
        now = utcnow()
        found = VerificationSession(
            sender_id=sender_id, code_requests=[], wrong_tries=0, created_at=now, updated_at=now
        )
        db_session.add(found)
        db_session.flush()
    return found


def _clear_held(session: VerificationSession) -> None:
    session.held_kind = None
    session.held_sealed = None
    session.held_at = None


def expect_answer(
    *,
    db_session: Session,
    sender_id: str,
    kind: str | None,
    now: datetime | None = None,
) -> None:
    """The assistant has just asked for ``kind`` (``birth_date`` or ``code``; None: nothing sensitive)."""
    now = now or utcnow()
    session = _session(db_session, sender_id, create=kind is not None)
    if session is None:
        return
    session.awaiting = kind
    session.awaiting_since = now if kind else None
    session.updated_at = now
    db_session.flush()


def hold_answer(
    *,
    db_session: Session,
    sender_id: str,
    text: str,
    language: str,
    now: datetime | None = None,
    policy: VerificationPolicy = DEFAULT_POLICY,
) -> str:
    """The gateway's hook, before a family's message is stored or given to Rasa: the text to store and forward.

    When the assistant is waiting for a date of birth (or a code) and ``text`` contains one, the value is sealed
    and held here for the action server, and ``[date]`` (or ``[code]``) is returned instead of the message. Any
    other message is returned unchanged (and redacted by the caller as always).
    """
    if not text or text.startswith("/"):
        return text
    session = _session(db_session, sender_id, create=False)
    if session is None or session.awaiting is None or session.awaiting_since is None:
        return text
    now = now or utcnow()
    if now - session.awaiting_since > policy.awaiting_for:
        return text
    value: str | None = None
    marker = text
    if session.awaiting == BIRTH_DATE:
        readings = date_readings(text, language, now.date())
        if readings:
            value, marker = "|".join(d.isoformat() for d in readings), DATE_MARKER
    elif session.awaiting == CODE:
        found = _CODE_IN_TEXT.findall(text)
        if len(found) == 1:
            value, marker = "".join(found[0]), CODE_MARKER
    if value is None:
        return text
    session.held_kind = session.awaiting
    session.held_sealed = vault().seal(value, f"held {session.awaiting}")
    session.held_at = now
    session.updated_at = now
    db_session.flush()
    return marker


def _take_held(session: VerificationSession, kind: str, now: datetime, policy: VerificationPolicy) -> str | None:
    """The held answer of ``kind`` (read once), or None."""
    if session.held_kind != kind or not session.held_sealed or session.held_at is None:
        return None
    sealed, held_at = session.held_sealed, session.held_at
    _clear_held(session)
    session.awaiting = None
    session.awaiting_since = None
    if now - held_at > policy.held_for:
        return None
    try:
        return vault().open(sealed, f"held {kind}")
    except UnreadableValue:
        return None


def _match(db_session: Session, claim: Claim, born: date) -> tuple[RosterPerson, RosterPerson, bool] | None:
    """``(requester, student, restricted)`` when the details name exactly one pair in the roster."""
    found: dict[tuple[int, int], tuple[RosterPerson, RosterPerson, bool]] = {}
    for student in students_born_on(db_session=db_session, born=born):
        if not name_matches(claim.student_name, student.given_name, student.family_name, student.middle_name):
            continue
        if claim.relationship == "student":
            found[(student.id, student.id)] = (student, student, False)
            continue
        for agent, link in agents_of(db_session=db_session, student=student):
            if link.relationship.value != claim.relationship:
                continue
            if name_matches(claim.requester_name, agent.given_name, agent.family_name, agent.middle_name):
                found[(agent.id, student.id)] = (agent, student, link.restricted)
    return next(iter(found.values())) if len(found) == 1 else None


def _person_locked(db_session: Session, person_id: int, now: datetime) -> bool:
    return (
        db_session.scalar(
            select(func.count(VerificationCode.id)).where(
                VerificationCode.person_id == person_id, VerificationCode.locks_person_until > now
            )
        )
        or 0
    ) > 0


def _codes_this_hour(db_session: Session, person_id: int, now: datetime, policy: VerificationPolicy) -> int:
    return (
        db_session.scalar(
            select(func.count(VerificationCode.id)).where(
                VerificationCode.person_id == person_id, VerificationCode.created_at > now - policy.window
            )
        )
        or 0
    )


def _send_code(
    db_session: Session,
    session: VerificationSession,
    language: str,
    sender_label: str,
    now: datetime,
    policy: VerificationPolicy,
) -> None:
    """Record a code request; send a code only when the claim matched someone who may receive one now."""
    db_session.execute(
        update(VerificationCode)
        .where(
            VerificationCode.session_id == session.id,
            VerificationCode.used_at.is_(None),
            VerificationCode.void_at.is_(None),
        )
        .values(void_at=now)
    )
    times = [datetime.fromisoformat(t) for t in session.code_requests or []]
    session.code_requests = [t.isoformat() for t in policy.recent(times, now)] + [now.isoformat()]
    session.code_requested_at = now
    session.updated_at = now
    person_id = session.claimed_requester_id
    if person_id is None or session.claimed_restricted:
        return
    person = db_session.get(RosterPerson, person_id)
    if person is None or not person.active:
        return
    if _person_locked(db_session, person_id, now) or _codes_this_hour(db_session, person_id, now, policy) >= (
        policy.max_codes_per_hour
    ):
        return
    try:
        contact = contact_for_code(person)
    except UnreadableValue:
        contact = None
    if contact is None:
        return
    kind, address = contact
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    subject, body = code_message(kind, language, sender_label, code, int(policy.code_ttl.total_seconds() // 60))
    message = enqueue(db_session=db_session, kind=kind, to=address, body=body, subject=subject, sensitive=True)
    db_session.add(
        VerificationCode(
            session_id=session.id,
            person_id=person_id,
            salt=salt,
            code_hash=vault().code_hash(code, salt),
            delivery=kind,
            created_at=now,
            expires_at=now + policy.code_ttl,
            wrong_tries=0,
            outbox_message_id=message.id,
        )
    )
    db_session.flush()


def _limits(session: VerificationSession, now: datetime, policy: VerificationPolicy) -> BirthDateResult | None:
    if policy.locked(session.locked_until, now):
        return BirthDateResult(BirthDateOutcome.locked, session.locked_until)
    times = [datetime.fromisoformat(t) for t in session.code_requests or []]
    if not policy.may_request(times, now):
        return BirthDateResult(BirthDateOutcome.too_many_codes, policy.next_request_at(times, now))
    return None


def _even_out(started: float, policy: VerificationPolicy) -> None:
    """Sleep until the next multiple of ``policy.even_work`` since ``started`` (matched or not, the same time)."""
    step = policy.even_work.total_seconds()
    if step <= 0:
        return
    elapsed = time.perf_counter() - started
    time.sleep(math.ceil(elapsed / step) * step - elapsed)


def submit_birth_date(
    *,
    db_session: Session,
    sender_id: str,
    claim: Claim,
    language: str,
    today: date,
    sender_label: str,
    now: datetime | None = None,
    policy: VerificationPolicy = DEFAULT_POLICY,
) -> BirthDateResult:
    """Take the held date of birth and the claim: eligibility, limits, roster match, and a code (see module)."""
    if claim.relationship not in RELATIONSHIPS:
        raise ValueError(f"unknown relationship {claim.relationship!r}")
    started = time.perf_counter()
    now = now or utcnow()
    session = _session(db_session, sender_id)
    assert session is not None
    held = _take_held(session, BIRTH_DATE, now, policy)
    session.updated_at = now
    if held is None:
        db_session.flush()
        return BirthDateResult(BirthDateOutcome.no_date)
    if "|" in held:
        # Kept for the family's answer to "Do you mean ...?"; the assistant keeps waiting for a date.
        first, second = (date.fromisoformat(d) for d in held.split("|", 1))
        session.held_kind, session.held_sealed, session.held_at = (
            BIRTH_DATE_CHOICE,
            vault().seal(held, f"held {BIRTH_DATE_CHOICE}"),
            now,
        )
        session.awaiting, session.awaiting_since = BIRTH_DATE, now
        db_session.flush()
        return BirthDateResult(BirthDateOutcome.ambiguous_date, readings=(first, second))
    return _check_birth_date(
        db_session, session, claim, date.fromisoformat(held), language, today, sender_label, now, policy, started
    )


def choice_pending(*, db_session: Session, sender_id: str) -> bool:
    """Whether a date of birth that reads two ways waits for the family to say which."""
    session = _session(db_session, sender_id, create=False)
    return session is not None and session.held_kind == BIRTH_DATE_CHOICE


def choose_birth_date(
    *,
    db_session: Session,
    sender_id: str,
    claim: Claim,
    first: bool,
    language: str,
    today: date,
    sender_label: str,
    now: datetime | None = None,
    policy: VerificationPolicy = DEFAULT_POLICY,
) -> BirthDateResult:
    """The family's answer to "Do you mean <first reading>?": go on with that reading (yes) or the other (no)."""
    started = time.perf_counter()
    now = now or utcnow()
    session = _session(db_session, sender_id, create=False)
    held = _take_held(session, BIRTH_DATE_CHOICE, now, policy) if session is not None else None
    if session is None or held is None or "|" not in held:
        return BirthDateResult(BirthDateOutcome.no_date)
    chosen = date.fromisoformat(held.split("|", 1)[0 if first else 1])
    return _check_birth_date(db_session, session, claim, chosen, language, today, sender_label, now, policy, started)


def _check_birth_date(
    db_session: Session,
    session: VerificationSession,
    claim: Claim,
    born: date,
    language: str,
    today: date,
    sender_label: str,
    now: datetime,
    policy: VerificationPolicy,
    started: float,
) -> BirthDateResult:
    """Eligibility, limits, the roster match and the code, for a date of birth read one way.

    The work after the date of birth is padded from ``started`` (matched or not, the same time: review F13).
    """
    session.updated_at = now
    eligible = is_eligible_student(born, today)
    if claim.relationship != "student" and eligible:
        return BirthDateResult(BirthDateOutcome.eligible_student)
    if claim.relationship == "student" and not eligible:
        return BirthDateResult(BirthDateOutcome.student_under_18)
    limited = _limits(session, now, policy)
    if limited:
        db_session.flush()
        return limited
    matched = _match(db_session, claim, born)
    session.claimed_requester_id = matched[0].id if matched else None
    session.claimed_student_id = matched[1].id if matched else None
    session.claimed_restricted = bool(matched and matched[2])
    session.verified_requester_id = session.verified_student_id = session.verified_at = None
    _send_code(db_session, session, language, sender_label, now, policy)
    db_session.flush()
    _even_out(started, policy)
    return BirthDateResult(BirthDateOutcome.code_sent)


def resend_code(
    *,
    db_session: Session,
    sender_id: str,
    language: str,
    sender_label: str,
    now: datetime | None = None,
    policy: VerificationPolicy = DEFAULT_POLICY,
) -> BirthDateResult:
    """A new code for the details already given (the old one stops working); ``no_date`` if none were given."""
    now = now or utcnow()
    session = _session(db_session, sender_id, create=False)
    if session is None:
        return BirthDateResult(BirthDateOutcome.no_date)
    limited = _limits(session, now, policy)
    if limited:
        return limited
    if session.code_requested_at is None:
        return BirthDateResult(BirthDateOutcome.no_date)
    started = time.perf_counter()
    _send_code(db_session, session, language, sender_label, now, policy)
    db_session.flush()
    _even_out(started, policy)
    return BirthDateResult(BirthDateOutcome.code_sent)


def _count_against_person(
    db_session: Session, code: VerificationCode, now: datetime, policy: VerificationPolicy
) -> None:
    """Wrong tries count per person too, across conversations (review F12).

    Once the codes sent to one person within the window have taken ``max_wrong_tries`` wrong tries between them,
    wherever they were typed, the person is locked for the lockout and every open code of theirs stops working.
    The conversations are not told: each hears "wrong" as an unmatched one would, until its own tries lock it.
    """
    db_session.flush()
    tries = db_session.scalar(
        select(func.coalesce(func.sum(VerificationCode.wrong_tries), 0)).where(
            VerificationCode.person_id == code.person_id, VerificationCode.created_at > now - policy.window
        )
    )
    if int(tries or 0) < policy.max_wrong_tries:
        return
    code.locks_person_until = now + policy.lockout
    db_session.execute(
        update(VerificationCode)
        .where(
            VerificationCode.person_id == code.person_id,
            VerificationCode.used_at.is_(None),
            VerificationCode.void_at.is_(None),
        )
        .values(void_at=now)
    )


def check_code(
    *,
    db_session: Session,
    sender_id: str,
    now: datetime | None = None,
    policy: VerificationPolicy = DEFAULT_POLICY,
) -> CodeResult:
    """Check the code the family typed (held by the gateway) against the one sent, in constant time."""
    now = now or utcnow()
    session = _session(db_session, sender_id)
    assert session is not None
    typed = _take_held(session, CODE, now, policy)
    session.updated_at = now
    if typed is None:
        db_session.flush()
        return CodeResult(CodeOutcome.no_code_typed, policy.max_wrong_tries - session.wrong_tries)
    if policy.locked(session.locked_until, now):
        db_session.flush()
        return CodeResult(CodeOutcome.locked, retry_at=session.locked_until)
    if session.code_requested_at is None:
        db_session.flush()
        return CodeResult(CodeOutcome.not_requested)
    if policy.expired(session.code_requested_at, now):
        db_session.flush()
        return CodeResult(CodeOutcome.expired)
    code = db_session.scalar(
        select(VerificationCode)
        .where(
            VerificationCode.session_id == session.id,
            VerificationCode.used_at.is_(None),
            VerificationCode.void_at.is_(None),
            VerificationCode.expires_at > now,
        )
        .order_by(VerificationCode.id.desc())
        .limit(1)
    )
    # The same work whether or not a code exists: hash the attempt, compare with a stored or a random hash.
    salt = code.salt if code else secrets.token_hex(16)
    expected = code.code_hash if code else secrets.token_hex(32)
    right = hmac.compare_digest(vault().code_hash(typed, salt), expected) and code is not None
    if right and code is not None:
        code.used_at = now
        session.verified_requester_id = session.claimed_requester_id
        session.verified_student_id = session.claimed_student_id
        session.verified_at = now
        session.wrong_tries = 0
        session.code_requested_at = None
        db_session.flush()
        return CodeResult(CodeOutcome.verified)
    session.wrong_tries += 1
    if code is not None:
        code.wrong_tries += 1
        _count_against_person(db_session, code, now, policy)
    if session.wrong_tries >= policy.max_wrong_tries:
        session.locked_until = now + policy.lockout
        session.wrong_tries = 0
        session.code_requested_at = None
        if code is not None:
            code.void_at = now
            code.locks_person_until = now + policy.lockout
        db_session.flush()
        return CodeResult(CodeOutcome.locked, retry_at=session.locked_until)
    db_session.flush()
    return CodeResult(CodeOutcome.wrong, policy.max_wrong_tries - session.wrong_tries)


def verified_identity(
    *,
    db_session: Session,
    sender_id: str,
    now: datetime | None = None,
    policy: VerificationPolicy = DEFAULT_POLICY,
) -> VerifiedIdentity | None:
    """Who this conversation verified as, and for which student (within ``policy.verified_for``), or None."""
    now = now or utcnow()
    session = _session(db_session, sender_id, create=False)
    if (
        session is None
        or session.verified_at is None
        or now - session.verified_at > policy.verified_for
        or session.verified_requester_id is None
        or session.verified_student_id is None
    ):
        return None
    requester = db_session.get(RosterPerson, session.verified_requester_id)
    student = db_session.get(RosterPerson, session.verified_student_id)
    if requester is None or student is None or not requester.active or not student.active:
        return None
    if requester.id == student.id:
        relationship = "student"
    else:
        link = db_session.scalar(
            select(RosterLink).where(RosterLink.agent_id == requester.id, RosterLink.student_id == student.id)
        )
        if link is None or link.restricted:
            return None
        relationship = link.relationship.value
    channel = db_session.scalar(
        select(VerificationCode.delivery)
        .where(VerificationCode.session_id == session.id, VerificationCode.used_at.is_not(None))
        .order_by(VerificationCode.used_at.desc())
        .limit(1)
    )
    return VerifiedIdentity(
        requester_id=requester.id,
        student_id=student.id,
        relationship=relationship,
        requester_name=f"{requester.given_name} {requester.family_name}",
        student_name=f"{student.given_name} {student.family_name}",
        student_school=student.school_sourced_id,
        channel=channel,
    )


def restricted_claim(*, db_session: Session, sender_id: str) -> tuple[int, int] | None:
    """``(parent id, student id)`` when the details given matched a parent a court order restricts.

    For the office's internal note on a request it verifies another way; never for the family.
    """
    session = _session(db_session, sender_id, create=False)
    if session is None or not session.claimed_restricted:
        return None
    if session.claimed_requester_id is None or session.claimed_student_id is None:
        return None
    return session.claimed_requester_id, session.claimed_student_id


def forget_answers(*, db_session: Session, sender_id: str, identity_too: bool = False) -> None:
    """Drop what the family gave in an unfinished form (held answers, the claim).

    With ``identity_too`` also a verification already done. Lockouts and counts of codes asked for stay.
    """
    session = _session(db_session, sender_id, create=False)
    if session is None:
        return
    _clear_held(session)
    session.awaiting = None
    session.awaiting_since = None
    session.claimed_requester_id = None
    session.claimed_student_id = None
    session.claimed_restricted = False
    session.code_requested_at = None
    if identity_too:
        session.verified_requester_id = None
        session.verified_student_id = None
        session.verified_at = None
    session.updated_at = utcnow()
    db_session.flush()


def purge_sessions(*, db_session: Session, older_than: datetime, dry_run: bool = False) -> int:
    """Delete verification state untouched since ``older_than`` (codes with it); returns how many sessions."""
    stale = select(VerificationSession.id).where(
        VerificationSession.updated_at < older_than,
        (VerificationSession.locked_until.is_(None)) | (VerificationSession.locked_until < older_than),
    )
    ids = list(db_session.scalars(stale))
    if ids and not dry_run:
        db_session.execute(delete(VerificationCode).where(VerificationCode.session_id.in_(ids)))
        db_session.execute(delete(VerificationSession).where(VerificationSession.id.in_(ids)))
    return len(ids)


def purge(
    *, db_session: Session, now: datetime, policy: VerificationPolicy = DEFAULT_POLICY, dry_run: bool = False
) -> dict[str, int]:
    """Retention: verification state untouched for ``policy.keep_state``; returns counts.

    The conversation-to-roster links, held answers and code hashes go with it.
    """
    older_than = now - policy.keep_state
    return {"sessions": purge_sessions(db_session=db_session, older_than=older_than, dry_run=dry_run)}
