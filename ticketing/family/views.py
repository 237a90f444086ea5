"""Family pages: a request's history, and records delivered by a secure link.

``/request/<token>`` shows a request's status and history without internal notes; ``/records/<token>`` serves a
records file. Both are reached only through links the office sent; every use is audited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from core.deps import DB
from core.pages import add_templates, page_language, render_page
from ticketing.family.messages import category_label, long_date, status_label
from ticketing.links.service import LinkGone, open_follow_link, open_records_link
from ticketing.tickets.enums import FAMILY_VISIBLE_KINDS, EventKind, TicketStatus
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import attachment_path

router = APIRouter(tags=["pages"], include_in_schema=False)
add_templates(Path(__file__).parent / "templates")

TEXT = {
    "en": {
        "title": "Your request",
        "reference": "Reference",
        "type": "Type of request",
        "status": "Status",
        "due": "The district must answer by",
        "history": "History",
        "opened": "You opened the request",
        "status_change": "Status changed to",
        "reason": "Reason",
        "you": "You wrote",
        "office": "The privacy office wrote",
        "records": "Records sent by a secure link",
        "reply_hint": "To answer, write in the same conversation where you opened the request.",
        "gone_title": "This link no longer works",
        "gone": "Links to requests and records stop working after a while, to protect your family's privacy. Ask "
        "the privacy office for a new one in the chat, or write to {email}.",
        "missing_title": "Link not found",
        "missing": "This link is not valid. Check that you copied all of it, or ask the privacy office for a new "
        "one in the chat, or write to {email}.",
    },
    "es": {
        "title": "Su solicitud",
        "reference": "Número de referencia",
        "type": "Tipo de solicitud",
        "status": "Estado de la solicitud",
        "due": "El distrito debe responder a más tardar el",
        "history": "Historial",
        "opened": "Usted hizo la solicitud",
        "status_change": "El estado de la solicitud cambió a",
        "reason": "Motivo",
        "you": "Usted escribió",
        "office": "La oficina de privacidad escribió",
        "records": "Documentos enviados por un enlace seguro",
        "reply_hint": "Para responder, escriba en la misma conversación donde hizo la solicitud.",
        "gone_title": "Este enlace ya no funciona",
        "gone": "Los enlaces a solicitudes y documentos dejan de funcionar después de un tiempo, para proteger la "
        "privacidad de su familia. Pida uno nuevo a la oficina de privacidad en el chat o escriba a {email}.",
        "missing_title": "Enlace no encontrado",
        "missing": "Este enlace no es válido. Revise que haya copiado el enlace completo, o pida uno nuevo a la "
        "oficina de privacidad en el chat o escriba a {email}.",
    },
}


def _entries(ticket: Ticket, lang: str, zone: ZoneInfo) -> list[dict[str, str]]:
    x = TEXT[lang]
    out = []
    for event in ticket.events:
        if event.kind not in FAMILY_VISIBLE_KINDS:
            continue
        when = long_date(event.created_at.astimezone(zone).date(), lang)
        if event.kind == EventKind.status.value:
            to = (event.data or {}).get("to")
            if to not in {s.value for s in TicketStatus}:
                continue
            heading = f"{x['status_change']}: {status_label(TicketStatus(to), lang)}"
            body = ""
            if to == TicketStatus.rejected.value and ticket.rejection_reason:
                body = f"{x['reason']}: {ticket.rejection_reason}"
            out.append({"when": when, "heading": heading, "body": body, "kind": event.kind})
            continue
        heading = {
            EventKind.opened.value: x["opened"],
            EventKind.family_message.value: x["you"],
            EventKind.officer_reply.value: x["office"],
            EventKind.records_link.value: x["records"],
        }[event.kind]
        out.append({"when": when, "heading": heading, "body": event.body, "kind": event.kind})
    return out


def _gone(request: Request, lang: str, key: str, status_code: int) -> Any:
    district = request.app.state.knowledge.district
    email = district.contacts.district_privacy_officer.email
    x = TEXT[lang]
    response = render_page(
        request,
        "family/link_gone.html",
        lang,
        request.url.path + f"?lang={'es' if lang == 'en' else 'en'}",
        status_code=status_code,
        title=x[f"{key}_title"],
        message=x[key].format(email=email),
        email=email,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/request/{token}")
def request_page(token: str, request: Request, db_session: Session = DB) -> Any:
    """A family's request: status, due date and history (no internal notes, files or staff names)."""
    try:
        ticket = open_follow_link(db_session=db_session, token=token)
    except LinkGone:
        return _gone(request, page_language(request), "gone", 410)
    if ticket is None:
        return _gone(request, page_language(request), "missing", 404)
    lang = page_language(request, request.query_params.get("lang") or ticket.language)
    other = "es" if lang == "en" else "en"
    response = render_page(
        request,
        "family/request.html",
        lang,
        f"/request/{token}?lang={other}",
        x=TEXT[lang],
        ticket=ticket,
        category=category_label(ticket.category, lang),
        status=status_label(ticket.status, lang),
        due=long_date(ticket.due_on, lang),
        entries=_entries(ticket, lang, ZoneInfo(request.app.state.knowledge.district.timezone)),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/records/{token}")
def records_file(token: str, request: Request, db_session: Session = DB) -> Any:
    """The records file behind a secure link (every opening is audited, also refused ones)."""
    try:
        link = open_records_link(db_session=db_session, token=token)
    except LinkGone:
        return _gone(request, page_language(request), "gone", 410)
    if link is None:
        return _gone(request, page_language(request), "missing", 404)
    path = attachment_path(request.app.state.settings.attachments_dir, link.attachment)
    if not path.is_file():
        return _gone(request, page_language(request, link.ticket.language), "gone", 410)
    return FileResponse(
        path,
        media_type=link.attachment.content_type,
        filename=link.attachment.filename,
        content_disposition_type="attachment",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
