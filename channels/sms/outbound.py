"""Messages to an SMS conversation, through the outbox. Takes ``db_session``; never commits.

The phone number is decrypted only here, for the outbox (which stores it encrypted again).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from channels.rasa_client import BotMessage
from channels.sms.render import SMS_LIMIT, render_turn, split_for_sms
from conversations.models import Conversation
from core.contacts import decrypt
from outbox.models import OutboxMessage
from outbox.service import enqueue


def queue_sms_to_conversation(
    *,
    db_session: Session,
    conversation: Conversation,
    body: str,
    ticket_id: int | None = None,
    sensitive: bool = False,
) -> list[OutboxMessage]:
    """Queue ``body`` (split into several SMS when longer than one may be) to the conversation's number.

    ``sensitive``: the text carries a secret (a link's token): encrypted in the outbox, forgotten once sent.
    """
    if not conversation.contact_encrypted or not body.strip():
        return []
    phone = decrypt(conversation.contact_encrypted)
    return [
        enqueue(
            db_session=db_session,
            kind="sms",
            to=phone,
            body=part,
            ticket_id=ticket_id,
            conversation_id=conversation.id,
            sensitive=sensitive,
        )
        for part in split_for_sms(body, SMS_LIMIT)
    ]


def queue_sms_replies(
    *, db_session: Session, conversation: Conversation, messages: list[BotMessage]
) -> list[OutboxMessage]:
    """Queue one turn's replies as one SMS, and remember what its numbered or YES/NO options mean."""
    reply = render_turn(messages, conversation.language)
    conversation.sms_options = reply.options or None
    return queue_sms_to_conversation(db_session=db_session, conversation=conversation, body=reply.body)


def queue_office_message(
    *,
    db_session: Session,
    conversation: Conversation,
    text: str,
    ticket_id: int | None = None,
    sensitive: bool = False,
) -> list[OutboxMessage]:
    """Queue a message from the privacy office to the conversation's number (its wording says who writes)."""
    # Options offered by the assistant earlier no longer apply to what the office wrote.
    conversation.sms_options = None
    return queue_sms_to_conversation(
        db_session=db_session, conversation=conversation, body=text.strip(), ticket_id=ticket_id, sensitive=sensitive
    )
