"""The requests a verified family may follow: read-only, for "what's the status of my request".

A verified requester sees the tickets opened under their roster identity for the student they verified for, and
those opened from the conversation they are in. (Who they are is ``identity.verification``'s to decide; this
takes the roster ids it found.)
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ticketing.tickets.models import Ticket

MAX_LISTED = 10


def requests_of(*, db_session: Session, requester_id: int, student_id: int, sender_id: str) -> Sequence[Ticket]:
    """The verified requester's tickets about the student, and this conversation's, newest first."""
    return db_session.scalars(
        select(Ticket)
        .where(
            Ticket.purged_at.is_(None),
            or_(
                and_(
                    Ticket.requester_person_id == requester_id,
                    Ticket.student_person_id == student_id,
                ),
                Ticket.requester_ref == sender_id,
            ),
        )
        .order_by(Ticket.id.desc())
        .limit(MAX_LISTED)
    ).all()
