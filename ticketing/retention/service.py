"""``rightsdesk purge``: destroy personal data past the district's retention periods. Takes ``db_session``.

For every closed or rejected ticket whose ``closed_at`` is more than ``retention.closed_ticket_days`` ago:

- the ticket keeps only what reports need (reference, category, status, priority, channel, language, school,
  assignee, dates, verified flag); its summary, rejection reason, roster links and conversation id are erased;
- every timeline entry keeps its kind, author and time, but its text and details are erased;
- attachment files are deleted from disk, with their rows and any records or follow links;
- the messages of the conversation the request came from are deleted, once no other live ticket needs them;
- one audit entry per ticket records the destruction (counts only).

Conversations with no live ticket that have been idle longer than ``retention.conversation_days`` lose their
messages too, and the contact kept on them (an SMS number, encrypted, with its keyed hash) and their last SMS
options. A dry run reports exactly the same counts and changes nothing (not even the audit log).

The report names the conversations (by pseudonym) whose messages went, so the caller can destroy what Rasa's
tracker store holds about them too (:mod:`channels.tracker_store`), and :func:`live_senders` names those still in
use.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from conversations.models import Conversation, ConversationMessage
from core.db import utcnow
from knowledge.district import District
from ticketing.audit.service import record as audit
from ticketing.links.models import FollowLink, RecordsLink
from ticketing.tickets.enums import EventKind
from ticketing.tickets.models import Ticket, TicketAttachment, TicketEvent
from ticketing.tickets.state import TERMINAL

log = logging.getLogger(__name__)
PURGED_REF = "purged"
ACTOR = "system (retention)"


@dataclass
class PurgedTicket:
    """What was (or would be) destroyed for one ticket."""

    reference: str
    closed_at: datetime
    timeline_entries: int
    attachments: int
    conversation_messages: int


@dataclass
class PurgeReport:
    """The whole run."""

    dry_run: bool
    closed_before: datetime
    idle_before: datetime
    tickets: list[PurgedTicket] = field(default_factory=list)
    idle_conversations: int = 0
    idle_conversation_messages: int = 0
    contacts_forgotten: int = 0
    senders: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """What went, by kind (for the audit log and a later report)."""
        return {
            "tickets": len(self.tickets),
            "timeline_entries": sum(t.timeline_entries for t in self.tickets),
            "attachments": sum(t.attachments for t in self.tickets),
            "conversation_messages": sum(t.conversation_messages for t in self.tickets)
            + self.idle_conversation_messages,
            "idle_conversations": self.idle_conversations,
            "contacts": self.contacts_forgotten,
        }

    def lines(self) -> list[str]:
        """A readable report, one line per ticket, then the totals."""
        verb = "would destroy" if self.dry_run else "destroyed"
        out = [
            f"{t.reference} (closed {t.closed_at:%Y-%m-%d}): {verb} the summary, {t.timeline_entries} timeline "
            f"text(s), {t.attachments} attachment(s), {t.conversation_messages} conversation message(s)"
            for t in self.tickets
        ]
        out.append(
            f"{len(self.tickets)} ticket(s) closed before {self.closed_before:%Y-%m-%d}; "
            f"{self.idle_conversations} idle conversation(s) ({self.idle_conversation_messages} message(s)) "
            f"inactive since before {self.idle_before:%Y-%m-%d}"
            + (" — dry run, nothing changed" if self.dry_run else "")
        )
        return out


def live_senders(*, db_session: Session, idle_before: datetime) -> set[str]:
    """Conversations (by pseudonym) still in use: active since ``idle_before``, or with a ticket not purged."""
    active = db_session.scalars(select(Conversation.rasa_sender).where(Conversation.last_active_at > idle_before))
    ticketed = db_session.scalars(select(Ticket.requester_ref).where(Ticket.purged_at.is_(None)))
    return set(active) | set(ticketed)


def _conversation_id(db_session: Session, requester_ref: str) -> int | None:
    return db_session.scalar(select(Conversation.id).where(Conversation.rasa_sender == requester_ref))


def _count_messages(db_session: Session, conversation_id: int | None) -> int:
    if conversation_id is None:
        return 0
    return int(
        db_session.scalar(
            select(func.count())
            .select_from(ConversationMessage)
            .where(ConversationMessage.conversation_id == conversation_id)
        )
        or 0
    )


def purge(
    *,
    db_session: Session,
    district: District,
    attachments_dir: Path,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PurgeReport:
    """Destroy (or, with ``dry_run``, only report) personal data past the retention periods."""
    now = now or utcnow()
    closed_before = now - timedelta(days=district.retention.closed_ticket_days)
    idle_before = now - timedelta(days=district.retention.conversation_days)
    report = PurgeReport(dry_run=dry_run, closed_before=closed_before, idle_before=idle_before)
    ended = func.coalesce(Ticket.closed_at, Ticket.updated_at)
    due = db_session.scalars(
        select(Ticket)
        .where(Ticket.status.in_(TERMINAL), Ticket.purged_at.is_(None), ended <= closed_before)
        .order_by(Ticket.id)
    ).all()
    due_ids = {t.id for t in due}
    done_refs: set[str] = set()
    for ticket in due:
        ref = ticket.requester_ref
        others_live = db_session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.requester_ref == ref, Ticket.purged_at.is_(None), Ticket.id.not_in(due_ids))
        )
        conversation_id = None if others_live or ref in done_refs else _conversation_id(db_session, ref)
        item = PurgedTicket(
            reference=ticket.reference,
            closed_at=ticket.closed_at or ticket.updated_at,
            timeline_entries=sum(1 for e in ticket.events if e.body or e.data),
            attachments=len(ticket.attachments),
            conversation_messages=_count_messages(db_session, conversation_id),
        )
        report.tickets.append(item)
        if conversation_id is not None:
            report.senders.add(ref)
        if dry_run:
            done_refs.add(ref)
            continue
        for attachment in ticket.attachments:
            (attachments_dir / attachment.storage_name).unlink(missing_ok=True)
        db_session.execute(delete(RecordsLink).where(RecordsLink.ticket_id == ticket.id))
        db_session.execute(delete(FollowLink).where(FollowLink.ticket_id == ticket.id))
        db_session.execute(delete(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id))
        db_session.execute(update(TicketEvent).where(TicketEvent.ticket_id == ticket.id).values(body="", data={}))
        if conversation_id is not None:
            db_session.execute(
                delete(ConversationMessage).where(ConversationMessage.conversation_id == conversation_id)
            )
        db_session.expire(ticket)
        ticket.summary = ""
        ticket.rejection_reason = None
        ticket.requester_ref = PURGED_REF
        ticket.requester_person_id = None
        ticket.student_person_id = None
        ticket.purged_at = now
        db_session.add(
            TicketEvent(ticket_id=ticket.id, kind=EventKind.purged.value, actor=ACTOR, body="", data={}, created_at=now)
        )
        db_session.flush()
        audit(
            db_session=db_session,
            actor=ACTOR,
            action="ticket.purged",
            ticket_id=ticket.id,
            ticket_reference=ticket.reference,
            detail={
                "timeline_entries": item.timeline_entries,
                "attachments": item.attachments,
                "conversation_messages": item.conversation_messages,
            },
            now=now,
        )
        done_refs.add(ref)
        log.info("purged ticket %s", ticket.reference)

    live_refs = select(Ticket.requester_ref).where(Ticket.purged_at.is_(None))
    idle_where = (Conversation.last_active_at <= idle_before, Conversation.rasa_sender.not_in(live_refs))
    idle = db_session.execute(
        select(Conversation.id, Conversation.rasa_sender, func.count(ConversationMessage.id))
        .join(ConversationMessage, ConversationMessage.conversation_id == Conversation.id)
        .where(*idle_where)
        .group_by(Conversation.id, Conversation.rasa_sender)
    ).all()
    report.idle_conversations = len(idle)
    report.idle_conversation_messages = sum(int(count) for _, _, count in idle)
    report.senders.update(sender for _, sender, _ in idle)
    with_contact = list(
        db_session.scalars(
            select(Conversation.id).where(
                *idle_where,
                (Conversation.contact_encrypted.is_not(None)) | (Conversation.contact_hash.is_not(None)),
            )
        )
    )
    report.contacts_forgotten = len(with_contact)
    if with_contact and not dry_run:
        db_session.execute(
            update(Conversation)
            .where(Conversation.id.in_(with_contact))
            .values(contact_encrypted=None, contact_hash=None, sms_options=None)
            .execution_options(synchronize_session=False)
        )
    if idle and not dry_run:
        db_session.execute(
            delete(ConversationMessage).where(ConversationMessage.conversation_id.in_([cid for cid, _, _ in idle]))
        )
        audit(
            db_session=db_session,
            actor=ACTOR,
            action="conversations.purged",
            detail={"conversations": report.idle_conversations, "messages": report.idle_conversation_messages},
            now=now,
        )
    return report
