"""Ticket service: the only code that reads or writes tickets. Takes ``db_session``; never commits."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.district import District
from ticketing.database import utcnow
from ticketing.routing import route
from ticketing.tickets.enums import Channel, TicketCategory, TicketStatus
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.tickets.state import check_transition

# No 0/O or 1/I/L: references are read aloud and typed on phones.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    """An unguessable, easy-to-read reference such as ``RD-7K2M-9QXD``."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"RD-{chars[:4]}-{chars[4:]}"


def open_ticket(
    *,
    db_session: Session,
    district: District,
    category: TicketCategory,
    channel: Channel,
    language: str,
    requester_ref: str,
    summary: str = "",
    verified: bool = False,
    school_id: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket routed to its designated contact, with its due date."""
    now = now or utcnow()
    routed = route(district, category, now, school_id)
    ticket = Ticket(
        reference=new_reference(),
        category=category,
        status=TicketStatus.new,
        priority=routed.priority,
        channel=channel,
        language="es" if language == "es" else "en",
        requester_ref=requester_ref,
        verified=verified,
        school_id=school_id,
        assignee_email=routed.assignee_email,
        summary=summary,
        created_at=now,
        updated_at=now,
        due_on=routed.due_on,
        due_citation=routed.due_citation,
    )
    ticket.events.append(TicketEvent(kind="opened", actor="family", body=summary, created_at=now))
    db_session.add(ticket)
    db_session.flush()
    return ticket


def change_status(*, db_session: Session, ticket: Ticket, status: TicketStatus, actor: str, reason: str = "") -> Ticket:
    """Move ``ticket`` to ``status`` if the state machine allows it, and record it on the timeline."""
    check_transition(ticket.status, status)
    now = utcnow()
    ticket.events.append(
        TicketEvent(kind="status", actor=actor, body=f"{ticket.status.value} -> {status.value} {reason}".strip())
    )
    ticket.status = status
    ticket.updated_at = now
    db_session.flush()
    return ticket


def tickets_for_requester(*, db_session: Session, requester_ref: str) -> Sequence[Ticket]:
    """The tickets opened from one conversation, newest first."""
    return db_session.scalars(
        select(Ticket).where(Ticket.requester_ref == requester_ref).order_by(Ticket.id.desc())
    ).all()


def queue(*, db_session: Session, assignee_email: str | None = None) -> Sequence[Ticket]:
    """Open tickets by due date (all of them, or one assignee's)."""
    stmt = select(Ticket).where(Ticket.status.not_in([TicketStatus.closed, TicketStatus.rejected]))
    if assignee_email:
        stmt = stmt.where(Ticket.assignee_email == assignee_email)
    return db_session.scalars(stmt.order_by(Ticket.due_on, Ticket.id)).all()
