"""One turn of a conversation, whatever the channel: store, detect language, ask Rasa, store the replies.

Order of work for each family message:

1. the message is stored (redacted) as ``pending`` and committed — from here on it cannot be lost;
2. the conversation's language is decided (:mod:`channels.language`) and sent with the message as metadata;
   Rasa turns it into its ``language`` slot, so every response variation comes out in that language;
3. older pending messages of the same conversation go to Rasa first, so replies keep their order;
4. Rasa's replies are stored and the message becomes ``answered``; on SMS they also go to the outbox as one
   SMS-shaped message (:mod:`channels.sms.outbound`).

While an officer has the conversation (:mod:`channels.handoff`) the family's message goes to the ticket's
timeline instead of Rasa. When the assistant fails to understand two turns in a row (its replies are the
fallback responses ``utter_default`` / ``utter_kb_none``), a ticket for a person is opened and the family is told.

SMS arrives through a webhook that must answer at once: it stores the message with :func:`record_family_message`
and :meth:`ChatService.answer_pending` answers it in the background, oldest first.

When Rasa is down the family is told their message is saved; :meth:`ChatService.retry_pending` (run by the
gateway every few seconds) answers it once Rasa is back, and the web page shows the late reply.

The service is called from the gateway's event loop, but its database work and language detection run in worker
threads (:func:`starlette.concurrency.run_in_threadpool`): one slow message or a busy database never holds up
another family, the console or the Twilio webhook. Only the call to Rasa is awaited on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from channels.fallback import FallbackDetector
from channels.handoff import person_brought_in
from channels.language import detect_language
from channels.rasa_client import BotMessage, RasaClient, RasaUnavailable
from channels.sms.outbound import queue_sms_replies
from conversations.models import Conversation, ConversationMessage
from conversations.redact import redact
from conversations.service import pending_messages, record_inbound, record_outbound
from core.db import unit_of_work, utcnow
from core.i18n import LANGUAGES, as_language
from core.messages import message
from flows.family import PersonAsked, bring_in_a_person
from identity.verification.service import hold_answer
from knowledge.district import District
from ticketing.tickets.enums import Channel
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import add_timeline_event

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
# Two turns in a row that the assistant did not understand bring in a person.
FALLBACKS_BEFORE_HANDOFF = 2
# A message claimed this long ago and still not answered belonged to a worker that died; it is retried.
STALE_SENDING = timedelta(minutes=2)


@dataclass(frozen=True)
class _Claim:
    """A message taken for delivery to Rasa, with what the call needs."""

    message_id: int
    conversation_id: int
    sender: str
    text: str
    language: str
    channel: str
    attempt: int = 1


@dataclass
class ChatReply:
    """What one turn produced."""

    language: str
    messages: list[BotMessage] = field(default_factory=list)
    delivered: bool = True
    # The transcript ids of the messages stored for this turn (a notice repeated for a retry is not stored).
    message_ids: list[int] = field(default_factory=list)


def printable(text: str) -> str:
    """``text`` without NUL characters (PostgreSQL cannot store them; nobody types them)."""
    return text.replace("\x00", "")


def _is_payload(text: str) -> bool:
    """Button payloads ("/affirm", "/ask_rights{...}") carry no language evidence."""
    return text.startswith("/")


def hold_verification_answer(*, db_session: Session, conversation: Conversation, text: str) -> str:
    """The text to store and give Rasa for a family's message.

    A date of birth or one-time code the assistant has just asked for is held by identity verification (sealed,
    for the action server) and replaced by ``[date]`` / ``[code]``, so it is never in the transcript nor in Rasa's
    tracker (:func:`identity.verification.service.hold_answer`).
    """
    return hold_answer(
        db_session=db_session, sender_id=conversation.rasa_sender, text=text, language=conversation.language
    )


def record_family_message(
    *,
    db_session: Session,
    conversation: Conversation,
    text: str,
    chosen_language: str | None = None,
    display: str | None = None,
) -> ConversationMessage:
    """Store a family's message and decide the conversation's language; never commits.

    The message is ``pending`` (for Rasa), or ``office`` while an officer has the conversation, in which case it
    joins the ticket's timeline instead. ``chosen_language`` is a language the family picked explicitly (the
    page's toggle); it wins over detection. ``display`` is what the family saw for a button payload.
    """
    text = hold_verification_answer(
        db_session=db_session, conversation=conversation, text=printable(text).strip()[:MAX_MESSAGE_CHARS]
    )
    message = record_inbound(
        db_session=db_session,
        conversation=conversation,
        text=text,
        display=display if _is_payload(text) else None,
    )
    if chosen_language in LANGUAGES:
        conversation.language = chosen_language
    elif not _is_payload(text):
        # Until Rasa has answered once, every message is treated as a first message.
        current = conversation.language if conversation.rasa_language else None
        decision = detect_language(text, as_language(current) if current else None)
        conversation.language = decision.language
    # The language this message is answered in, even if a later message changes the conversation's.
    message.data = {**(message.data or {}), "lang": conversation.language}
    if conversation.handoff_officer:
        message.status = "office"
        ticket = db_session.get(Ticket, conversation.handoff_ticket_id) if conversation.handoff_ticket_id else None
        if ticket is not None:
            add_timeline_event(
                db_session=db_session,
                ticket=ticket,
                kind="family_message",
                actor="family",
                body=(message.data or {}).get("display") or message.text,
            )
    db_session.flush()
    return message


@dataclass(frozen=True)
class _Recorded:
    """What storing a family's message decided: the reply language, and the message claimed for Rasa (if any)."""

    language: str
    to_office: bool
    claimed: _Claim | None


class ChatService:
    """Runs conversation turns against Rasa."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        rasa: RasaClient,
        district: Callable[[], District] | None = None,
        fallback: FallbackDetector | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.rasa = rasa
        # The district configuration (for the ticket a person answers); without it no ticket is opened.
        self.district = district
        self.fallback = fallback or FallbackDetector.from_bot_domain()
        # One lock per conversation with a turn in progress (removed when nobody holds or waits for it, so the
        # table does not grow with every conversation ever seen).
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def _conversation_lock(self, conversation_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(conversation_id, (asyncio.Lock(), 0))
        self._locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[conversation_id]
            if users <= 1:
                del self._locks[conversation_id]
            else:
                self._locks[conversation_id] = (lock, users - 1)

    def _record(self, conversation_id: int, text: str, chosen_language: str | None, display: str | None) -> _Recorded:
        """Store the family's message (a worker thread: detection and database work stay off the event loop)."""
        with unit_of_work(self.session_factory) as db_session:
            conversation = db_session.get_one(Conversation, conversation_id)
            message = record_family_message(
                db_session=db_session,
                conversation=conversation,
                text=text,
                chosen_language=chosen_language,
                display=display,
            )
            to_office = message.status == "office"
            # The common case, nothing older waiting: claim this message in the same transaction.
            claimed = (
                None
                if to_office or self._oldest_pending(db_session, conversation_id) != message.id
                else self._claim(db_session, conversation, message)
            )
            return _Recorded(conversation.language, to_office, claimed)

    async def handle(
        self, conversation_id: int, text: str, chosen_language: str | None = None, display: str | None = None
    ) -> ChatReply:
        """Store ``text`` from the family, answer it (and anything still pending before it), return the replies.

        ``chosen_language`` is a language the family picked explicitly (the page's toggle); it wins over detection.
        ``display`` is what the family saw for a button payload (its title), kept for the transcript.
        """
        async with self._conversation_lock(conversation_id):
            recorded = await run_in_threadpool(self._record, conversation_id, text, chosen_language, display)
            reply = ChatReply(language=recorded.language)
            if recorded.to_office:
                # An officer has the conversation: the assistant stays silent; the officer answers.
                return reply
            if recorded.claimed is not None:
                # Newer messages of this conversation wait on the lock and answer themselves.
                await self._deliver(recorded.claimed, reply)
            else:
                await self._answer_pending(conversation_id, reply)
            return reply

    def _language_of(self, conversation_id: int) -> str:
        with unit_of_work(self.session_factory) as db_session:
            return db_session.get_one(Conversation, conversation_id).language

    async def answer_pending(self, conversation_id: int) -> ChatReply:
        """Answer whatever the conversation has waiting, oldest first (SMS answers in the background)."""
        async with self._conversation_lock(conversation_id):
            reply = ChatReply(language=await run_in_threadpool(self._language_of, conversation_id))
            await self._answer_pending(conversation_id, reply)
            return reply

    def _claim_oldest(self, conversation_id: int) -> _Claim | None:
        """Claim the conversation's oldest pending message (a worker thread); None when there is nothing to do."""
        with unit_of_work(self.session_factory) as db_session:
            oldest = self._oldest_pending(db_session, conversation_id)
            if oldest is None:
                return None
            message = db_session.get_one(ConversationMessage, oldest)
            if message.status != "pending":
                return None
            conversation = db_session.get_one(Conversation, conversation_id)
            return self._claim(db_session, conversation, message)

    async def _answer_pending(self, conversation_id: int, reply: ChatReply) -> None:
        """Answer this conversation's pending messages, oldest first (the caller holds its lock).

        A message another gateway process is answering right now comes first: this stops, and the retry loop
        answers the rest once it is done, so replies keep the order of the messages.
        """
        while True:
            claimed = await run_in_threadpool(self._claim_oldest, conversation_id)
            if claimed is None:
                return
            if not await self._deliver(claimed, reply):
                return

    @staticmethod
    def _oldest_pending(db_session: Session, conversation_id: int, status: str | None = None) -> int | None:
        """The id of the conversation's oldest inbound message not yet answered."""
        statuses = [status] if status else ["pending", "sending"]
        return db_session.scalar(
            select(ConversationMessage.id)
            .where(
                ConversationMessage.conversation_id == conversation_id,
                ConversationMessage.direction == "in",
                ConversationMessage.status.in_(statuses),
            )
            .order_by(ConversationMessage.id)
            .limit(1)
        )

    @staticmethod
    def _claim(db_session: Session, conversation: Conversation, message: ConversationMessage) -> _Claim | None:
        """Mark ``message`` as being sent (only if still pending: another worker may have taken it)."""
        attempt = (message.attempts or 0) + 1  # read first: the update below refreshes the loaded object
        result = db_session.execute(
            update(ConversationMessage)
            .where(ConversationMessage.id == message.id, ConversationMessage.status == "pending")
            .values(status="sending", attempts=ConversationMessage.attempts + 1)
        )
        if not cast(CursorResult[Any], result).rowcount:
            return None
        language = (message.data or {}).get("lang")
        return _Claim(
            message.id,
            conversation.id,
            conversation.rasa_sender,
            redact(message.text),
            language if language in LANGUAGES else conversation.language,
            conversation.channel,
            attempt,
        )

    def _saved_notice(self, language: str) -> str:
        """The "message saved" notice, with the privacy office's phone and email when the district is known."""
        notice = message("chat.saved_notice", language)
        if self.district is None:
            return notice
        officer = self.district().contacts.district_privacy_officer
        contact = ", ".join(part for part in (officer.phone_shown, officer.email) if part)
        return notice + message("chat.urgent_contact", language, contact=contact)

    def _keep_pending(self, claimed: _Claim, notice: BotMessage) -> int | None:
        """Rasa did not answer: the message waits for the retry loop; the family is told once (a worker thread).

        Returns the transcript id of the stored notice, or None when the family was told already.
        """
        with unit_of_work(self.session_factory) as db_session:
            db_session.execute(
                update(ConversationMessage).where(ConversationMessage.id == claimed.message_id).values(status="pending")
            )
            # The family is told once per message, not at every retry (on SMS each notice is a text).
            if claimed.attempt != 1:
                return None
            conversation = db_session.get_one(Conversation, claimed.conversation_id)
            stored = record_outbound(db_session=db_session, conversation=conversation, text=notice.text)
            if conversation.channel == "sms":
                queue_sms_replies(db_session=db_session, conversation=conversation, messages=[notice])
            return stored.id

    def _store_answers(self, claimed: _Claim, bot_messages: list[BotMessage]) -> tuple[list[BotMessage], list[int]]:
        """Store Rasa's replies and mark the message answered (a worker thread); returns the replies and their ids."""
        with unit_of_work(self.session_factory) as db_session:
            conversation = db_session.get_one(Conversation, claimed.conversation_id)
            conversation.rasa_language = claimed.language
            bot_messages = bot_messages + self._after_turn(db_session, conversation, bot_messages, claimed.language)
            ids = [
                record_outbound(
                    db_session=db_session,
                    conversation=conversation,
                    text=bot_message.text,
                    data={"buttons": bot_message.buttons, "article": bot_message.article},
                ).id
                for bot_message in bot_messages
            ]
            if conversation.channel == "sms":
                queue_sms_replies(db_session=db_session, conversation=conversation, messages=bot_messages)
            db_session.execute(
                update(ConversationMessage)
                .where(ConversationMessage.id == claimed.message_id)
                .values(status="answered")
            )
            return bot_messages, ids

    async def _deliver(self, claimed: _Claim, reply: ChatReply) -> bool:
        """Send one claimed message to Rasa and store the answers; False (and a notice) when Rasa is down."""
        try:
            bot_messages = await self.rasa.send_checked(
                claimed.sender, claimed.text, {"language": claimed.language, "channel": claimed.channel}
            )
        except RasaUnavailable as exc:
            log.warning("rasa unavailable for conversation %s: %s", claimed.conversation_id, exc)
            notice = BotMessage(text=self._saved_notice(reply.language))
            stored = await run_in_threadpool(self._keep_pending, claimed, notice)
            if stored is not None:
                reply.message_ids.append(stored)
            if claimed.attempt == 1 or not reply.messages:
                reply.messages.append(notice)
            reply.delivered = False
            return False
        bot_messages, ids = await run_in_threadpool(self._store_answers, claimed, bot_messages)
        reply.messages.extend(bot_messages)
        reply.message_ids.extend(ids)
        return True

    def _after_turn(
        self, db_session: Session, conversation: Conversation, bot_messages: list[BotMessage], language: str
    ) -> list[BotMessage]:
        """Count turns the assistant did not understand; the second in a row brings in a person."""
        if not self.fallback.not_understood(bot_messages):
            conversation.fallback_streak = 0
            return []
        conversation.fallback_streak = (conversation.fallback_streak or 0) + 1
        if conversation.fallback_streak < FALLBACKS_BEFORE_HANDOFF or self.district is None:
            return []
        conversation.fallback_streak = 0
        # The same use case as "talk to a person" (action_handoff), in this turn's transaction.
        person = bring_in_a_person(
            db_session=db_session,
            district=self.district(),
            sender_id=conversation.rasa_sender,
            channel=Channel(conversation.channel),
            language=language,
            why=PersonAsked.not_understood,
        )
        log.info("conversation %s: not understood twice, a person was brought in", conversation.id)
        return [BotMessage(text=person_brought_in(person, language))]

    def _waiting(self, cutoff: datetime) -> list[tuple[int, str]]:
        """Conversations with a message left pending before ``cutoff`` (a worker thread)."""
        with unit_of_work(self.session_factory) as db_session:
            # A message stuck in "sending" (its worker died mid-turn) goes back to pending.
            db_session.execute(
                update(ConversationMessage)
                .where(
                    ConversationMessage.status == "sending",
                    ConversationMessage.created_at < utcnow() - STALE_SENDING,
                )
                .values(status="pending")
            )
            return sorted(
                {
                    (m.conversation_id, m.conversation.language)
                    for m in pending_messages(db_session=db_session)
                    if m.created_at < cutoff
                }
            )

    async def retry_pending(self, older_than: timedelta = timedelta(seconds=5)) -> int:
        """Answer messages left pending while Rasa was down; returns how many conversations were retried."""
        waiting = await run_in_threadpool(self._waiting, utcnow() - older_than)
        for conversation_id, language in waiting:
            async with self._conversation_lock(conversation_id):
                await self._answer_pending(conversation_id, ChatReply(language=language))
        return len(waiting)
