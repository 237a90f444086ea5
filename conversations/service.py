"""Conversation service: create, find and end conversations, record the redacted transcript. Never commits.

A web session id is a bearer token a family may leave on a shared computer, so it stops working when the family
ends the conversation, after ``RIGHTSDESK_CHAT_IDLE_MINUTES`` without a message from them, and
``RIGHTSDESK_CHAT_MAX_HOURS`` after it began (:class:`SessionPolicy`, enforced by the server).

Retention (:func:`purge`, run by ``rightsdesk purge``): a conversation's messages go once no live ticket needs
them and it has been idle past ``retention.conversation_days`` — or at once when the ticket it came from was
destroyed — with the contact an idle one keeps (an SMS number, encrypted, with its keyed hash).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from conversations.models import Conversation, ConversationMessage
from conversations.redact import redact
from core.db import utcnow
from knowledge.district import RetentionPeriods
from ticketing.tickets.service import live_requester_refs

SESSION_ID_BYTES = 32


def _hash(token: str) -> str:
    # "surrogatepass": a token that is not valid UTF-8 (JSON allows lone surrogates) hashes to nothing stored.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_conversation(*, db_session: Session, channel: str, language: str = "en") -> tuple[Conversation, str]:
    """A new conversation and the unguessable session id its client will hold (returned once, never stored)."""
    token = secrets.token_urlsafe(SESSION_ID_BYTES)
    conversation = Conversation(
        token_hash=_hash(token),
        rasa_sender="c" + secrets.token_hex(16),
        channel=channel,
        language=language,
    )
    db_session.add(conversation)
    db_session.flush()
    return conversation, token


@dataclass(frozen=True)
class SessionPolicy:
    """How long a web session id works: ``idle`` since the family's last message, ``lifetime`` since it began."""

    idle: timedelta = timedelta(minutes=60)
    lifetime: timedelta = timedelta(hours=12)

    def expired(self, conversation: Conversation, now: datetime) -> bool:
        """Whether ``conversation``'s session id no longer works (ended, idle too long, or too old)."""
        return (
            conversation.ended_at is not None
            or now - conversation.last_active_at > self.idle
            or now - conversation.created_at > self.lifetime
        )


def find_conversation(
    *, db_session: Session, token: str, policy: SessionPolicy | None = None, now: datetime | None = None
) -> Conversation | None:
    """The conversation a session id belongs to; None when unknown, or (given a ``policy``) ended or expired."""
    if not token or len(token) > 200:
        return None
    conversation = db_session.scalar(select(Conversation).where(Conversation.token_hash == _hash(token)))
    if conversation is None or (policy is not None and policy.expired(conversation, now or utcnow())):
        return None
    return conversation


def conversation_for_sender(*, db_session: Session, sender_id: str) -> Conversation | None:
    """The conversation Rasa knows as ``sender_id`` (a ticket's ``requester_ref``); None once it was purged."""
    return db_session.scalar(select(Conversation).where(Conversation.rasa_sender == sender_id))


def end_conversation(*, db_session: Session, conversation: Conversation, now: datetime | None = None) -> None:
    """The family ended the conversation: its session id stops working (shared devices)."""
    conversation.ended_at = now or utcnow()
    db_session.flush()


def record_inbound(
    *, db_session: Session, conversation: Conversation, text: str, display: str | None = None
) -> ConversationMessage:
    """Store a family's message (redacted) as pending, before anything else happens to it.

    ``display`` is the button title shown for a button payload.
    """
    message = ConversationMessage(
        conversation_id=conversation.id,
        direction="in",
        text=redact(text),
        status="pending",
        data={"display": redact(display)} if display else {},
    )
    conversation.last_active_at = utcnow()
    db_session.add(message)
    db_session.flush()
    return message


def record_outbound(
    *, db_session: Session, conversation: Conversation, text: str, data: dict[str, Any] | None = None
) -> ConversationMessage:
    """Store one assistant or officer message."""
    message = ConversationMessage(
        conversation_id=conversation.id, direction="out", text=text, data=data or {}, status="sent"
    )
    db_session.add(message)
    db_session.flush()
    return message


def transcript(*, db_session: Session, conversation: Conversation, after_id: int = 0) -> Sequence[ConversationMessage]:
    """A conversation's messages after ``after_id``, oldest first."""
    return db_session.scalars(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation.id, ConversationMessage.id > after_id)
        .order_by(ConversationMessage.id)
    ).all()


def pending_messages(*, db_session: Session, limit: int = 50) -> Sequence[ConversationMessage]:
    """Inbound messages Rasa has not answered yet, oldest first."""
    return db_session.scalars(
        select(ConversationMessage)
        .where(ConversationMessage.status == "pending")
        .order_by(ConversationMessage.id)
        .limit(limit)
    ).all()


@dataclass
class ConversationsPurged:
    """What retention destroyed (or would): messages of ``conversations``, the contacts kept on idle ones.

    ``senders`` names (by pseudonym) the conversations whose messages went, so Rasa's tracker store can forget
    them too (:mod:`channels.tracker_store`).
    """

    conversations: int = 0
    messages: int = 0
    contacts: int = 0
    senders: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """What went, by kind (for the audit log)."""
        return {"conversations": self.conversations, "messages": self.messages, "contacts": self.contacts}


def live_senders(*, db_session: Session, idle_before: datetime) -> set[str]:
    """Conversations (by pseudonym) still in use: active since ``idle_before``, or with a ticket not purged."""
    active = db_session.scalars(select(Conversation.rasa_sender).where(Conversation.last_active_at > idle_before))
    ticketed = db_session.scalars(live_requester_refs())
    return set(active) | set(ticketed)


def purge(
    *,
    db_session: Session,
    now: datetime,
    policy: RetentionPeriods,
    dry_run: bool = False,
    ended: Collection[str] = (),
) -> ConversationsPurged:
    """Destroy (or, with ``dry_run``, only count) the messages of conversations past retention (see the module).

    ``ended`` names the conversations whose tickets retention has just destroyed: their messages go whatever
    their age. Idle conversations that no live ticket needs lose their messages, their contact and their last
    SMS options.
    """
    idle_before = now - timedelta(days=policy.conversation_days)
    idle_where = (Conversation.last_active_at <= idle_before, Conversation.rasa_sender.not_in(live_requester_refs()))
    closed = select(Conversation.id, Conversation.rasa_sender).where(Conversation.rasa_sender.in_(list(ended)))
    idle = (
        select(Conversation.id, Conversation.rasa_sender)
        .join(ConversationMessage, ConversationMessage.conversation_id == Conversation.id)
        .where(*idle_where)
        .distinct()
    )
    doomed = {cid: sender for query in (closed, idle) for cid, sender in db_session.execute(query).tuples()}
    result = ConversationsPurged(conversations=len(doomed), senders=set(doomed.values()))
    if doomed:
        result.messages = int(
            db_session.scalar(
                select(func.count())
                .select_from(ConversationMessage)
                .where(ConversationMessage.conversation_id.in_(list(doomed)))
            )
            or 0
        )
    with_contact = list(
        db_session.scalars(
            select(Conversation.id).where(
                *idle_where, (Conversation.contact_encrypted.is_not(None)) | (Conversation.contact_hash.is_not(None))
            )
        )
    )
    result.contacts = len(with_contact)
    if dry_run:
        return result
    if with_contact:
        db_session.execute(
            update(Conversation)
            .where(Conversation.id.in_(with_contact))
            .values(contact_encrypted=None, contact_hash=None, sms_options=None)
            .execution_options(synchronize_session=False)
        )
    if doomed:
        db_session.execute(delete(ConversationMessage).where(ConversationMessage.conversation_id.in_(list(doomed))))
    return result
