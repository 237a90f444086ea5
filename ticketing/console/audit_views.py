"""The audit log in the console (administrators only): browse, filter, verify the chain, export as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from core.db import utcnow
from core.deps import DB
from ticketing.audit.service import entries, export_csv, record, verify_chain
from ticketing.console.deps import ConsoleUser, administrator, render

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
PAGE_SIZE = 50


@router.get("/audit")
def audit_page(
    request: Request,
    ticket: str = "",
    actor: str = "",
    page: int = 1,
    verify: int = 0,
    user: ConsoleUser = Depends(administrator),
    db_session: Session = DB,
) -> Any:
    """Entries newest first, filtered by ticket reference or actor; the chain is checked on request."""
    page = max(1, min(page, 100_000))
    ticket, actor = ticket.strip()[:20], actor.strip().lower()[:254]
    rows, total = entries(
        db_session=db_session,
        ticket_reference=ticket or None,
        actor=actor or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    report = verify_chain(db_session=db_session) if verify else None
    return render(
        request,
        "console/audit.html",
        user,
        nav="audit",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
        ticket=ticket,
        actor=actor,
        report=report,
    )


@router.post("/audit.csv")
def audit_export(
    request: Request,
    ticket: str = Form("", max_length=40),
    user: ConsoleUser = Depends(administrator),
    db_session: Session = DB,
) -> StreamingResponse:
    """The log (or one ticket's entries) as CSV with its hashes; the export itself is logged first.

    A POST with the session's CSRF token, so no other site can trigger an export (or its audit entry).
    """
    reference = ticket.strip()[:20] or None
    record(db_session=db_session, actor=user.email, action="audit.exported", ticket_reference=reference)
    db_session.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    factory = request.app.state.session_factory

    def rows() -> Iterator[str]:
        # Its own read-only session: the response streams after the request's session is closed.
        with factory() as export_session:
            yield from export_csv(db_session=export_session, ticket_reference=reference)

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"', "Cache-Control": "no-store"},
    )
