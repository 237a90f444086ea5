"""The deadline run: reminders before due dates, escalation when overdue. Takes ``db_session``; never commits.

:func:`run_sla` is idempotent: every notice it sends is a row in ``sla_notices`` (unique per ticket, kind and
point), so running it again — from ``rightsdesk sla run``, from the gateway's periodic task, from several
workers at once — sends nothing twice. For each ticket still awaiting an answer:

- at the configured points (``reminders.days_before_due`` in the help desk file, e.g. 5, 2 and 1 calendar days
  before the due date) the assignee gets one reminder: only the nearest point that applies, so a ticket opened
  two days before its due date gets the 2-day reminder, not the 5-day one as well;
- once the due date has passed, the district privacy officer gets one escalation and the ticket is marked
  escalated (visible on the queue and the timeline).

Notices show in the console (:func:`notices_for`). They are also emailed through the outbox
(:func:`outbox.service.enqueue`); when the outbox refuses one (an officer's address it cannot send to) a warning
is logged and the console remains the only place it appears. Emails carry the reference, the type of request and
the due date, never anything the family wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from core.i18n import long_date
from knowledge.district import District
from outbox import service as outbox
from ticketing.family.messages import category_label
from ticketing.helpdesk import HelpdeskConfig
from ticketing.officers.models import Officer
from ticketing.routing import days_left, local_today
from ticketing.sla.models import SlaNotice
from ticketing.tickets.enums import EventKind
from ticketing.tickets.models import Ticket
from ticketing.tickets.scope import visible_to
from ticketing.tickets.service import append_event
from ticketing.tickets.state import AWAITING_ANSWER, OPEN

log = logging.getLogger(__name__)

REMINDER = "reminder"
ESCALATION = "escalation"
ESCALATION_POINT = -1


@dataclass
class SlaRun:
    """What one run did."""

    reminders: int = 0
    escalations: int = 0
    emailed: int = 0
    not_emailed: int = 0

    def summary(self) -> str:
        """One line for the CLI and the log."""
        return (
            f"{self.reminders} reminder(s), {self.escalations} escalation(s); "
            f"{self.emailed} emailed, {self.not_emailed} shown in the console only"
        )


def _email(db_session: Session, to: str, subject: str, body: str, ticket_id: int) -> bool:
    """Queue an email through the outbox; False when the outbox refused the message."""
    try:
        with db_session.begin_nested():
            outbox.enqueue(db_session=db_session, kind="email", to=to, subject=subject, body=body, ticket_id=ticket_id)
    except ValueError:  # OutboxError or BadContact: this message cannot be sent
        log.exception("deadline notice not emailed: the outbox refused it; it is shown in the console")
        return False
    return True


def _notice_text(ticket: Ticket, kind: str, left: int, public_url: str) -> tuple[str, str]:
    category = category_label(ticket.category, "en")
    due = long_date(ticket.due_on, "en")
    if kind == ESCALATION:
        subject = f"OVERDUE: {ticket.reference} ({category}) was due {due}"
        lead = f"Request {ticket.reference} ({category}) is past its due date, {due} ({ticket.due_citation})."
    else:
        when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
        subject = f"Reminder: {ticket.reference} ({category}) is due {when}"
        lead = f"Request {ticket.reference} ({category}) is due {when}: {due} ({ticket.due_citation})."
    link = f"{public_url}/console/tickets/{ticket.reference}"
    body = f"{lead}\nAssigned to: {ticket.assignee_email}\nOpen it in the console: {link}\n"
    return subject, body


def _add_notice(
    db_session: Session, ticket: Ticket, kind: str, point: int, recipient: str, now: datetime
) -> SlaNotice | None:
    """Store the notice unless another run stored it first."""
    notice = SlaNotice(
        ticket_id=ticket.id,
        kind=kind,
        days_before=point,
        recipient_email=recipient,
        due_on=ticket.due_on,
        created_at=now,
    )
    try:
        with db_session.begin_nested():
            db_session.add(notice)
            db_session.flush()
    except IntegrityError:
        return None
    return notice


def run_sla(
    *, db_session: Session, district: District, config: HelpdeskConfig, public_url: str, now: datetime | None = None
) -> SlaRun:
    """Send the reminders and escalations due now (each at most once)."""
    now = now or utcnow()
    today = local_today(district, now)
    points = config.reminders.days_before_due
    horizon = today + timedelta(days=max(points, default=-1))
    tickets = db_session.scalars(
        select(Ticket)
        .where(Ticket.status.in_(AWAITING_ANSWER), Ticket.purged_at.is_(None), Ticket.due_on <= horizon)
        .order_by(Ticket.due_on, Ticket.id)
    ).all()
    if not tickets:
        return SlaRun()
    sent = {
        (n.ticket_id, n.kind, n.days_before)
        for n in db_session.scalars(select(SlaNotice).where(SlaNotice.ticket_id.in_([t.id for t in tickets])))
    }
    result = SlaRun()
    district_officer = district.contacts.district_privacy_officer.email
    for ticket in tickets:
        left = days_left(ticket.due_on, today)
        if left < 0:
            if not config.reminders.escalate_when_overdue or (ticket.id, ESCALATION, ESCALATION_POINT) in sent:
                continue
            notice = _add_notice(db_session, ticket, ESCALATION, ESCALATION_POINT, district_officer, now)
            if notice is None:
                continue
            ticket.escalated_at = now
            append_event(
                ticket,
                EventKind.escalated.value,
                "system",
                f"overdue since {ticket.due_on.isoformat()}; district privacy officer alerted",
                now=now,
                to=district_officer,
            )
            result.escalations += 1
        else:
            applicable = [p for p in points if left <= p]
            if not applicable:
                continue
            point = min(applicable)
            if any((ticket.id, REMINDER, p) in sent for p in points if p <= point):
                continue
            notice = _add_notice(db_session, ticket, REMINDER, point, ticket.assignee_email, now)
            if notice is None:
                continue
            result.reminders += 1
        subject, body = _notice_text(ticket, notice.kind, left, public_url)
        notice.emailed = _email(db_session, notice.recipient_email, subject, body, ticket.id)
        if notice.emailed:
            result.emailed += 1
        else:
            result.not_emailed += 1
    db_session.flush()
    return result


@dataclass(frozen=True)
class NoticeView:
    """A notice as the console shows it."""

    reference: str
    kind: str
    days_before: int
    due_on: date
    recipient_email: str
    created_at: datetime


def notices_for(*, db_session: Session, officer: Officer, limit: int = 20) -> Sequence[NoticeView]:
    """Recent notices about open tickets in ``officer``'s scope, newest first."""
    stmt = (
        select(SlaNotice, Ticket.reference)
        .join(Ticket, Ticket.id == SlaNotice.ticket_id)
        .where(Ticket.status.in_(OPEN), visible_to(officer))
    )
    rows = db_session.execute(stmt.order_by(SlaNotice.created_at.desc(), SlaNotice.id.desc()).limit(limit)).all()
    return [
        NoticeView(reference, n.kind, n.days_before, n.due_on, n.recipient_email, n.created_at) for n, reference in rows
    ]
