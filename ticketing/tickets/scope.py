"""Which tickets an officer may see (pure): the one definition the queue, the ticket page and exports share.

- administrator and district_officer: every ticket;
- school_contact: tickets of their schools, and tickets with no school only when assigned to them.

Anything outside one's scope is answered as if it did not exist (404), never 403.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, true

from ticketing.officers.models import Officer, OfficerRole
from ticketing.tickets.models import Ticket

DISTRICT_WIDE = frozenset({OfficerRole.administrator, OfficerRole.district_officer})


def visible_to(officer: Officer) -> ColumnElement[bool]:
    """A WHERE clause selecting the tickets ``officer`` may see."""
    if officer.role in DISTRICT_WIDE:
        return true()
    schools = officer.school_ids
    unassigned_mine = and_(Ticket.school_id.is_(None), Ticket.assignee_email == officer.email)
    if not schools:
        return unassigned_mine
    return or_(Ticket.school_id.in_(schools), unassigned_mine)


def can_see(officer: Officer, ticket: Ticket) -> bool:
    """Whether ``officer`` may see ``ticket`` (the same rule as :func:`visible_to`)."""
    if officer.role in DISTRICT_WIDE:
        return True
    if ticket.school_id is None:
        return ticket.assignee_email == officer.email
    return ticket.school_id in officer.school_ids


def could_take(officer: Officer, ticket: Ticket) -> bool:
    """Whether ``ticket`` may be assigned to ``officer``: whether they would see it once it is theirs.

    A ticket with no school can go to anyone; a school's ticket only to district-wide roles and that school's
    contacts.
    """
    if officer.role in DISTRICT_WIDE or ticket.school_id is None:
        return True
    return ticket.school_id in officer.school_ids
