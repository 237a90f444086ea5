"""Who a new ticket goes to, how urgent it is, and when it is due, from the district configuration.

Reassignment (who else may take a ticket) is :func:`ticketing.officers.service.officers_for_ticket` and
:func:`ticketing.tickets.service.reassign` (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.db import utcnow
from knowledge.district import Deadline, District
from ticketing.tickets.enums import TicketCategory, TicketPriority

URGENT = frozenset({TicketCategory.misuse})
DEFAULT_DEADLINE = Deadline(days=2, business_days=True, citation="district service standard")


@dataclass(frozen=True)
class Route:
    """Where a ticket goes and when it is due."""

    assignee_email: str
    priority: TicketPriority
    due_on: date
    due_citation: str


def deadline_for(district: District, category: TicketCategory) -> Deadline:
    """The deadline of ``category``: records use the state's deadline when shorter than FERPA's 45 days."""
    if category is TicketCategory.records:
        return district.records_deadline()
    return district.deadlines.get(category.value, DEFAULT_DEADLINE)


def route(district: District, category: TicketCategory, received_at: datetime, school_id: str | None = None) -> Route:
    """Designated contact per school and category, falling back to the district privacy officer.

    Misuse and breach reports always go to the district privacy officer as urgent.
    """
    officer = district.contacts.district_privacy_officer.email
    assignee = officer
    if category not in URGENT and school_id:
        contact = district.contacts.schools.get(school_id, {}).get(category.value)
        if contact:
            assignee = contact.email
    deadline = deadline_for(district, category)
    priority = TicketPriority.urgent if category in URGENT else TicketPriority.normal
    return Route(assignee, priority, district.add_days(received_at, deadline), deadline.citation)


def local_today(district: District, now: datetime | None = None) -> date:
    """Today's date where the district is (deadlines are dates in the district's time zone)."""
    return (now or utcnow()).astimezone(ZoneInfo(district.timezone)).date()


def days_left(due_on: date, today: date) -> int:
    """Calendar days until ``due_on`` (0 on the due date, negative once overdue)."""
    return (due_on - today).days
