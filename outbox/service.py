"""The outbox service: queue a message, claim due ones, record what happened. Takes ``db_session``; never commits.

Whoever wants an SMS or an email sent calls :func:`enqueue` inside their own transaction, so the message is sent
if and only if their change commits. The worker (:mod:`outbox.worker`) claims due messages with
:func:`claim_due` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a single atomic ``UPDATE`` on SQLite, whose writers
are serialized), sends them and records the outcome: sent, a retry later (exponential backoff with jitter), or a
permanent failure that the console lists (:func:`failed_messages`).

Messages to one recipient leave in the order they were queued: a message waits while an older one to the same
recipient is still queued or being sent. An SMS to a number that replied STOP is not sent (it is marked
``undeliverable``), except the one confirmation of that opt-out.

A ``sensitive`` message (a one-time verification code) is stored encrypted, read only by the worker that sends it
(:func:`body_of`), and its text is removed as soon as it has left or failed for good; it is never sent again.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from core.contacts import contact_hash, decrypt, encrypt, normalize_email, normalize_phone
from core.db import utcnow
from knowledge.district import RetentionPeriods
from outbox.models import FINAL_STATUSES, PROBLEM_STATUSES, OutboxKind, OutboxMessage, OutboxStatus, SmsOptOut

MAX_SMS_CHARS = 1600
MAX_EMAIL_CHARS = 100_000
MAX_SUBJECT_CHARS = 200
# A message claimed longer ago than this belonged to a worker that died mid-send; it is tried again.
STALE_CLAIM = timedelta(minutes=5)
OPTED_OUT_ERROR = "the recipient replied STOP; nothing is sent until they reply START"
SENSITIVE_REMOVED = "[one-time code: removed once the message left]"


class OutboxError(ValueError):
    """A message that cannot be queued (bad kind, recipient, subject or body)."""


def enqueue(
    *,
    db_session: Session,
    kind: str,
    to: str,
    body: str,
    subject: str | None = None,
    ticket_id: int | None = None,
    conversation_id: int | None = None,
    opt_out_notice: bool = False,
    sensitive: bool = False,
) -> OutboxMessage:
    """Queue an SMS (``to`` a phone number) or an email (``to`` an address, with a ``subject``) for sending.

    ``sensitive``: the text is a secret (a one-time code): kept encrypted and removed once the message has left.
    ``opt_out_notice``: the confirmation of a STOP, which goes out despite it.
    """
    try:
        message_kind = OutboxKind(kind)
    except ValueError as exc:
        raise OutboxError(f"unknown message kind {kind!r} (sms or email)") from exc
    body = (body or "").strip()
    if not body:
        raise OutboxError("the message is empty")
    if message_kind is OutboxKind.sms:
        recipient = normalize_phone(to)
        if len(body) > MAX_SMS_CHARS:
            raise OutboxError(f"an SMS is at most {MAX_SMS_CHARS:,} characters")
        subject = None
    else:
        recipient = normalize_email(to)
        subject = (subject or "").strip()
        if not subject or len(subject) > MAX_SUBJECT_CHARS or "\n" in subject or "\r" in subject:
            raise OutboxError(f"an email needs a one-line subject of at most {MAX_SUBJECT_CHARS} characters")
        if len(body) > MAX_EMAIL_CHARS:
            raise OutboxError(f"an email is at most {MAX_EMAIL_CHARS:,} characters")
    now = utcnow()
    message = OutboxMessage(
        kind=message_kind,
        recipient_encrypted=encrypt(recipient),
        recipient_hash=contact_hash(recipient),
        subject=subject,
        body=encrypt(body) if sensitive else body,
        sensitive=sensitive,
        status=OutboxStatus.queued,
        attempts=0,
        next_attempt_at=now,
        opt_out_notice=opt_out_notice,
        ticket_id=ticket_id,
        conversation_id=conversation_id,
        created_at=now,
        updated_at=now,
    )
    if message_kind is OutboxKind.sms and not opt_out_notice and is_opted_out(db_session=db_session, phone=recipient):
        message.status = OutboxStatus.undeliverable
        message.last_error = OPTED_OUT_ERROR
        _forget_sensitive(message)
    db_session.add(message)
    db_session.flush()
    return message


def is_opted_out(*, db_session: Session, phone: str) -> bool:
    """Whether ``phone`` replied STOP (and not START since)."""
    return db_session.get(SmsOptOut, contact_hash(normalize_phone(phone))) is not None


def body_of(message: OutboxMessage) -> str:
    """The text to send (decrypted for a sensitive message); raises ``ValueError`` if it is gone or unreadable."""
    if not message.sensitive:
        return message.body
    if message.body == SENSITIVE_REMOVED:
        raise ValueError("a one-time code that has already left is not sent again")
    return decrypt(message.body)


def _forget_sensitive(message: OutboxMessage) -> None:
    if message.sensitive:
        message.body = SENSITIVE_REMOVED


def recipient_of(message: OutboxMessage) -> str:
    """The clear-text recipient of ``message`` (only the worker needs it)."""
    return decrypt(message.recipient_encrypted)


def claim_due(*, db_session: Session, limit: int = 10, now: datetime | None = None) -> list[int]:
    """Mark up to ``limit`` due messages ``sending`` for this worker and return their ids, oldest first.

    Messages claimed by a worker that died (``sending`` for longer than :data:`STALE_CLAIM`) are due again.
    """
    now = now or utcnow()
    db_session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.sending, OutboxMessage.claimed_at < now - STALE_CLAIM)
        .values(status=OutboxStatus.queued, next_attempt_at=now)
    )
    earlier = aliased(OutboxMessage)
    waits_for_earlier = (
        exists()
        .where(
            earlier.recipient_hash == OutboxMessage.recipient_hash,
            earlier.kind == OutboxMessage.kind,
            earlier.id < OutboxMessage.id,
            earlier.status.in_([OutboxStatus.queued, OutboxStatus.sending]),
        )
        .correlate(OutboxMessage)
    )
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.queued,
            OutboxMessage.next_attempt_at <= now,
            ~waits_for_earlier,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
        .scalar_subquery()
    )
    claimed = db_session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due), OutboxMessage.status == OutboxStatus.queued)
        .values(status=OutboxStatus.sending, claimed_at=now, attempts=OutboxMessage.attempts + 1, updated_at=now)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed)


def backoff(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """The wait before try ``attempts + 1``: doubling from ``base_seconds``, capped, with equal jitter."""
    ceiling = min(max_seconds, base_seconds * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


def mark_sent(
    *, db_session: Session, message: OutboxMessage, provider_id: str | None = None, now: datetime | None = None
) -> None:
    """The provider accepted ``message`` (at ``now``, default: the clock)."""
    now = now or utcnow()
    message.provider_id = provider_id
    message.last_error = None
    message.sent_at = now
    message.updated_at = now
    if message.status not in FINAL_STATUSES:  # a status callback may already have said more
        message.status = OutboxStatus.sent
    _forget_sensitive(message)
    db_session.flush()


def mark_retry(
    *,
    db_session: Session,
    message: OutboxMessage,
    error: str,
    max_attempts: int,
    delay: timedelta,
    now: datetime | None = None,
) -> None:
    """A try failed for a reason that may pass: try again ``delay`` after ``now``, or give up after the last try."""
    now = now or utcnow()
    message.updated_at = now
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.failed
        message.last_error = f"gave up after {message.attempts} tries: {error}"[:2000]
        _forget_sensitive(message)
    else:
        message.status = OutboxStatus.queued
        message.last_error = error[:2000]
        message.next_attempt_at = now + delay
    db_session.flush()


def mark_failed(
    *,
    db_session: Session,
    message: OutboxMessage,
    error: str,
    undeliverable: bool = False,
    now: datetime | None = None,
) -> None:
    """A permanent failure: not tried again; listed in the console."""
    message.status = OutboxStatus.undeliverable if undeliverable else OutboxStatus.failed
    message.last_error = error[:2000]
    message.updated_at = now or utcnow()
    _forget_sensitive(message)
    db_session.flush()


# Twilio's MessageStatus values in its status callbacks, and what they mean here.
_CALLBACK_STATUS = {
    "sent": OutboxStatus.sent,
    "delivered": OutboxStatus.delivered,
    "read": OutboxStatus.delivered,
    "undelivered": OutboxStatus.undeliverable,
    "failed": OutboxStatus.failed,
    "canceled": OutboxStatus.failed,
}
_RANK = {
    OutboxStatus.queued: 0,
    OutboxStatus.sending: 1,
    OutboxStatus.sent: 2,
    OutboxStatus.delivered: 3,
    OutboxStatus.undeliverable: 3,
    OutboxStatus.failed: 3,
}
TWILIO_ERRORS = {
    "21610": "the recipient replied STOP to this number",
    "21614": "not a mobile number",
    "30003": "unreachable handset",
    "30004": "message blocked",
    "30005": "unknown number",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier",
    "30008": "unknown carrier error",
}


def record_delivery_status(
    *, db_session: Session, provider_id: str, status: str, error_code: str | None = None
) -> OutboxMessage | None:
    """Apply a Twilio status callback to the message it names (callbacks may arrive out of order).

    Returns the message, or None when no message has this provider id.
    """
    message = db_session.scalar(select(OutboxMessage).where(OutboxMessage.provider_id == provider_id))
    if message is None:
        return None
    new = _CALLBACK_STATUS.get(status.lower())
    if new is None or message.status in FINAL_STATUSES or _RANK[new] <= _RANK[message.status]:
        return message
    now = utcnow()
    message.status = new
    message.updated_at = now
    if new is OutboxStatus.delivered:
        message.delivered_at = now
    if new in PROBLEM_STATUSES:
        reason = TWILIO_ERRORS.get(error_code or "", "no reason given")
        message.last_error = f"Twilio reported {status}" + (f" (error {error_code}: {reason})" if error_code else "")
    db_session.flush()
    return message


def failed_messages(*, db_session: Session, limit: int = 100) -> Sequence[OutboxMessage]:
    """Messages that will not arrive (failed or undeliverable), newest first."""
    return db_session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(list(PROBLEM_STATUSES)))
        .order_by(OutboxMessage.updated_at.desc(), OutboxMessage.id.desc())
        .limit(max(1, min(limit, 1000)))
    ).all()


def requeue(*, db_session: Session, message_id: int) -> OutboxMessage:
    """Try a failed message again from its first try (an officer fixed the cause); raises if not failed."""
    message = db_session.get(OutboxMessage, message_id)
    if message is None or message.status not in PROBLEM_STATUSES:
        raise OutboxError("only a failed or undeliverable message can be sent again")
    if message.sensitive:
        raise OutboxError("a one-time code is not sent again: the family asks the assistant for a new one")
    if message.kind is OutboxKind.sms and not message.opt_out_notice:
        if is_opted_out(db_session=db_session, phone=recipient_of(message)):
            raise OutboxError("the recipient replied STOP; they must reply START first")
    now = utcnow()
    message.status = OutboxStatus.queued
    message.attempts = 0
    message.next_attempt_at = now
    message.updated_at = now
    message.provider_id = None
    db_session.flush()
    return message


def purge_finished(*, db_session: Session, older_than: datetime) -> int:
    """Delete messages that were sent, delivered or failed before ``older_than``; returns how many."""
    result = db_session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.not_in([OutboxStatus.queued, OutboxStatus.sending]),
            OutboxMessage.updated_at < older_than,
        )
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def purge(*, db_session: Session, now: datetime, policy: RetentionPeriods, dry_run: bool = False) -> dict[str, int]:
    """Retention: finished messages (sent, delivered, failed) untouched for ``policy.conversation_days``; counts.

    Queued messages and those being sent stay whatever their age: they have not left yet.
    """
    older_than = now - timedelta(days=policy.conversation_days)
    if dry_run:
        finished = OutboxMessage.status.not_in([OutboxStatus.queued, OutboxStatus.sending])
        count = db_session.scalar(
            select(func.count()).select_from(OutboxMessage).where(finished, OutboxMessage.updated_at < older_than)
        )
        return {"messages": int(count or 0)}
    return {"messages": purge_finished(db_session=db_session, older_than=older_than)}


def masked_recipient(message: OutboxMessage) -> str:
    """The recipient as the console shows it: the last digits of a number, the domain of an address."""
    try:
        recipient = recipient_of(message)
    except ValueError:
        return "(unreadable)"
    if message.kind is OutboxKind.sms:
        return "•••" + recipient[-4:]
    local, _, domain = recipient.partition("@")
    return f"{local[:1]}•••@{domain}"
