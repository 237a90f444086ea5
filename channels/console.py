"""Console routes of the channels: take over / hand back a family's conversation, and the failed-messages page.

- ``POST /console/tickets/{reference}/take-over`` and ``.../hand-back`` — buttons on the ticket page (the
  console's ``console/ticket_extra.html`` hook). Any officer who may see the ticket; CSRF-checked. The Rasa
  conversation is paused or resumed after the change is committed (the gateway keeps the assistant silent
  whatever Rasa's state, so a Rasa hiccup cannot make it talk over the officer).
- ``GET /console/outbox`` — SMS and email that will not arrive (failed or undeliverable), with the reason;
  ``POST /console/outbox/{id}/retry`` sends one again. Administrators and district officers (a failed message
  may belong to any school).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from channels.handoff import HandoffError, hand_back, take_over
from channels.rasa_client import RasaClient, RasaUnavailable
from conversations.redact import redact
from core.deps import DB
from core.pages import add_templates
from outbox.service import OutboxError, failed_messages, masked_recipient, requeue
from ticketing.console.deps import (
    ConsoleError,
    ConsoleUser,
    CurrentOfficer,
    CurrentTicket,
    DbSession,
    render,
    require_officer,
)
from ticketing.officers.models import OfficerRole
from ticketing.tickets.models import Ticket

log = logging.getLogger(__name__)
# The console pages of the outbox and the ticket-page hook live beside the chat page.
add_templates(Path(__file__).parent / "webchat" / "templates")
router = APIRouter(prefix="/console", tags=["console"])
outbox_officer = require_officer(OfficerRole.administrator, OfficerRole.district_officer)


async def _pause(rasa: RasaClient, sender: str, paused: bool) -> None:
    try:
        await rasa.set_paused(sender, paused)
    except RasaUnavailable as exc:
        log.warning("could not %s the Rasa conversation: %s", "pause" if paused else "resume", exc)


@router.post("/tickets/{reference}/take-over")
def take_over_conversation(
    request: Request,
    background: BackgroundTasks,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
) -> RedirectResponse:
    """The officer takes the family's conversation: the assistant goes silent."""
    try:
        conversation = take_over(
            db_session=db_session, ticket=ticket, officer_email=user.email, officer_name=user.officer.name
        )
    except HandoffError as exc:
        raise ConsoleError(409, str(exc)) from exc
    background.add_task(_pause, request.app.state.rasa, conversation.rasa_sender, True)
    log.info("ticket %s: conversation taken over", ticket.reference)
    return RedirectResponse(f"/console/tickets/{ticket.reference}#handoff", status_code=303)


@router.post("/tickets/{reference}/hand-back")
def hand_back_conversation(
    request: Request,
    background: BackgroundTasks,
    ticket: CurrentTicket,
    user: CurrentOfficer,
    db_session: DbSession,
) -> RedirectResponse:
    """The officer gives the conversation back to the assistant."""
    try:
        conversation = hand_back(db_session=db_session, ticket=ticket, officer_email=user.email)
    except HandoffError as exc:
        raise ConsoleError(409, str(exc)) from exc
    background.add_task(_pause, request.app.state.rasa, conversation.rasa_sender, False)
    log.info("ticket %s: conversation handed back", ticket.reference)
    return RedirectResponse(f"/console/tickets/{ticket.reference}#handoff", status_code=303)


@router.get("/outbox")
def outbox_page(
    request: Request,
    done: str | None = None,
    user: ConsoleUser = Depends(outbox_officer),
    db_session: Session = DB,
) -> Any:
    """SMS and email that will not arrive, newest first."""
    rows = []
    for message in failed_messages(db_session=db_session, limit=200):
        ticket = db_session.get(Ticket, message.ticket_id) if message.ticket_id else None
        rows.append(
            {
                "m": message,
                "to": masked_recipient(message),
                "what": message.subject or redact(message.body)[:80],
                "ticket": ticket.reference if ticket else None,
            }
        )
    return render(request, "console/outbox.html", user, nav="outbox", rows=rows, done=done == "retry")


@router.post("/outbox/{message_id}/retry")
def retry_message(
    message_id: int,
    request: Request,
    user: ConsoleUser = Depends(outbox_officer),
    db_session: Session = DB,
) -> Any:
    """Send a failed message again, from its first try."""
    try:
        requeue(db_session=db_session, message_id=message_id)
    except OutboxError as exc:
        raise ConsoleError(409, f"Not sent again: {exc}.") from exc
    log.info("outbox %s: sent again by an officer", message_id)
    return RedirectResponse("/console/outbox?done=retry", status_code=303)
