"""What happens when a family asks for something: one function per use case. Takes ``db_session``; never commits.

The gateway calls these inside the transaction of the conversation turn; the Rasa actions run each one in a
transaction of its own (:func:`flows.transaction.in_one_transaction`). Either way a use case happens whole or not
at all, and the same way whoever triggered it. What the family is told stays with the caller (the bot's
responses, the gateway's texts); a use case returns what happened.

- :func:`open_family_request` — "I want to see / correct / opt out / consent / complain / report": the identity
  the conversation verified (if the request needs one), the student's school from the roster, the office's note
  when the details matched a parent a court order restricts, the answers held during the form forgotten, and the
  ticket opened, routed and dated.
- :func:`bring_in_a_person` — "talk to a person", or the assistant failing to understand twice in a row: the
  conversation's open ``question`` ticket, or a new one. However it is triggered, one conversation has at most
  one open question ticket.
- :func:`list_requests_for` — "what's the status of my request": the requests a verified family may follow.
- :func:`give_birth_date` — the family answered "the student's date of birth?" (or "do you mean December?"):
  the roster match and the one-time code (the rest of verification is one call each to
  :mod:`identity.verification.service`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from sqlalchemy.orm import Session

from identity.roster.service import school_id_for
from identity.verification import service as verification
from knowledge.district import District
from ticketing.tickets import service as tickets
from ticketing.tickets.enums import Channel, TicketCategory, TicketStatus

# The requests about a student's records: opened verified only for the identity the conversation verified.
IDENTITY_CATEGORIES = frozenset(
    {TicketCategory.records, TicketCategory.correction, TicketCategory.directory_optout, TicketCategory.consent}
)
# For the office, never the family: the details matched a restricted parent, so no code was sent.
RESTRICTED_NOTE = (
    "Identity check: the details given match a parent whom the roster marks as restricted by a court order for "
    "this student. No code was sent. Check the order before sharing anything."
)


@dataclass(frozen=True)
class RosterNames:
    """The requester and the student as the roster has them (a verified request is summarised with these)."""

    requester_name: str
    student_name: str


@dataclass(frozen=True)
class OpenedRequest:
    """A ticket just opened: what the family is told, and whether the office still has to confirm who they are."""

    reference: str
    due_on: date
    verified: bool
    awaiting_identity: bool


def open_family_request(
    *,
    db_session: Session,
    district: District,
    sender_id: str,
    category: TicketCategory,
    channel: Channel,
    language: str,
    code_verified: bool,
    summary: Callable[[RosterNames | None], str],
) -> OpenedRequest:
    """Open the request the family confirmed (see the module), in the caller's transaction.

    ``code_verified`` is whether the conversation passed the code check (the identity itself is read from
    identity verification, where it lasts an hour). ``summary`` writes the request as the family confirmed it,
    given the roster's names once verified (None otherwise).
    """
    needs_identity = category in IDENTITY_CATEGORIES
    who = (
        verification.verified_identity(db_session=db_session, sender_id=sender_id)
        if needs_identity and code_verified
        else None
    )
    school = (
        school_id_for(
            db_session=db_session,
            school_sourced_id=who.student_school,
            known_schools=[school.id for school in district.schools],
        )
        if who
        else None
    )
    restricted = needs_identity and verification.restricted_claim(db_session=db_session, sender_id=sender_id)
    verification.forget_answers(db_session=db_session, sender_id=sender_id)
    ticket = tickets.open_ticket(
        db_session=db_session,
        district=district,
        category=category,
        channel=channel,
        language=language,
        requester_ref=sender_id,
        summary=summary(RosterNames(who.requester_name, who.student_name) if who else None),
        verified=who is not None,
        school_id=school,
        requester_person_id=who.requester_id if who else None,
        student_person_id=who.student_id if who else None,
        verification_channel=who.channel if who else None,
    )
    if restricted and who is None:
        tickets.add_note(db_session=db_session, ticket=ticket, actor=tickets.SYSTEM, body=RESTRICTED_NOTE)
    return OpenedRequest(
        ticket.reference, ticket.due_on, verified=who is not None, awaiting_identity=needs_identity and who is None
    )


class PersonAsked(enum.Enum):
    """Why a person was brought in; the value is the new ticket's summary, for the office."""

    asked = "The family asked to talk to a person."
    not_understood = "The assistant did not understand two messages in a row; the family needs a person."


@dataclass(frozen=True)
class PersonBroughtIn:
    """The question ticket a person answers; ``reused`` when the conversation had already asked for one."""

    reference: str
    due_on: date
    reused: bool


def bring_in_a_person(
    *,
    db_session: Session,
    district: District,
    sender_id: str,
    channel: Channel,
    language: str,
    why: PersonAsked,
) -> PersonBroughtIn:
    """The conversation's open ``question`` ticket, or a new one routed and dated (see the module)."""
    ticket, reused = tickets.ask_for_a_person(
        db_session=db_session,
        district=district,
        channel=channel,
        language=language,
        requester_ref=sender_id,
        summary=why.value,
    )
    return PersonBroughtIn(ticket.reference, ticket.due_on, reused)


@dataclass(frozen=True)
class FamilyRequest:
    """One request as the family may see it."""

    reference: str
    category: TicketCategory
    status: TicketStatus
    due_on: date


def list_requests_for(*, db_session: Session, sender_id: str) -> list[FamilyRequest] | None:
    """The requests this conversation's verified family may follow, newest first; None when it is not verified.

    A verified requester sees the tickets opened under their roster identity for the student they verified for,
    and those opened from this conversation.
    """
    who = verification.verified_identity(db_session=db_session, sender_id=sender_id)
    if who is None:
        return None
    return [
        FamilyRequest(t.reference, t.category, t.status, t.due_on)
        for t in tickets.family_requests(
            db_session=db_session,
            requester_person_id=who.requester_id,
            student_person_id=who.student_id,
            requester_ref=sender_id,
        )
    ]


def give_birth_date(
    *,
    db_session: Session,
    sender_id: str,
    claim: verification.Claim,
    language: str,
    today: date,
    sender_label: str,
    confirms_reading: bool | None,
) -> verification.BirthDateResult:
    """Take the date of birth the gateway held for the conversation: eligibility, limits, the match and the code.

    ``confirms_reading`` is the family's yes (True) or no (False) to "Do you mean <first reading>?" when their
    message was that answer rather than a date; a yes goes on with that reading, a no with the other.
    """
    given = partial(
        verification.submit_birth_date,
        db_session=db_session,
        sender_id=sender_id,
        claim=claim,
        language=language,
        today=today,
        sender_label=sender_label,
    )
    result = given()
    if result.outcome is verification.BirthDateOutcome.no_date and confirms_reading is not None:
        result = verification.choose_birth_date(first=confirms_reading, **given.keywords)
    return result
