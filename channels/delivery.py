"""Messages from the privacy office to a family, on the family's own channel.

``send_to_family`` is what the help desk calls (an officer's reply, a status change): the message joins the
conversation's transcript, where an open web page shows it at once (server-sent events); on SMS it also goes to
the outbox (split into several SMS if longer than one). Callers pass the conversation's pseudonymous id (a
ticket's ``requester_ref``); the family's contact details never leave the channel that owns them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from channels.conversations import record_outbound
from channels.models import Conversation
from channels.sms.outbound import queue_office_message


class UnknownConversation(LookupError):
    """No conversation has this pseudonymous id (it may have been purged)."""


@dataclass(frozen=True)
class Delivery:
    """Where a message to a family went (``outbox_ids``: the SMS queued for it, if any)."""

    conversation_id: int
    channel: str
    message_id: int
    outbox_ids: tuple[int, ...] = ()


def send_to_family(
    *, db_session: Session, requester_ref: str, text: str, sender: str = "office", ticket_id: int | None = None
) -> Delivery:
    """Put ``text`` in front of the family of conversation ``requester_ref`` on their channel."""
    conversation = db_session.scalar(select(Conversation).where(Conversation.rasa_sender == requester_ref))
    if conversation is None:
        raise UnknownConversation(requester_ref)
    message = record_outbound(db_session=db_session, conversation=conversation, text=text, data={"from": sender})
    queued: tuple[int, ...] = ()
    if conversation.channel == "sms":
        queued = tuple(
            m.id
            for m in queue_office_message(
                db_session=db_session, conversation=conversation, text=text, ticket_id=ticket_id
            )
        )
    return Delivery(conversation.id, conversation.channel, message.id, queued)
