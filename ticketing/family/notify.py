"""Messages from the office to a family, in the family's language, on their channel (``channels.delivery``).

Each function takes ``db_session`` and never commits. The family is reached through the conversation the request
came from (the ticket's pseudonymous ``requester_ref``); the help desk never sees a phone number. One exception
(F9): the records link of a ticket whose requester the office verified another way (a call-back, ID in person, a
signed form) goes to the contact ON FILE of the roster person the office confirmed, through the outbox as a
sensitive message (encrypted, its text removed once sent), and the conversation is only told where it went. A
records or follow link to the conversation is never stored in clear: the message keeps a marker and the link goes
sealed beside it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from channels.delivery import LINK_MARKER, Delivery, UnknownConversation, send_to_family
from core.secrets import UnreadableValue
from identity.roster.models import RosterPerson
from identity.roster.service import contact_for_code
from outbox.service import enqueue
from ticketing.family.messages import category_label, lang_of, long_date, status_label, text
from ticketing.links.service import FOLLOW_LINK_DAYS, FOLLOW_LINK_VIEW_MINUTES, create_follow_link
from ticketing.tickets.enums import TicketStatus
from ticketing.tickets.models import Ticket

log = logging.getLogger(__name__)


class FamilyUnreachable(RuntimeError):
    """The family's conversation no longer exists (or was destroyed under the retention schedule)."""


def _send(db_session: Session, ticket: Ticket, message: str, link: str | None = None) -> Delivery:
    if ticket.purged_at is not None:
        raise FamilyUnreachable("this ticket's data was destroyed under the retention schedule")
    try:
        with db_session.begin_nested():
            return send_to_family(
                db_session=db_session, requester_ref=ticket.requester_ref, text=message, ticket_id=ticket.id, link=link
            )
    except UnknownConversation as exc:
        raise FamilyUnreachable("the family's conversation no longer exists, so nothing was sent") from exc


def follow_url(public_url: str, token: str, lang: str) -> str:
    """The address of a follow link, in the family's language even once it has expired (review E63)."""
    return f"{public_url}/request/{token}?lang={lang_of(lang)}"


def records_url(public_url: str, token: str, lang: str) -> str:
    """The address of a records link; ``?lang=`` makes its "link no longer works" page the family's language."""
    return f"{public_url}/records/{token}?lang={lang_of(lang)}"


def reply_text(ticket: Ticket, body: str) -> str:
    """An officer's reply as the family receives it."""
    return text("reply", ticket.language, reference=ticket.reference, text=body)


def send_reply(*, db_session: Session, ticket: Ticket, body: str) -> Delivery:
    """Deliver an officer's reply (``FamilyUnreachable`` if the conversation is gone)."""
    return _send(db_session, ticket, reply_text(ticket, body))


def status_text(ticket: Ticket, url: str) -> str:
    """The message telling the family about the ticket's current status, with a follow link."""
    lang = ticket.language
    parts = [
        text(
            "status",
            lang,
            reference=ticket.reference,
            category=category_label(ticket.category, lang),
            status=status_label(ticket.status, lang),
        )
    ]
    if ticket.status is TicketStatus.rejected and ticket.rejection_reason:
        parts.append(text("reason", lang, reason=ticket.rejection_reason))
    parts.append(text("follow", lang, url=url, days=FOLLOW_LINK_DAYS, minutes=FOLLOW_LINK_VIEW_MINUTES))
    return " ".join(parts)


def notify_status(*, db_session: Session, ticket: Ticket, public_url: str) -> Delivery | None:
    """Tell the family the new status (with a fresh follow link); None if they cannot be reached."""
    try:
        with db_session.begin_nested():
            token = create_follow_link(db_session=db_session, ticket=ticket)
            # The stored message holds a marker; the link itself is sealed (review F6).
            return _send(
                db_session, ticket, status_text(ticket, LINK_MARKER), follow_url(public_url, token, ticket.language)
            )
    except FamilyUnreachable:
        log.warning("ticket %s: the family could not be told about the status change", ticket.reference)
        return None


def send_follow_link(*, db_session: Session, ticket: Ticket, public_url: str) -> Delivery:
    """Send the family a link to their request's page."""
    with db_session.begin_nested():
        token = create_follow_link(db_session=db_session, ticket=ticket)
        message = text(
            "follow_only",
            ticket.language,
            reference=ticket.reference,
            url=LINK_MARKER,
            days=FOLLOW_LINK_DAYS,
            minutes=FOLLOW_LINK_VIEW_MINUTES,
        )
        return _send(db_session, ticket, message, follow_url(public_url, token, ticket.language))


def send_records_link(
    *, db_session: Session, ticket: Ticket, token: str, expires_at: datetime, public_url: str, timezone: str
) -> str:
    """Send the records link to the verified person; returns where it went (``FamilyUnreachable`` if nowhere).

    ``"conversation"`` when the conversation itself verified with a code to the contact on file; else
    ``"sms"`` or ``"email"``: the contact on file of the person the office confirmed.
    """
    from ticketing.tickets.service import records_go_to_contact_on_file

    until = long_date(expires_at.astimezone(ZoneInfo(timezone)).date(), ticket.language)
    url = records_url(public_url, token, ticket.language)
    message = text("records", ticket.language, reference=ticket.reference, url=url, until=until)
    if not records_go_to_contact_on_file(ticket):
        # To the conversation: the link is sealed beside a marker, rendered only when the family reads it.
        marked = text("records", ticket.language, reference=ticket.reference, url=LINK_MARKER, until=until)
        _send(db_session, ticket, marked, url)
        return "conversation"
    person = db_session.get(RosterPerson, ticket.requester_person_id) if ticket.requester_person_id else None
    if person is None or not person.active:
        raise FamilyUnreachable("the person whose identity was confirmed is not in the roster any more")
    try:
        contact = contact_for_code(person)
    except UnreadableValue:
        contact = None
    if contact is None:
        raise FamilyUnreachable("the roster has no contact on file for the person whose identity was confirmed")
    kind, address = contact
    subject = text("records_subject", ticket.language, reference=ticket.reference) if kind == "email" else None
    enqueue(
        db_session=db_session, kind=kind, to=address, body=message, subject=subject, ticket_id=ticket.id, sensitive=True
    )
    try:
        _send(db_session, ticket, text("records_on_file", ticket.language, reference=ticket.reference))
    except FamilyUnreachable:
        pass  # the conversation is gone; the link still reached the person on file
    return kind
