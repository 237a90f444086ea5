"""One turn of a conversation, whatever the channel: store, detect language, ask Rasa, store the replies.

Order of work for each family message:

1. the message is stored (redacted) as ``pending`` and committed — from here on it cannot be lost;
2. the conversation's language is decided (:mod:`channels.language`) and, when it changed, pushed to Rasa's
   ``language`` slot so every response variation comes out in that language;
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

from sqlalchemy import update
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
    "is back. If it is urgent, say \"talk to a person\".",
    "es": "Gracias, su mensaje quedó guardado. El asistente no está disponible por un momento; le responderá aquí "
    "en cuanto vuelva. Si es urgente, escriba «hablar con una persona».",
}


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

    async def handle(self, conversation_id: int, text: str, chosen_language: str | None = None) -> ChatReply:
        """Store ``text`` from the family, answer it (and anything still pending before it), return the replies.

        ``chosen_language`` is a language the family picked explicitly (the page's toggle); it wins over detection.
        """
        text = text.strip()[:MAX_MESSAGE_CHARS]
        with unit_of_work(self.session_factory) as db_session:
            conversation = db_session.get_one(Conversation, conversation_id)
            record_inbound(db_session=db_session, conversation=conversation, text=text)
            if chosen_language in ("en", "es"):
                conversation.language = chosen_language
            elif not _is_payload(text):
                # Until Rasa has answered once, every message is treated as a first message.
                current = conversation.language if conversation.rasa_language else None
                decision = detect_language(text, "es" if current == "es" else "en" if current else None)
                conversation.language = decision.language
            language = conversation.language
        async with self._locks[conversation_id]:
            return await self._answer_pending(conversation_id, language)

    async def _answer_pending(self, conversation_id: int, language: str) -> ChatReply:
        reply = ChatReply(language=language)
        while True:
            claimed = self._claim_next(conversation_id)
            if claimed is None:
                return reply
            message_id, sender, text, push_language, channel = claimed
            try:
                if push_language:
                    await self.rasa.set_slot(sender, "language", push_language)
                bot_messages = await self.rasa.send(sender, text, {"channel": channel})
            except RasaUnavailable as exc:
                log.warning("rasa unavailable for conversation %s: %s", conversation_id, exc)
                self._release(message_id)
                notice = BotMessage(text=SAVED_NOTICE.get(language, SAVED_NOTICE["en"]))
                with unit_of_work(self.session_factory) as db_session:
                    conversation = db_session.get_one(Conversation, conversation_id)
                    record_outbound(db_session=db_session, conversation=conversation, text=notice.text)
                reply.messages.append(notice)
                reply.delivered = False
                return reply
            with unit_of_work(self.session_factory) as db_session:
                conversation = db_session.get_one(Conversation, conversation_id)
                if push_language:
                    conversation.rasa_language = push_language
                for bot_message in bot_messages:
                    record_outbound(
                        db_session=db_session,
                        conversation=conversation,
                        text=bot_message.text,
                        data={"buttons": bot_message.buttons, "article": bot_message.article},
                    )
                db_session.execute(
                    update(ConversationMessage)
                    .where(ConversationMessage.id == message_id)
                    .values(status="answered")
                )
            reply.messages.extend(bot_messages)

    def _claim_next(self, conversation_id: int) -> tuple[int, str, str, str | None, str] | None:
        """Mark the oldest pending message of the conversation as being sent; None when there is none."""
        with unit_of_work(self.session_factory) as db_session:
            conversation = db_session.get_one(Conversation, conversation_id)
            for message in conversation.messages:
                if message.direction != "in" or message.status != "pending":
                    continue
                claimed = db_session.execute(
                    update(ConversationMessage)
                    .where(ConversationMessage.id == message.id, ConversationMessage.status == "pending")
                    .values(status="sending", attempts=ConversationMessage.attempts + 1)
                ).rowcount
                if not claimed:
                    continue
                push = conversation.language if conversation.rasa_language != conversation.language else None
                return message.id, conversation.rasa_sender, redact(message.text), push, conversation.channel
        return None

    def _release(self, message_id: int) -> None:
        with unit_of_work(self.session_factory) as db_session:
            db_session.execute(
                update(ConversationMessage).where(ConversationMessage.id == message_id).values(status="pending")
            )

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
                await self._answer_pending(conversation_id, language)
        return len(waiting)
