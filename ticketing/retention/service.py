"""The tickets' part of ``rightsdesk purge``: destroy their personal data past retention. Takes ``db_session``.

For every closed or rejected ticket whose ``closed_at`` is more than ``retention.closed_ticket_days`` ago:

- the ticket keeps only what reports need (reference, category, status, priority, channel, language, school,
  assignee, dates, verified flag); its summary, rejection reason, roster links and conversation id are erased;
- every timeline entry keeps its kind, author and time, but its text and details are erased;
- attachment files are deleted from disk, with their rows and any records or follow links;
- one audit entry per ticket records the destruction (counts only).

Each part is its owner's function (:func:`ticketing.tickets.service.destroy_personal_data`,
:func:`ticketing.links.service.delete_for_ticket`); this module decides which tickets are due. The conversation a
request came from is not the tickets' to destroy: the report names it (``ended``, by pseudonym) once no other live
ticket needs it, and :func:`conversations.service.purge` destroys its messages. A dry run reports exactly the
same counts and changes nothing (not even the audit log). :mod:`rightsdesk.retention` runs every domain's purge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.district import RetentionPeriods
from ticketing.audit.service import record as audit
from ticketing.links.service import delete_for_ticket
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import destroy_personal_data, due_for_purge

log = logging.getLogger(__name__)
ACTOR = "system (retention)"


@dataclass
class PurgedTicket:
    """What was (or would be) destroyed for one ticket."""

    reference: str
    closed_at: datetime
    timeline_entries: int
    attachments: int


@dataclass
class PurgeReport:
    """The whole run, and the conversations no live ticket needs any more (by pseudonym)."""

    dry_run: bool
    closed_before: datetime
    tickets: list[PurgedTicket] = field(default_factory=list)
    ended: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """What went, by kind (for the audit log and a later report)."""
        return {
            "tickets": len(self.tickets),
            "timeline_entries": sum(t.timeline_entries for t in self.tickets),
            "attachments": sum(t.attachments for t in self.tickets),
        }

    def lines(self) -> list[str]:
        """A readable report, one line per ticket, then the total."""
        verb = "would destroy" if self.dry_run else "destroyed"
        out = [
            f"{t.reference} (closed {t.closed_at:%Y-%m-%d}): {verb} the summary, {t.timeline_entries} timeline "
            f"text(s), {t.attachments} attachment(s)"
            for t in self.tickets
        ]
        out.append(
            f"{len(self.tickets)} ticket(s) closed before {self.closed_before:%Y-%m-%d}"
            + (" — dry run, nothing changed" if self.dry_run else "")
        )
        return out


def purge(
    *,
    db_session: Session,
    now: datetime,
    policy: RetentionPeriods,
    dry_run: bool = False,
    attachments_dir: Path,
) -> PurgeReport:
    """Destroy (or, with ``dry_run``, only report) the personal data of tickets past ``policy``'s period."""
    closed_before = now - timedelta(days=policy.closed_ticket_days)
    report = PurgeReport(dry_run=dry_run, closed_before=closed_before)
    due = due_for_purge(db_session=db_session, closed_before=closed_before)
    due_ids = {t.id for t in due}
    for ticket in due:
        ref = ticket.requester_ref
        others_live = db_session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.requester_ref == ref, Ticket.purged_at.is_(None), Ticket.id.not_in(due_ids))
        )
        if not others_live:
            report.ended.add(ref)
        item = PurgedTicket(
            reference=ticket.reference,
            closed_at=ticket.closed_at or ticket.updated_at,
            timeline_entries=sum(1 for e in ticket.events if e.body or e.data),
            attachments=len(ticket.attachments),
        )
        report.tickets.append(item)
        if dry_run:
            continue
        for attachment in ticket.attachments:
            (attachments_dir / attachment.storage_name).unlink(missing_ok=True)
        delete_for_ticket(db_session=db_session, ticket_id=ticket.id)
        destroy_personal_data(db_session=db_session, ticket=ticket, actor=ACTOR, now=now)
        audit(
            db_session=db_session,
            actor=ACTOR,
            action="ticket.purged",
            ticket_id=ticket.id,
            ticket_reference=ticket.reference,
            detail={"timeline_entries": item.timeline_entries, "attachments": item.attachments},
            now=now,
        )
        log.info("purged ticket %s", ticket.reference)
    return report
