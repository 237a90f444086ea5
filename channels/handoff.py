"""Human handoff: bring in a person, let an officer take the conversation over, and hand it back.

- :func:`person_brought_in` — what the family is told when the assistant failed to understand twice in a row
  (the gateway detects it, see :mod:`channels.fallback`, and runs :func:`flows.family.bring_in_a_person`: the
  conversation's open ``question`` ticket, or a new one). Asking for a person ("talk to a person") is the
  assistant's own ``action_handoff``, which runs the same use case.
- :func:`take_over` — an officer takes the conversation of a ticket: from now on the assistant stays silent and
  the family's messages go to the ticket's timeline (:func:`channels.chat.record_family_message`); officer
  replies reach the family through :func:`channels.delivery.send_to_family`. The caller also pauses the Rasa
  conversation (:meth:`channels.rasa_client.RasaClient.set_paused`), belt and braces.
- :func:`hand_back` — the officer gives the conversation back to the assistant.

Services take ``db_session`` and never commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from channels.delivery import send_to_family
from conversations.models import Conversation
from conversations.service import conversation_for_sender
from core.db import utcnow
from core.i18n import as_language, long_date
from core.messages import message
from flows.family import PersonBroughtIn
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import add_timeline_event
from ticketing.tickets.state import TERMINAL


class HandoffError(ValueError):
    """A take-over or hand-back that cannot happen (the message says why)."""


def person_brought_in(person: PersonBroughtIn, language: str) -> str:
    """What to tell the family after the assistant brought in a person (a new ticket, or the open one)."""
    lang = as_language(language)
    key = "handoff.person_already_asked" if person.reused else "handoff.person_brought_in"
    return message(key, lang, reference=person.reference, due_date=long_date(person.due_on, lang))


def conversation_of(*, db_session: Session, ticket: Ticket) -> Conversation | None:
    """The conversation a ticket came from (it may have been purged)."""
    return conversation_for_sender(db_session=db_session, sender_id=ticket.requester_ref)


def take_over(*, db_session: Session, ticket: Ticket, officer_email: str, officer_name: str) -> Conversation:
    """The officer takes the conversation of ``ticket``: the assistant goes silent and the family is told."""
    conversation = conversation_of(db_session=db_session, ticket=ticket)
    if conversation is None:
        raise HandoffError("This request's conversation no longer exists; reply by another way.")
    if ticket.status in TERMINAL:
        raise HandoffError("This request is closed; reopen it before taking over the conversation.")
    if conversation.handoff_officer == officer_email and conversation.handoff_ticket_id == ticket.id:
        return conversation
    previous = conversation.handoff_officer
    conversation.handoff_officer = officer_email
    conversation.handoff_ticket_id = ticket.id
    conversation.handoff_at = utcnow()
    conversation.fallback_streak = 0
    add_timeline_event(
        db_session=db_session,
        ticket=ticket,
        kind="handoff",
        actor=officer_email,
        body="took over the conversation; the assistant is paused" + (f" (it was {previous}'s)" if previous else ""),
    )
    if previous is None:
        send_to_family(
            db_session=db_session,
            requester_ref=conversation.rasa_sender,
            text=message("handoff.officer_joined", conversation.language, name=officer_name),
            ticket_id=ticket.id,
        )
    return conversation


def hand_back(*, db_session: Session, ticket: Ticket, officer_email: str) -> Conversation:
    """The officer gives the conversation of ``ticket`` back to the assistant, and the family is told."""
    conversation = conversation_of(db_session=db_session, ticket=ticket)
    if conversation is None:
        raise HandoffError("This request's conversation no longer exists.")
    if not conversation.handoff_officer:
        raise HandoffError("The assistant already has this conversation.")
    if conversation.handoff_ticket_id != ticket.id:
        # The conversation was taken over for another of its requests (perhaps another school's): not this one's.
        raise HandoffError("This conversation was taken over for another request; hand it back from that one.")
    conversation.handoff_officer = None
    conversation.handoff_ticket_id = None
    conversation.handoff_at = None
    add_timeline_event(
        db_session=db_session,
        ticket=ticket,
        kind="handback",
        actor=officer_email,
        body="handed the conversation back to the assistant",
    )
    send_to_family(
        db_session=db_session,
        requester_ref=conversation.rasa_sender,
        text=message("handoff.officer_left", conversation.language, reference=ticket.reference),
        ticket_id=ticket.id,
    )
    return conversation
