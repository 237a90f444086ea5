"""Console pages: the queue (and its CSV), the ticket page and its actions, the dashboard.

Each handler resolves the officer (and the ticket, in scope or 404), calls the services, and redirects back with
a fixed confirmation or re-renders the page with a clear error (nothing changed). Messages to the family go
through :mod:`ticketing.family.notify`, in the family's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from core.csv import safe_cell
from core.i18n import long_date
from knowledge.district import District
from ticketing.audit.service import entries as audit_entries
from ticketing.audit.service import record as audit
from ticketing.console.deps import (
    ConsoleError,
    ConsoleUser,
    CurrentOfficer,
    CurrentTicket,
    DbSession,
    render,
    settings_of,
)
from ticketing.family.messages import category_label
from ticketing.family.notify import (
    FamilyUnreachable,
    notify_status,
    send_follow_link,
    send_records_link,
    send_reply,
)
from ticketing.helpdesk import load_helpdesk
from ticketing.links.service import LinkError, create_records_link, records_links, revoke_records_link
from ticketing.officers.service import find_officer_by_id, officers_for_ticket
from ticketing.reports.service import PERIODS, dashboard
from ticketing.routing import days_left, local_today
from ticketing.sla.service import notices_for
from ticketing.tickets.enums import EventKind, TicketCategory, TicketStatus
from ticketing.tickets.models import Ticket
from ticketing.tickets.scope import DISTRICT_WIDE, can_see
from ticketing.tickets.service import (
    OFFICE_METHODS,
    VERIFICATION_CHANNELS,
    VERIFICATION_METHODS,
    QueueFilter,
    TicketError,
    add_note,
    attachment_path,
    change_status,
    check_reply,
    find_attachment,
    mark_verified,
    reassign,
    record_reply,
    record_view,
    records_go_to_contact_on_file,
    save_attachment,
    search,
)
from ticketing.tickets.state import AWAITING_ANSWER, IllegalTransition, is_reopen, next_statuses

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
FORM_MAX = 6000

EVENT_LABELS = {
    EventKind.opened.value: "Request opened",
    EventKind.status.value: "Status changed",
    EventKind.family_message.value: "Message from the family",
    EventKind.officer_reply.value: "Reply sent to the family",
    EventKind.note.value: "Internal note",
    EventKind.attachment.value: "File added",
    EventKind.records_link.value: "Records link sent",
    EventKind.assigned.value: "Reassigned",
    EventKind.verified.value: "Identity confirmed",
    EventKind.reminder.value: "Deadline reminder",
    EventKind.escalated.value: "Escalated: overdue",
    EventKind.follow_link.value: "Follow link sent",
    EventKind.purged.value: "Personal data destroyed (retention)",
}
DONE = {
    "reply": "Reply sent to the family.",
    "note": "Note added (not shown to the family).",
    "status": "Status changed; the family was told.",
    "status_unreached": "Status changed. The family could not be told: their conversation no longer exists.",
    "assigned": "Ticket reassigned.",
    "verified": "Identity confirmed.",
    "attachment": "File added to the ticket.",
    "records_link": "Secure records link sent to the family's conversation (it verified with a code to the contact "
    "on file).",
    "records_link_sms": "Secure records link sent by SMS to the number on file of the person whose identity was "
    "confirmed (not to the conversation).",
    "records_link_email": "Secure records link sent by email to the address on file of the person whose identity "
    "was confirmed (not to the conversation).",
    "revoked": "Records link revoked; it no longer works.",
    "follow_link": "A link to follow the request was sent to the family.",
}
STATUS_NAMES = {s.value: s.value.replace("_", " ") for s in TicketStatus}


def _district(request: Request) -> District:
    district: District = request.app.state.knowledge.district
    return district


def _school_names(district: District) -> dict[str, str]:
    return {s.id: s.name for s in district.schools}


def _event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind.replace("_", " ").capitalize())


def _due_text(left: int) -> str:
    if left < 0:
        return f"overdue by {-left} day{'s' if left != -1 else ''}"
    if left == 0:
        return "due today"
    return f"{left} day{'s' if left != 1 else ''} left"


async def _queue_fields(request: Request) -> Mapping[str, Any]:
    """The queue's filter fields: the query string of the page, the form of the CSV export (a CSRF-checked POST)."""
    return await request.form() if request.method == "POST" else request.query_params


def queue_filters(request: Request, fields: Mapping[str, Any] = Depends(_queue_fields)) -> QueueFilter:
    """The queue filters the officer chose; unknown (or overlong) values are ignored."""
    district = _district(request)

    def field(name: str, default: str = "") -> str:
        value = fields.get(name, default)
        return value if isinstance(value, str) and len(value) <= 40 else default

    status, category, school = field("status", "open"), field("category"), field("school")
    return QueueFilter(
        status=status if status in {"open", "all", *STATUS_NAMES} else "open",
        category=category if category in {c.value for c in TicketCategory} else None,
        school=school if school == "none" or school in _school_names(district) else None,
        overdue=field("overdue") == "1",
        mine=field("mine") == "1",
    )


# The queue page and its CSV export show the same tickets: one set of filters, read the same way.
QueueQuery = Annotated[QueueFilter, Depends(queue_filters)]


@dataclass(frozen=True)
class _Queue:
    district: District
    today: date
    tickets: list[Ticket]
    rows: list[dict[str, Any]]


def _queue(request: Request, user: ConsoleUser, db_session: Session, filters: QueueFilter) -> _Queue:
    """The tickets ``filters`` select in the officer's scope, urgent first, with the district's today."""
    district = _district(request)
    today = local_today(district)
    tickets = list(search(db_session=db_session, officer=user.officer, filters=filters, today=today))
    return _Queue(district, today, tickets, _queue_rows(tickets, today, district))


def _queue_rows(tickets: list[Ticket], today: date, district: District) -> list[dict[str, Any]]:
    names = _school_names(district)
    rows = []
    for t in tickets:
        left = days_left(t.due_on, today)
        awaiting = t.status in AWAITING_ANSWER
        rows.append(
            {
                "ticket": t,
                "category": category_label(t.category, "en"),
                "school": names.get(t.school_id or "", t.school_id or "—"),
                "status": STATUS_NAMES[t.status.value],
                "left": left,
                "due_text": _due_text(left) if awaiting else "answered" if t.resolved_at else "—",
                "overdue": awaiting and left < 0,
            }
        )
    return rows


@router.get("")
def console_home() -> RedirectResponse:
    """The queue is the console's front page."""
    return RedirectResponse("/console/queue", status_code=303)


@router.get("/queue")
def queue_page(request: Request, user: CurrentOfficer, db_session: DbSession, filters: QueueQuery) -> Any:
    """The tickets in the officer's scope, filtered, urgent first then by due date."""
    queue = _queue(request, user, db_session, filters)
    query = {
        k: v
        for k, v in {
            "status": filters.status,
            "category": filters.category or "",
            "school": filters.school or "",
            "overdue": "1" if filters.overdue else "",
            "mine": "1" if filters.mine else "",
        }.items()
        if v
    }
    schools = [
        s for s in queue.district.schools if user.officer.role in DISTRICT_WIDE or s.id in user.officer.school_ids
    ]
    return render(
        request,
        "console/queue.html",
        user,
        nav="queue",
        rows=queue.rows,
        filters=filters,
        statuses=list(STATUS_NAMES.items()),
        categories=[(c.value, category_label(c, "en")) for c in TicketCategory],
        schools=schools,
        export_fields=query,
        notices=notices_for(db_session=db_session, officer=user.officer),
        today=queue.today,
    )


@router.post("/queue.csv")
def queue_csv(request: Request, user: CurrentOfficer, db_session: DbSession, filters: QueueQuery) -> Response:
    """The filtered queue as CSV (no family-written text); the export is audited with the references it held.

    A POST with the session's CSRF token: another site cannot make an officer's browser export (and log it).
    """
    queue = _queue(request, user, db_session, filters)
    tickets, today = queue.tickets, queue.today
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "reference", "category", "status", "priority", "school", "assignee", "channel", "language", "verified",
            "opened", "due_on", "days_left", "overdue", "answered_at", "due_citation",
        ]
    )  # fmt: skip
    for row in queue.rows:
        t: Ticket = row["ticket"]
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    t.reference,
                    t.category.value,
                    t.status.value,
                    t.priority.value,
                    t.school_id or "",
                    t.assignee_email,
                    t.channel.value,
                    t.language,
                    "yes" if t.verified else "no",
                    t.created_at.isoformat(timespec="seconds"),
                    t.due_on.isoformat(),
                    row["left"],
                    "yes" if row["overdue"] else "no",
                    t.resolved_at.isoformat(timespec="seconds") if t.resolved_at else "",
                    t.due_citation,
                )
            ]
        )
    audit(
        db_session=db_session,
        actor=user.email,
        action="queue.exported",
        detail={"count": len(tickets), "references": [t.reference for t in tickets], "status": filters.status},
    )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="queue-{today.isoformat()}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _template_values(request: Request, ticket: Ticket, user: ConsoleUser) -> dict[str, str]:
    district = _district(request)
    officer = district.contacts.district_privacy_officer
    return {
        "reference": ticket.reference,
        "category": category_label(ticket.category, ticket.language),
        "due_date": long_date(ticket.due_on, ticket.language),
        "officer_name": user.officer.name,
        "district_name": district.name,
        "office_email": district.contacts.district_privacy_officer.email,
        # The office's phone and email, as families read them (a district may give no phone).
        "office_contact": ", ".join(p for p in (officer.phone_shown, officer.email) if p),
        "link_days": str(settings_of(request).records_link_days),
    }


def _ticket_page(
    request: Request,
    db_session: Session,
    user: ConsoleUser,
    ticket: Ticket,
    *,
    status_code: int = 200,
    error: str | None = None,
    done: str | None = None,
    reply_text: str | None = None,
    note_text: str = "",
    template_id: str | None = None,
    find: str = "",
    reason_id: str | None = None,
    reason_text: str | None = None,
) -> Any:
    district = _district(request)
    settings = settings_of(request)
    helpdesk = load_helpdesk(settings.helpdesk_file)
    today = local_today(district)
    left = days_left(ticket.due_on, today)
    chosen = helpdesk.template(template_id) if template_id else None
    if reply_text is None:
        reply_text = chosen.render(ticket.language, **_template_values(request, ticket, user)) if chosen else ""
    # A rejection reason in the family's language to start from (Spanish review E64).
    reason = helpdesk.reason_template(reason_id) if reason_id else None
    if reason_text is None:
        reason_text = reason.render(ticket.language, **_template_values(request, ticket, user)) if reason else ""
    # Who viewed the ticket is for administrators only (F25): officers see the timeline, not each other's reading.
    trail = (
        audit_entries(db_session=db_session, ticket_reference=ticket.reference, limit=25)[0] if user.is_admin else []
    )
    return render(
        request,
        "console/ticket.html",
        user,
        status_code=status_code,
        nav="queue",
        ticket=ticket,
        category=category_label(ticket.category, "en"),
        status_name=STATUS_NAMES[ticket.status.value],
        school=_school_names(district).get(ticket.school_id or "", ticket.school_id),
        due_text=_due_text(left) if ticket.status in AWAITING_ANSWER else None,
        overdue=ticket.status in AWAITING_ANSWER and left < 0,
        events=[
            {"e": e, "label": _event_label(e.kind), "internal": e.kind == EventKind.note.value} for e in ticket.events
        ],
        next_statuses=[
            (s.value, STATUS_NAMES[s.value] + (" (reopen)" if is_reopen(ticket.status, s) else ""))
            for s in next_statuses(ticket.status)
        ],
        assignees=[
            o for o in officers_for_ticket(db_session=db_session, ticket=ticket) if o.email != ticket.assignee_email
        ],
        verification_methods=VERIFICATION_METHODS,
        office_methods={k: VERIFICATION_METHODS[k] for k in OFFICE_METHODS},
        verification_channel=VERIFICATION_CHANNELS.get(ticket.verification_channel or ""),
        records_to_contact_on_file=records_go_to_contact_on_file(ticket),
        requester=_roster_person(db_session, ticket.requester_person_id),
        find=find,
        matches=_roster_matches(db_session, user, district, find) if find and not ticket.verified else None,
        reply_templates=helpdesk.reply_templates,
        template_id=chosen.id if chosen else "",
        reply_text=reply_text,
        reason_templates=helpdesk.reason_templates,
        reason_id=reason.id if reason else "",
        reason_text=reason_text,
        note_text=note_text,
        links=records_links(db_session=db_session, ticket=ticket),
        trail=trail,
        error=error,
        done=DONE.get(done or ""),
        language_name="Spanish" if ticket.language == "es" else "English",
        max_mb=settings.attachment_max_bytes // 1_000_000,
        link_days=settings.records_link_days,
        now=today,
    )


def _roster_person(db_session: Session, person_id: int | None) -> Any:
    from identity.roster.models import RosterPerson

    return db_session.get(RosterPerson, person_id) if person_id else None


def _roster_matches(db_session: Session, user: ConsoleUser, district: District, name: str) -> list[Any]:
    """Roster people an officer may confirm (a school contact: only families of their schools)."""
    from identity.roster.service import find_people

    schools = None if user.officer.role in DISTRICT_WIDE else user.officer.school_ids
    return find_people(
        db_session=db_session, name=name[:120], schools=schools, known_schools=[s.id for s in district.schools]
    )


def _back(ticket: Ticket, done: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/console/tickets/{ticket.reference}?done={done}{anchor}", status_code=303)


@router.get("/tickets/{reference}")
def ticket_page(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    done: str | None = None,
    template: str | None = None,
    find: str = "",
    reason: str | None = None,
) -> Any:
    """The ticket: facts, deadline, timeline and every action (viewing it is audited)."""
    record_view(db_session=db_session, ticket=ticket, actor=user.email)
    return _ticket_page(
        request, db_session, user, ticket, done=done, template_id=template, find=find.strip(), reason_id=reason
    )


@router.post("/tickets/{reference}/reply")
def reply(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    body: str = Form("", max_length=FORM_MAX),
) -> Any:
    """Send a reply to the family on their channel, then put it on the timeline."""
    try:
        text = check_reply(body)
        delivery = send_reply(db_session=db_session, ticket=ticket, body=text)
    except (TicketError, FamilyUnreachable) as exc:
        return _ticket_page(
            request, db_session, user, ticket, status_code=400, error=f"Reply not sent: {exc}.", reply_text=body
        )
    record_reply(db_session=db_session, ticket=ticket, actor=user.email, body=text, channel=delivery.channel)
    return _back(ticket, "reply", "#timeline")


@router.post("/tickets/{reference}/note")
def note(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    body: str = Form("", max_length=FORM_MAX),
) -> Any:
    """Add an internal note."""
    try:
        add_note(db_session=db_session, ticket=ticket, actor=user.email, body=body)
    except TicketError as exc:
        return _ticket_page(
            request, db_session, user, ticket, status_code=400, error=f"Note not added: {exc}.", note_text=body
        )
    return _back(ticket, "note", "#timeline")


@router.post("/tickets/{reference}/status")
def set_status(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    status: str = Form("", max_length=40),
    reason: str = Form("", max_length=FORM_MAX),
) -> Any:
    """Change the status (the state machine decides what is allowed) and tell the family."""
    try:
        new_status = TicketStatus(status)
        change_status(db_session=db_session, ticket=ticket, status=new_status, actor=user.email, reason=reason)
    except ValueError as exc:  # IllegalTransition is a ValueError; so is an unknown status
        message = str(exc) if isinstance(exc, IllegalTransition) else "choose a status from the list"
        error = f"Status not changed: {message}."
        return _ticket_page(request, db_session, user, ticket, status_code=400, error=error, reason_text=reason)
    delivered = notify_status(db_session=db_session, ticket=ticket, public_url=settings_of(request).public_url)
    return _back(ticket, "status" if delivered else "status_unreached")


@router.post("/tickets/{reference}/assign")
def assign(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    officer_id: int = Form(0),
) -> Any:
    """Give the ticket to another officer who may see it."""
    assignee = find_officer_by_id(db_session=db_session, officer_id=officer_id)
    try:
        if assignee is None:
            raise TicketError("choose an officer from the list")
        reassign(db_session=db_session, ticket=ticket, assignee=assignee, actor=user.email)
    except TicketError as exc:
        return _ticket_page(request, db_session, user, ticket, status_code=400, error=f"Not reassigned: {exc}.")
    # The officer may have given away the last reason they could see it.
    if not can_see(user.officer, ticket):
        return RedirectResponse("/console/queue", status_code=303)
    return _back(ticket, "assigned")


@router.post("/tickets/{reference}/verify")
def verify(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    method: str = Form("", max_length=64),
    note: str = Form("", max_length=FORM_MAX),
    person: int = Form(0),
) -> Any:
    """Record that the requester's identity was confirmed, how, and whose (a roster person the officer may see)."""
    try:
        chosen = None
        if person:
            from identity.roster.models import RosterPerson

            found = db_session.get(RosterPerson, person)
            district = _district(request)
            allowed = found is not None and any(
                m.person.id == found.id
                for m in _roster_matches(db_session, user, district, f"{found.given_name} {found.family_name}")
            )
            if not allowed:
                raise TicketError("choose the person from the roster search")
            chosen = person
        mark_verified(
            db_session=db_session,
            ticket=ticket,
            actor=user.email,
            method=method,
            note=note,
            requester_person_id=chosen,
        )
    except TicketError as exc:
        return _ticket_page(request, db_session, user, ticket, status_code=400, error=f"Not verified: {exc}.")
    return _back(ticket, "verified")


@router.post("/tickets/{reference}/attachments")
def upload(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    file: UploadFile = File(...),
) -> Any:
    """Add a file (size-limited; PDF, PNG, JPEG, text or CSV, checked by content)."""
    settings = settings_of(request)
    data = file.file.read(settings.attachment_max_bytes + 1)
    try:
        if ticket.purged_at is not None:
            raise TicketError("this ticket's data was destroyed under the retention schedule")
        save_attachment(
            db_session=db_session,
            ticket=ticket,
            actor=user.email,
            filename=file.filename or "",
            declared_type=file.content_type or "",
            data=data,
            storage_dir=settings.attachments_dir,
            max_bytes=settings.attachment_max_bytes,
        )
    except TicketError as exc:
        return _ticket_page(request, db_session, user, ticket, status_code=400, error=f"File not added: {exc}.")
    return _back(ticket, "attachment", "#files")


@router.get("/tickets/{reference}/attachments/{attachment_id}")
def download(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    attachment_id: int,
) -> Any:
    """An officer downloads a file of a ticket in scope (audited)."""
    attachment = find_attachment(db_session=db_session, ticket=ticket, attachment_id=attachment_id)
    path = attachment_path(settings_of(request).attachments_dir, attachment) if attachment else None
    if attachment is None or path is None or not path.is_file():
        raise ConsoleError(404)
    record_view(db_session=db_session, ticket=ticket, actor=user.email, what="ticket.attachment_downloaded")
    return FileResponse(
        path,
        media_type=attachment.content_type,
        filename=attachment.filename,
        content_disposition_type="attachment",
        headers={"Cache-Control": "no-store"},
    )


@router.post("/tickets/{reference}/records-links")
def send_records(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    attachment_id: int = Form(0),
) -> Any:
    """Send a file to the family through a secure link that expires (only for a verified requester)."""
    settings = settings_of(request)
    attachment = find_attachment(db_session=db_session, ticket=ticket, attachment_id=attachment_id)
    try:
        if attachment is None:
            raise LinkError("choose a file of this ticket")
        with db_session.begin_nested():
            link, token = create_records_link(
                db_session=db_session,
                ticket=ticket,
                attachment=attachment,
                actor=user.email,
                days=settings.records_link_days,
            )
            where = send_records_link(
                db_session=db_session,
                ticket=ticket,
                token=token,
                expires_at=link.expires_at,
                public_url=settings.public_url,
                timezone=_district(request).timezone,
            )
            audit(
                db_session=db_session,
                actor=user.email,
                action="records_link.delivered",
                ticket_id=ticket.id,
                ticket_reference=ticket.reference,
                detail={"link_id": link.id, "to": where},
            )
    except (LinkError, FamilyUnreachable) as exc:
        db_session.expire(ticket)
        return _ticket_page(request, db_session, user, ticket, status_code=400, error=f"Records not sent: {exc}.")
    return _back(ticket, "records_link" if where == "conversation" else f"records_link_{where}", "#files")


@router.post("/tickets/{reference}/records-links/{link_id}/revoke")
def revoke_records(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
    link_id: int,
) -> Any:
    """Stop a records link from working."""
    try:
        revoke_records_link(db_session=db_session, ticket=ticket, link_id=link_id, actor=user.email)
    except LinkError as exc:
        return _ticket_page(request, db_session, user, ticket, status_code=400, error=f"Not revoked: {exc}.")
    return _back(ticket, "revoked", "#files")


@router.post("/tickets/{reference}/follow-link")
def follow_link(
    request: Request,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
) -> Any:
    """Send the family a short-lived link to the page that shows their request's history."""
    try:
        send_follow_link(db_session=db_session, ticket=ticket, public_url=settings_of(request).public_url)
    except FamilyUnreachable as exc:
        return _ticket_page(request, db_session, user, ticket, status_code=400, error=f"Link not sent: {exc}.")
    audit(
        db_session=db_session,
        actor=user.email,
        action="follow_link.sent",
        ticket_id=ticket.id,
        ticket_reference=ticket.reference,
    )
    return _back(ticket, "follow_link")


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    user: CurrentOfficer,
    db_session: DbSession,
    period: str = "all",
) -> Any:
    """Charts over the tickets in the officer's scope."""
    district = _district(request)
    period = period if period in PERIODS else "all"
    data = dashboard(
        db_session=db_session, officer=user.officer, district=district, today=local_today(district), period=period
    )
    return render(
        request,
        "console/dashboard.html",
        user,
        nav="dashboard",
        d=data,
        period=period,
        periods=[("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last 12 months"), ("all", "All time")],
    )
