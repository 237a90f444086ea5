"""One turn of a conversation, whatever the channel: store, detect language, ask Rasa, store the replies.

Order of work for each family message:

1. the message is stored (redacted) as ``pending`` and committed — from here on it cannot be lost;
2. the conversation's language is decided (:mod:`channels.language`) and sent with the message as metadata;
   Rasa turns it into its ``language`` slot, so every response variation comes out in that language;
3. older pending messages of the same conversation go to Rasa first, so replies keep their order;
4. Rasa's replies are stored and the message becomes ``answered``.

When Rasa is down the family is told their message is saved; :meth:`ChatService.retry_pending` (run by the
gateway every few seconds) answers it once Rasa is back, and the web page shows the late reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from channels.conversations import pending_messages, record_inbound, record_outbound
from channels.language import detect_language
from channels.models import Conversation, ConversationMessage
from channels.rasa_client import BotMessage, RasaClient, RasaUnavailable
from channels.redact import redact
from ticketing.database import unit_of_work, utcnow

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
# A message claimed this long ago and still not answered belonged to a worker that died; it is retried.
STALE_SENDING = timedelta(minutes=2)

SAVED_NOTICE = {
    "en": "Thanks, your message is saved. The assistant is briefly unavailable; it will answer here as soon as it "
    'is back. If it is urgent, say "talk to a person".',
    "es": "Gracias, su mensaje quedó guardado. El asistente no está disponible por un momento; le responderá aquí "
    "en cuanto vuelva. Si es urgente, escriba «hablar con una persona».",
}


@dataclass(frozen=True)
class _Claim:
    """A message taken for delivery to Rasa, with what the call needs."""

    message_id: int
    conversation_id: int
    sender: str
    text: str
    language: str
    channel: str


@dataclass
class ChatReply:
    """What one turn produced."""

    language: str
    messages: list[BotMessage] = field(default_factory=list)
    delivered: bool = True


def _is_payload(text: str) -> bool:
    """Button payloads ("/affirm", "/ask_rights{...}") carry no language evidence."""
    return text.startswith("/")


class ChatService:
    """Runs conversation turns against Rasa."""

    def __init__(self, session_factory: sessionmaker[Session], rasa: RasaClient) -> None:
        self.session_factory = session_factory
        self.rasa = rasa
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def handle(
        self, conversation_id: int, text: str, chosen_language: str | None = None, display: str | None = None
    ) -> ChatReply:
        """Store ``text`` from the family, answer it (and anything still pending before it), return the replies.

        ``chosen_language`` is a language the family picked explicitly (the page's toggle); it wins over detection.
        ``display`` is what the family saw for a button payload (its title), kept for the transcript.
        """
        text = text.strip()[:MAX_MESSAGE_CHARS]
        async with self._locks[conversation_id]:
            with unit_of_work(self.session_factory) as db_session:
                conversation = db_session.get_one(Conversation, conversation_id)
                message = record_inbound(
                    db_session=db_session,
                    conversation=conversation,
                    text=text,
                    display=display if _is_payload(text) else None,
                )
                if chosen_language in ("en", "es"):
                    conversation.language = chosen_language
                elif not _is_payload(text):
                    # Until Rasa has answered once, every message is treated as a first message.
                    current = conversation.language if conversation.rasa_language else None
                    decision = detect_language(text, "es" if current == "es" else "en" if current else None)
                    conversation.language = decision.language
                language = conversation.language
                # The common case, nothing older waiting: claim this message in the same transaction.
                claimed = (
                    None
                    if self._oldest_pending(db_session, conversation_id) != message.id
                    else (self._claim(db_session, conversation, message))
                )
            reply = ChatReply(language=language)
            if claimed is not None:
                # Newer messages of this conversation wait on the lock and answer themselves.
                await self._deliver(claimed, reply)
            else:
                await self._answer_pending(conversation_id, reply)
            return reply

    async def _answer_pending(self, conversation_id: int, reply: ChatReply) -> None:
        """Answer this conversation's pending messages, oldest first (the caller holds its lock)."""
        while True:
            with unit_of_work(self.session_factory) as db_session:
                oldest = self._oldest_pending(db_session, conversation_id, status="pending")
                if oldest is None:
                    return
                conversation = db_session.get_one(Conversation, conversation_id)
                claimed = self._claim(db_session, conversation, db_session.get_one(ConversationMessage, oldest))
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
        result = db_session.execute(
            update(ConversationMessage)
            .where(ConversationMessage.id == message.id, ConversationMessage.status == "pending")
            .values(status="sending", attempts=ConversationMessage.attempts + 1)
        )
        if not cast(CursorResult[Any], result).rowcount:
            return None
        return _Claim(
            message.id,
            conversation.id,
            conversation.rasa_sender,
            redact(message.text),
            conversation.language,
            conversation.channel,
        )

    async def _deliver(self, claimed: _Claim, reply: ChatReply) -> bool:
        """Send one claimed message to Rasa and store the answers; False (and a notice) when Rasa is down."""
        try:
            bot_messages = await self.rasa.send(
                claimed.sender, claimed.text, {"language": claimed.language, "channel": claimed.channel}
            )
        except RasaUnavailable as exc:
            log.warning("rasa unavailable for conversation %s: %s", claimed.conversation_id, exc)
            notice = BotMessage(text=SAVED_NOTICE.get(reply.language, SAVED_NOTICE["en"]))
            with unit_of_work(self.session_factory) as db_session:
                db_session.execute(
                    update(ConversationMessage)
                    .where(ConversationMessage.id == claimed.message_id)
                    .values(status="pending")
                )
                conversation = db_session.get_one(Conversation, claimed.conversation_id)
                record_outbound(db_session=db_session, conversation=conversation, text=notice.text)
            reply.messages.append(notice)
            reply.delivered = False
            return False
        with unit_of_work(self.session_factory) as db_session:
            conversation = db_session.get_one(Conversation, claimed.conversation_id)
            conversation.rasa_language = claimed.language
            for bot_message in bot_messages:
                record_outbound(
                    db_session=db_session,
                    conversation=conversation,
                    text=bot_message.text,
                    data={"buttons": bot_message.buttons, "article": bot_message.article},
                )
            db_session.execute(
                update(ConversationMessage)
                .where(ConversationMessage.id == claimed.message_id)
                .values(status="answered")
            )
        reply.messages.extend(bot_messages)
        return True

    async def retry_pending(self, older_than: timedelta = timedelta(seconds=5)) -> int:
        """Answer messages left pending while Rasa was down; returns how many conversations were retried."""
        cutoff = utcnow() - older_than
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
            waiting = {
                (m.conversation_id, m.conversation.language)
                for m in pending_messages(db_session=db_session)
                if m.created_at < cutoff
            }
        for conversation_id, language in sorted(waiting):
            async with self._locks[conversation_id]:
                await self._answer_pending(conversation_id, ChatReply(language=language))
        return len(waiting)
