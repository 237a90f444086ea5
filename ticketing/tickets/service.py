"""Ticket service: the only code that reads or writes tickets. Takes ``db_session``; never commits.

Every change of a ticket's personal data, and every officer's view of it, writes an audit entry
(:mod:`ticketing.audit.service`). A ticket's status changes only through :func:`change_status`, which checks the
transition table, stamps the time, writes the timeline entry and the audit entry; an illegal move raises
:class:`~ticketing.tickets.state.IllegalTransition`. Messages to the family are sent by the callers
(:mod:`ticketing.family.notify`), after the change.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.i18n import as_language
from knowledge.district import District
from ticketing.audit.service import record as audit
from ticketing.officers.models import Officer
from ticketing.routing import route
from ticketing.tickets.enums import Channel, EventKind, TicketCategory, TicketPriority, TicketStatus
from ticketing.tickets.models import Ticket, TicketAttachment, TicketEvent
from ticketing.tickets.scope import could_take, visible_to
from ticketing.tickets.state import (
    ANSWERED,
    AWAITING_ANSWER,
    OPEN,
    TERMINAL,
    check_transition,
    is_reopen,
)

# No 0/O or 1/I/L: references are read aloud and typed on phones.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TIMELINE_KIND_MAX = 32
MAX_TEXT = 5000
FAMILY = "family"
SYSTEM = "system"
OPEN_STATUSES = OPEN
# What a purged ticket's conversation becomes: the ticket no longer points at anyone.
PURGED_REF = "purged"
CODE_VERIFIED = "code_to_contact_on_file"
VERIFICATION_METHODS = {
    CODE_VERIFIED: "one-time code to the contact on file",
    "in_person_id": "photo ID checked in person",
    "callback_on_file": "call-back to the phone number on file",
    "signed_form": "signed request form matched to the record",
}
# The methods an officer records, and the channel each confirmed the identity through.
OFFICE_METHODS = {"in_person_id": "in_person", "callback_on_file": "phone", "signed_form": "form"}
VERIFICATION_CHANNELS = {
    "sms": "by SMS to the number on file",
    "email": "by email to the address on file",
    "phone": "by telephone, calling the number on file",
    "in_person": "in person, at the office",
    "form": "by a signed form matched to the record",
}


class TicketError(ValueError):
    """Bad input for a ticket action, with a message for the officer; nothing was changed."""


def new_reference() -> str:
    """An unguessable, easy-to-read reference such as ``RD-7K2M-9QXD``."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"RD-{chars[:4]}-{chars[4:]}"


def append_event(
    ticket: Ticket,
    kind: str,
    actor: str,
    body: str = "",
    data: Mapping[str, object] | None = None,
    *,
    now: datetime | None = None,
    **fields: object,
) -> TicketEvent:
    """Put one entry on ``ticket``'s timeline and stamp the ticket; the only code that builds a timeline entry.

    Not audited here: for the help desk's own modules (links, SLA, retention), which audit the change that
    caused it; any other module uses :func:`add_timeline_event`.
    """
    now = now or utcnow()
    event = TicketEvent(kind=kind, actor=actor[:254], body=body, data={**(data or {}), **fields}, created_at=now)
    ticket.events.append(event)
    ticket.updated_at = now
    return event


def _audit(db_session: Session, ticket: Ticket, actor: str, action: str, **detail: object) -> None:
    audit(
        db_session=db_session,
        actor=actor,
        action=action,
        ticket_id=ticket.id,
        ticket_reference=ticket.reference,
        detail=detail,
    )


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise TicketError(f"the {what} is empty")
    if len(value) > MAX_TEXT:
        raise TicketError(f"the {what} is longer than {MAX_TEXT} characters")
    return value


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
    requester_person_id: int | None = None,
    student_person_id: int | None = None,
    verification_channel: str | None = None,
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
        language=as_language(language),
        requester_ref=requester_ref,
        requester_person_id=requester_person_id,
        student_person_id=student_person_id,
        verified=verified,
        verified_at=now if verified else None,
        verified_by=SYSTEM if verified else None,
        verification_method=CODE_VERIFIED if verified else None,
        verification_channel=verification_channel if verified else None,
        school_id=school_id,
        assignee_email=routed.assignee_email,
        summary=summary,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        due_on=routed.due_on,
        due_citation=routed.due_citation,
        reopened_count=0,
    )
    append_event(ticket, EventKind.opened.value, FAMILY, summary, now=now)
    db_session.add(ticket)
    db_session.flush()
    _audit(db_session, ticket, FAMILY, "ticket.opened", category=category.value, channel=channel.value)
    return ticket


def change_status(*, db_session: Session, ticket: Ticket, status: TicketStatus, actor: str, reason: str = "") -> Ticket:
    """Move ``ticket`` to ``status`` if the state machine allows it; stamp, record and audit the change."""
    current = ticket.status
    check_transition(current, status, reason)
    now = utcnow()
    reopened = is_reopen(current, status)
    reason = reason.strip()
    body = f"{current.value} -> {status.value}" + (f": {reason}" if reason else "")
    append_event(
        ticket, EventKind.status.value, actor, body, {"from": current.value, "to": status.value, "reopened": reopened}
    )
    ticket.status = status
    ticket.status_changed_at = now
    if status in ANSWERED:
        ticket.resolved_at = now
    if status in TERMINAL:
        ticket.closed_at = now
    if status is TicketStatus.rejected:
        ticket.rejection_reason = reason
    if reopened:
        ticket.reopened_count = (ticket.reopened_count or 0) + 1
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.rejection_reason = None
    db_session.flush()
    _audit(
        db_session,
        ticket,
        actor,
        "ticket.reopened" if reopened else "ticket.status_changed",
        **{"from": current.value, "to": status.value},
    )
    return ticket


def reassign(*, db_session: Session, ticket: Ticket, assignee: Officer, actor: str) -> TicketEvent:
    """Give ``ticket`` to ``assignee`` (who must be able to see it)."""
    if not assignee.active:
        raise TicketError(f"{assignee.email} is not an active officer")
    if assignee.email == ticket.assignee_email:
        raise TicketError(f"the ticket is already assigned to {assignee.email}")
    if not could_take(assignee, ticket):
        raise TicketError(f"{assignee.email} cannot see tickets of this school")
    previous = ticket.assignee_email
    ticket.assignee_email = assignee.email
    event = append_event(
        ticket,
        EventKind.assigned.value,
        actor,
        f"{previous} -> {assignee.email}",
        {"from": previous, "to": assignee.email},
    )
    db_session.flush()
    _audit(db_session, ticket, actor, "ticket.assigned", **{"from": previous, "to": assignee.email})
    return event


def mark_verified(
    *,
    db_session: Session,
    ticket: Ticket,
    actor: str,
    method: str,
    note: str = "",
    requester_person_id: int | None = None,
) -> TicketEvent:
    """Record that the office confirmed the requester's identity, how, and who (a roster person).

    The office names the roster person whose identity it confirmed (unless the ticket is already linked to one):
    records of a ticket verified this way go to that person's contact on file, never to whoever holds the
    conversation the request came from (F9).
    """
    if ticket.verified:
        raise TicketError("the requester is already verified")
    if method not in OFFICE_METHODS:
        raise TicketError("choose how the identity was confirmed")
    if len(note) > MAX_TEXT:
        raise TicketError(f"the note is longer than {MAX_TEXT} characters")
    person = requester_person_id or ticket.requester_person_id
    if person is None:
        raise TicketError("name the roster person whose identity you confirmed (find them by name)")
    now = utcnow()
    ticket.verified = True
    ticket.verified_at = now
    ticket.verified_by = actor
    ticket.verification_method = method
    ticket.verification_channel = OFFICE_METHODS[method]
    ticket.requester_person_id = person
    event = append_event(ticket, EventKind.verified.value, actor, note.strip(), method=method, person=person)
    db_session.flush()
    _audit(db_session, ticket, actor, "ticket.verified", method=method, person=person)
    return event


def records_go_to_contact_on_file(ticket: Ticket) -> bool:
    """Whether records of ``ticket`` go to the requester's contact on file rather than to the conversation.

    Only a conversation that itself proved control of the contact on file (the one-time code) receives records;
    for a ticket the office verified another way, the link goes to the contact on file of the person confirmed.
    """
    return ticket.verification_method != CODE_VERIFIED


def add_note(*, db_session: Session, ticket: Ticket, actor: str, body: str) -> TicketEvent:
    """An internal note (never shown to the family)."""
    event = append_event(ticket, EventKind.note.value, actor, _text(body, "note"))
    db_session.flush()
    _audit(db_session, ticket, actor, "ticket.note_added", event_id=event.id)
    return event


def record_reply(*, db_session: Session, ticket: Ticket, actor: str, body: str, channel: str) -> TicketEvent:
    """Record an officer's reply that was delivered to the family on ``channel``."""
    event = append_event(ticket, EventKind.officer_reply.value, actor, _text(body, "reply"), channel=channel)
    db_session.flush()
    _audit(db_session, ticket, actor, "ticket.replied", event_id=event.id, channel=channel)
    return event


def check_reply(body: str) -> str:
    """The reply text, stripped, or ``TicketError`` (call before sending anything)."""
    return _text(body, "reply")


def record_view(*, db_session: Session, ticket: Ticket, actor: str, what: str = "ticket.viewed") -> None:
    """Audit that ``actor`` saw the ticket's personal data."""
    _audit(db_session, ticket, actor, what)


def add_timeline_event(*, db_session: Session, ticket: Ticket, kind: str, actor: str, body: str) -> TicketEvent:
    """Append one entry to ``ticket``'s timeline (for other modules: channels add ``family_message`` entries).

    ``kind`` is snake_case, at most 32 characters (see :class:`~ticketing.tickets.enums.EventKind`; a kind the
    help desk does not know is shown to officers and hidden from the family). The change is audited.
    """
    if not re.fullmatch(r"[a-z][a-z_]{0,31}", kind or ""):
        raise ValueError(f"not a timeline kind: {kind!r}")
    event = append_event(ticket, kind, actor, body)
    db_session.flush()
    _audit(db_session, ticket, actor, "ticket.timeline_added", kind=kind, event_id=event.id)
    return event


def find_ticket_by_requester(*, db_session: Session, requester_ref: str) -> Ticket | None:
    """The latest ticket of conversation ``requester_ref`` that is not closed or rejected, or None."""
    return db_session.scalars(
        select(Ticket)
        .where(Ticket.requester_ref == requester_ref, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc())
        .limit(1)
    ).first()


# A question ticket in one of these states is done with: asking for a person again opens a new one.
FINISHED_STATUSES = frozenset({TicketStatus.resolved, TicketStatus.closed, TicketStatus.rejected})


def ask_for_a_person(
    *,
    db_session: Session,
    district: District,
    channel: Channel,
    language: str,
    requester_ref: str,
    summary: str,
    now: datetime | None = None,
) -> tuple[Ticket, bool]:
    """The conversation's open ``question`` ticket, or a new one: ``(ticket, reused)``.

    However a person is asked for ("talk to a person", or the assistant failing to understand twice), one
    conversation has at most one open question ticket; asking again reuses it, so nobody can flood the privacy
    office's queue with tickets that carry deadlines.
    """
    existing = db_session.scalar(
        select(Ticket)
        .where(
            Ticket.requester_ref == requester_ref,
            Ticket.category == TicketCategory.question,
            Ticket.status.not_in(FINISHED_STATUSES),
        )
        .order_by(Ticket.id.desc())
        .limit(1)
    )
    if existing is not None:
        return existing, True
    ticket = open_ticket(
        db_session=db_session,
        district=district,
        category=TicketCategory.question,
        channel=channel,
        language=language,
        requester_ref=requester_ref,
        summary=summary,
        now=now,
    )
    return ticket, False


def tickets_for_requester(*, db_session: Session, requester_ref: str) -> Sequence[Ticket]:
    """The tickets opened from one conversation, newest first."""
    return db_session.scalars(
        select(Ticket).where(Ticket.requester_ref == requester_ref).order_by(Ticket.id.desc())
    ).all()


def family_requests(
    *, db_session: Session, requester_person_id: int, student_person_id: int, requester_ref: str, limit: int = 10
) -> Sequence[Ticket]:
    """What a verified family may follow, newest first (purged tickets are gone).

    The tickets opened under the requester's roster identity for that student, and those opened from their
    conversation (``requester_ref``).
    """
    return db_session.scalars(
        select(Ticket)
        .where(
            Ticket.purged_at.is_(None),
            or_(
                and_(Ticket.requester_person_id == requester_person_id, Ticket.student_person_id == student_person_id),
                Ticket.requester_ref == requester_ref,
            ),
        )
        .order_by(Ticket.id.desc())
        .limit(limit)
    ).all()


def queue(*, db_session: Session, assignee_email: str | None = None) -> Sequence[Ticket]:
    """Open tickets by due date (all of them, or one assignee's)."""
    stmt = select(Ticket).where(Ticket.status.not_in(TERMINAL))
    if assignee_email:
        stmt = stmt.where(Ticket.assignee_email == assignee_email)
    return db_session.scalars(stmt.order_by(Ticket.due_on, Ticket.id)).all()


@dataclass(frozen=True)
class QueueFilter:
    """What the console's queue shows.

    ``status`` is a status value, ``"open"`` or ``"all"``; ``school`` is a school id or ``"none"``.
    """

    status: str = "open"
    category: str | None = None
    school: str | None = None
    overdue: bool = False
    mine: bool = False


def search(*, db_session: Session, officer: Officer, filters: QueueFilter, today: date) -> Sequence[Ticket]:
    """The tickets ``officer`` may see that match ``filters``: urgent first, then by due date."""
    stmt = select(Ticket).where(visible_to(officer))
    if filters.status == "open":
        stmt = stmt.where(Ticket.status.in_(OPEN))
    elif filters.status != "all":
        stmt = stmt.where(Ticket.status == TicketStatus(filters.status))
    if filters.category:
        stmt = stmt.where(Ticket.category == TicketCategory(filters.category))
    if filters.school == "none":
        stmt = stmt.where(Ticket.school_id.is_(None))
    elif filters.school:
        stmt = stmt.where(Ticket.school_id == filters.school)
    if filters.overdue:
        stmt = stmt.where(Ticket.due_on < today, Ticket.status.in_(AWAITING_ANSWER))
    if filters.mine:
        stmt = stmt.where(Ticket.assignee_email == officer.email)
    urgent_first = (Ticket.priority == TicketPriority.urgent).desc()
    return db_session.scalars(stmt.order_by(urgent_first, Ticket.due_on, Ticket.id)).all()


def ticket_in_scope(*, db_session: Session, officer: Officer, reference: str) -> Ticket | None:
    """The ticket with ``reference`` if ``officer`` may see it (None otherwise: callers answer 404)."""
    if len(reference) > 20:
        return None
    return db_session.scalar(select(Ticket).where(Ticket.reference == reference, visible_to(officer)))


def due_for_purge(*, db_session: Session, closed_before: datetime) -> Sequence[Ticket]:
    """Closed or rejected tickets not yet purged whose end (``closed_at``) is on or before ``closed_before``."""
    ended = func.coalesce(Ticket.closed_at, Ticket.updated_at)
    return db_session.scalars(
        select(Ticket)
        .where(Ticket.status.in_(TERMINAL), Ticket.purged_at.is_(None), ended <= closed_before)
        .order_by(Ticket.id)
    ).all()


def live_requester_refs() -> Select[tuple[str]]:
    """The conversations (by pseudonym) that a ticket not yet purged still needs, as a subquery."""
    return select(Ticket.requester_ref).where(Ticket.purged_at.is_(None))


def destroy_personal_data(*, db_session: Session, ticket: Ticket, actor: str, now: datetime) -> None:
    """Retention: keep only what reports need, and mark the ticket purged (see :mod:`ticketing.retention`).

    The summary, rejection reason, roster links and conversation are erased; every timeline entry keeps its kind,
    author and time but loses its text and details; attachment rows go (their files are the caller's). A last
    ``purged`` entry is added. Audited by the caller, with counts.
    """
    db_session.execute(delete(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id))
    db_session.execute(update(TicketEvent).where(TicketEvent.ticket_id == ticket.id).values(body="", data={}))
    db_session.expire(ticket)
    ticket.summary = ""
    ticket.rejection_reason = None
    ticket.requester_ref = PURGED_REF
    ticket.requester_person_id = None
    ticket.student_person_id = None
    ticket.purged_at = now
    append_event(ticket, EventKind.purged.value, actor, now=now)
    db_session.flush()


# --- attachments -------------------------------------------------------------------------------------------------

ALLOWED_TYPES = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
}
_GENERIC_TYPES = {"", "application/octet-stream"}
# Markup in a "text" file (HTML, SVG, XML, a script): a browser could be talked into rendering it (F24).
_MARKUP = re.compile(
    rb"<\s*(?:[!?]|/?\s*(?:html|head|body|script|svg|iframe|object|embed|img|a|meta|link|style|xml|math|form|input|div|span|p|b|i)\b)",
    re.IGNORECASE,
)
# Active content in a PDF: scripts and actions that run or open something when the file is viewed.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|OpenAction|AA|RichMedia|XFA)\b")


def _sniff(data: bytes) -> str | None:
    """The content type the bytes really are (only the types we accept)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def safe_filename(name: str) -> str:
    """A display name without paths, control characters or quotes (at most 120 characters)."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c if (c.isalnum() or c in " .-_()") else "_" for c in name).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 120 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else name[:120]
    return name or "file"


def check_attachment(filename: str, declared_type: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """(safe file name, content type) for an upload, or ``TicketError`` saying what is wrong."""
    if not data:
        raise TicketError("the file is empty")
    if len(data) > max_bytes:
        raise TicketError(f"the file is larger than {max_bytes // 1_000_000} MB")
    name = safe_filename(filename)
    extension = os.path.splitext(name)[1].lower()
    sniffed = _sniff(data)
    if sniffed == "text/plain" and extension == ".csv":
        sniffed = "text/csv"
    if sniffed is None or extension not in ALLOWED_TYPES.get(sniffed, ()):
        raise TicketError("only PDF, PNG, JPEG, plain-text and CSV files are accepted, with a matching file name")
    if sniffed.startswith("text/") and _MARKUP.search(data):
        raise TicketError("this text file contains markup (HTML, SVG or a script); save it as PDF or plain text")
    if sniffed == "application/pdf" and _PDF_ACTIVE.search(data):
        raise TicketError("this PDF contains scripts or automatic actions; print it to a new PDF first")
    declared = declared_type.split(";")[0].strip().lower()
    if (
        declared not in _GENERIC_TYPES
        and declared != sniffed
        and not (declared.startswith("text/") and sniffed.startswith("text/"))
    ):
        raise TicketError(f"the file says it is {declared} but its content is {sniffed}")
    return name, sniffed


def save_attachment(
    *,
    db_session: Session,
    ticket: Ticket,
    actor: str,
    filename: str,
    declared_type: str,
    data: bytes,
    storage_dir: Path,
    max_bytes: int,
) -> TicketAttachment:
    """Check and store an uploaded file under ``storage_dir`` (by a random name) and put it on the timeline."""
    name, content_type = check_attachment(filename, declared_type, data, max_bytes)
    storage_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    storage_name = secrets.token_hex(24)
    path = storage_dir / storage_name
    tmp = path.with_suffix(".part")
    with open(tmp, "xb") as fh:
        fh.write(data)
    tmp.chmod(0o600)
    tmp.replace(path)
    try:
        attachment = TicketAttachment(
            filename=name,
            content_type=content_type,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_name=storage_name,
            uploaded_by=actor,
        )
        ticket.attachments.append(attachment)
        db_session.flush()
        append_event(ticket, EventKind.attachment.value, actor, name, attachment_id=attachment.id, size=len(data))
        db_session.flush()
        _audit(db_session, ticket, actor, "ticket.attachment_added", attachment_id=attachment.id, size=len(data))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


def attachment_path(storage_dir: Path, attachment: TicketAttachment) -> Path:
    """Where an attachment's bytes are."""
    return storage_dir / attachment.storage_name


def find_attachment(*, db_session: Session, ticket: Ticket, attachment_id: int) -> TicketAttachment | None:
    """One of ``ticket``'s attachments."""
    return db_session.scalar(
        select(TicketAttachment).where(TicketAttachment.id == attachment_id, TicketAttachment.ticket_id == ticket.id)
    )
