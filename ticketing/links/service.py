"""Link service: records links and follow links. Takes ``db_session``; never commits.

- A records link carries one attachment of a *verified* ticket to the family. It works for ``days`` days (5 by
  default) unless revoked, every opening is written to the audit log, and the file is served only through it.
- A follow link opens the family's request page (the timeline without internal notes). It works for
  ``FOLLOW_LINK_DAYS`` days if nobody opens it; once opened it lasts ``FOLLOW_LINK_VIEW_MINUTES`` more minutes
  (enough for a reload or a language switch), then it is dead.
- Tokens are 256-bit random strings; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.db import utcnow
from ticketing.audit.service import record as audit
from ticketing.links.models import FollowLink, RecordsLink
from ticketing.tickets.enums import EventKind
from ticketing.tickets.models import Ticket, TicketAttachment
from ticketing.tickets.service import append_event

FOLLOW_LINK_DAYS = 3
FOLLOW_LINK_VIEW_MINUTES = 30
MAX_TOKEN_LENGTH = 100
RECORDS_LINK_ACTOR = "family (records link)"
FOLLOW_LINK_ACTOR = "family (follow link)"


class LinkError(ValueError):
    """A link cannot be made (the message says why); nothing was changed."""


class LinkGone(LookupError):
    """The link existed but has expired or was revoked."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_records_link(
    *,
    db_session: Session,
    ticket: Ticket,
    attachment: TicketAttachment,
    actor: str,
    days: int,
    now: datetime | None = None,
) -> tuple[RecordsLink, str]:
    """A new records link for ``attachment``; returns the link and its token (to put in the family's message)."""
    if not ticket.verified:
        raise LinkError("confirm the requester's identity before sending records")
    if attachment.ticket_id != ticket.id:
        raise LinkError("that file is not on this ticket")
    if ticket.purged_at is not None:
        raise LinkError("this ticket's data was destroyed under the retention schedule")
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    link = RecordsLink(
        ticket_id=ticket.id,
        attachment_id=attachment.id,
        token_hash=_hash(token),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=days),
        open_count=0,
    )
    db_session.add(link)
    db_session.flush()
    append_event(
        ticket,
        EventKind.records_link.value,
        actor,
        attachment.filename,
        now=now,
        link_id=link.id,
        attachment_id=attachment.id,
        expires_at=link.expires_at.isoformat(),
    )
    db_session.flush()
    audit(
        db_session=db_session,
        actor=actor,
        action="records_link.created",
        ticket_id=ticket.id,
        ticket_reference=ticket.reference,
        detail={"link_id": link.id, "attachment_id": attachment.id, "days": days},
    )
    return link, token


def open_records_link(*, db_session: Session, token: str, now: datetime | None = None) -> RecordsLink | None:
    """The records link for ``token`` (counted and audited), None if unknown; ``LinkGone`` if expired or revoked."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    link = db_session.scalar(select(RecordsLink).where(RecordsLink.token_hash == _hash(token)))
    if link is None:
        return None
    gone = link.revoked_at is not None or now >= link.expires_at
    audit(
        db_session=db_session,
        actor=RECORDS_LINK_ACTOR,
        action="records_link.refused" if gone else "records_link.opened",
        ticket_id=link.ticket_id,
        ticket_reference=link.ticket.reference,
        detail={"link_id": link.id, "reason": ("revoked" if link.revoked_at else "expired") if gone else ""},
        now=now,
    )
    if gone:
        raise LinkGone(token)
    link.open_count = (link.open_count or 0) + 1
    link.last_opened_at = now
    db_session.flush()
    return link


def revoke_records_link(*, db_session: Session, ticket: Ticket, link_id: int, actor: str) -> RecordsLink:
    """Stop a records link from working."""
    link = db_session.scalar(select(RecordsLink).where(RecordsLink.id == link_id, RecordsLink.ticket_id == ticket.id))
    if link is None:
        raise LinkError("that link is not on this ticket")
    if link.revoked_at is not None:
        raise LinkError("that link was already revoked")
    link.revoked_at = utcnow()
    db_session.flush()
    audit(
        db_session=db_session,
        actor=actor,
        action="records_link.revoked",
        ticket_id=ticket.id,
        ticket_reference=ticket.reference,
        detail={"link_id": link.id},
    )
    return link


def records_links(*, db_session: Session, ticket: Ticket) -> Sequence[RecordsLink]:
    """A ticket's records links, newest first."""
    return db_session.scalars(
        select(RecordsLink).where(RecordsLink.ticket_id == ticket.id).order_by(RecordsLink.id.desc())
    ).all()


def create_follow_link(*, db_session: Session, ticket: Ticket, now: datetime | None = None) -> str:
    """A new follow link for ``ticket``; returns its token."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db_session.add(
        FollowLink(
            ticket_id=ticket.id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + timedelta(days=FOLLOW_LINK_DAYS),
        )
    )
    db_session.flush()
    return token


def open_follow_link(*, db_session: Session, token: str, now: datetime | None = None) -> Ticket | None:
    """The ticket behind a follow link (the view is audited), None if unknown; ``LinkGone`` once it has expired."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    link = db_session.scalar(select(FollowLink).where(FollowLink.token_hash == _hash(token)))
    if link is None:
        return None
    viewing_ends = link.first_opened_at + timedelta(minutes=FOLLOW_LINK_VIEW_MINUTES) if link.first_opened_at else None
    if now >= link.expires_at or (viewing_ends is not None and now >= viewing_ends) or link.ticket.purged_at:
        raise LinkGone(token)
    if link.first_opened_at is None:
        link.first_opened_at = now
    db_session.flush()
    audit(
        db_session=db_session,
        actor=FOLLOW_LINK_ACTOR,
        action="ticket.viewed_by_family",
        ticket_id=link.ticket_id,
        ticket_reference=link.ticket.reference,
        detail={"follow_link_id": link.id},
        now=now,
    )
    return link.ticket


def delete_for_ticket(*, db_session: Session, ticket_id: int) -> None:
    """Retention: every records link and follow link of a ticket whose data is destroyed (tokens stop working)."""
    db_session.execute(delete(RecordsLink).where(RecordsLink.ticket_id == ticket_id))
    db_session.execute(delete(FollowLink).where(FollowLink.ticket_id == ticket_id))
