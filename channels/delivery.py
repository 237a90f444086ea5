"""Messages from the privacy office to a family, on the family's own channel.

``send_to_family`` is what the help desk calls (an officer's reply, a status change): the message joins the
conversation's transcript, where an open web page shows it at once (server-sent events); on SMS it also goes to
the outbox (split into several SMS if longer than one). Callers pass the conversation's pseudonymous id (a
ticket's ``requester_ref``); the family's contact details never leave the channel that owns them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from channels.sms.outbound import queue_office_message
from conversations.service import conversation_for_sender, record_outbound
from core.contacts import UnreadableContact, decrypt, encrypt

# Where a link with a live token goes in a stored message; the token itself is kept sealed (review F6).
LINK_MARKER = "[link]"


class UnknownConversation(LookupError):
    """No conversation has this pseudonymous id (it may have been purged)."""


@dataclass(frozen=True)
class Delivery:
    """Where a message to a family went (``outbox_ids``: the SMS queued for it, if any)."""

    conversation_id: int
    channel: str
    message_id: int
    outbox_ids: tuple[int, ...] = ()


def render_link(text: str, data: dict[str, Any] | None) -> str:
    """A stored message as the family sees it: its sealed link (if any) put back in place of :data:`LINK_MARKER`."""
    sealed = (data or {}).get("link")
    if not sealed or LINK_MARKER not in text:
        return text
    try:
        return text.replace(LINK_MARKER, decrypt(str(sealed)), 1)
    except UnreadableContact:
        return text


def send_to_family(
    *,
    db_session: Session,
    requester_ref: str,
    text: str,
    sender: str = "office",
    ticket_id: int | None = None,
    link: str | None = None,
) -> Delivery:
    """Put ``text`` in front of the family of conversation ``requester_ref`` on their channel.

    ``link`` (a records or follow link, a live token) goes where ``text`` has :data:`LINK_MARKER`: the transcript
    keeps the marker and the link sealed (rendered only when the family's page reads it), and on SMS the text goes
    to the outbox as a sensitive message (encrypted, and forgotten once it has left).
    """
    conversation = conversation_for_sender(db_session=db_session, sender_id=requester_ref)
    if conversation is None:
        raise UnknownConversation(requester_ref)
    data: dict[str, Any] = {"from": sender}
    if link is not None:
        data["link"] = encrypt(link)
    message = record_outbound(db_session=db_session, conversation=conversation, text=text, data=data)
    queued: tuple[int, ...] = ()
    if conversation.channel == "sms":
        queued = tuple(
            m.id
            for m in queue_office_message(
                db_session=db_session,
                conversation=conversation,
                text=render_link(text, data),
                ticket_id=ticket_id,
                sensitive=link is not None,
            )
        )
    return Delivery(conversation.id, conversation.channel, message.id, queued)
