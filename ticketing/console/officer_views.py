"""Officer accounts in the console (administrators only): the same lifecycle as ``rightsdesk officer …``.

``/console/officers`` lists every account with its role, schools, second factor and whether its password is the
officer's own; each change is a small CSRF-checked form (disable, enable, reset the password, change the role or
the schools, remove the second factor) that calls :mod:`ticketing.officers.service` and comes back with a fixed
confirmation or the reason nothing changed. Every change is audited with the administrator's email.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from core.deps import DB
from ticketing.auth.service import remove_totp
from ticketing.console.deps import ConsoleError, ConsoleUser, administrator, render
from ticketing.officers.models import Officer, OfficerRole
from ticketing.officers.service import (
    MIN_PASSWORD_LENGTH,
    OfficerError,
    all_officers,
    disable_officer,
    enable_officer,
    find_officer_by_id,
    reset_password,
    set_role,
    set_schools,
)

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
FORM_MAX = 1024
DONE = {
    "disabled": "Account disabled; its sessions have ended.",
    "enabled": "Account enabled.",
    "password": "Temporary password set; the officer must choose their own at the next sign-in. Their sessions "
    "have ended.",
    "role": "Role changed.",
    "schools": "Schools changed.",
    "totp": "Second factor removed; their sessions have ended.",
}
ROLE_NAMES = {r.value: r.value.replace("_", " ") for r in OfficerRole}


def _known_schools(request: Request) -> dict[str, str]:
    return {s.id: s.name for s in request.app.state.knowledge.district.schools}


def _page(request: Request, user: ConsoleUser, db_session: Session, status_code: int = 200, **context: Any) -> Any:
    return render(
        request,
        "console/officers.html",
        user,
        status_code=status_code,
        nav="officers",
        officers=all_officers(db_session=db_session),
        schools=_known_schools(request),
        roles=ROLE_NAMES,
        min_length=MIN_PASSWORD_LENGTH,
        **context,
    )


@router.get("/officers")
def officers_page(
    request: Request, done: str = "", user: ConsoleUser = Depends(administrator), db_session: Session = DB
) -> Any:
    """Every officer account and what can be changed."""
    return _page(request, user, db_session, done=DONE.get(done))


def _change(
    request: Request,
    user: ConsoleUser,
    db_session: Session,
    officer_id: int,
    done: str,
    action: Callable[[Officer], Any],
) -> Any:
    officer = find_officer_by_id(db_session=db_session, officer_id=officer_id)
    if officer is None:
        raise ConsoleError(404)
    try:
        with db_session.begin_nested():
            action(officer)
    except OfficerError as exc:
        db_session.expire_all()
        return _page(request, user, db_session, 400, error=f"Nothing changed for {officer.email}: {exc}.")
    return RedirectResponse(f"/console/officers?done={done}#officer-{officer.id}", status_code=303)


@router.post("/officers/{officer_id}/disable")
def disable(
    request: Request, officer_id: int, user: ConsoleUser = Depends(administrator), db_session: Session = DB
) -> Any:
    """The officer can no longer sign in; their sessions end now."""
    return _change(
        request, user, db_session, officer_id, "disabled",
        lambda o: disable_officer(db_session=db_session, officer=o, actor=user.email),
    )  # fmt: skip


@router.post("/officers/{officer_id}/enable")
def enable(
    request: Request, officer_id: int, user: ConsoleUser = Depends(administrator), db_session: Session = DB
) -> Any:
    """The officer may sign in again."""
    return _change(
        request, user, db_session, officer_id, "enabled",
        lambda o: enable_officer(db_session=db_session, officer=o, actor=user.email),
    )  # fmt: skip


@router.post("/officers/{officer_id}/reset-password")
def reset(
    request: Request,
    officer_id: int,
    password: str = Form("", max_length=FORM_MAX),
    user: ConsoleUser = Depends(administrator),
    db_session: Session = DB,
) -> Any:
    """A temporary password the officer must replace at the next sign-in."""
    return _change(
        request, user, db_session, officer_id, "password",
        lambda o: reset_password(db_session=db_session, officer=o, password=password, actor=user.email),
    )  # fmt: skip


@router.post("/officers/{officer_id}/role")
def change_role(
    request: Request,
    officer_id: int,
    role: str = Form("", max_length=32),
    school: list[str] = Form(default_factory=list),
    user: ConsoleUser = Depends(administrator),
    db_session: Session = DB,
) -> Any:
    """Another role (a school contact needs at least one school)."""

    def action(officer: Officer) -> None:
        try:
            new_role = OfficerRole(role)
        except ValueError as exc:
            raise OfficerError("choose a role from the list") from exc
        set_role(
            db_session=db_session,
            officer=officer,
            role=new_role,
            actor=user.email,
            schools=school or None,
            known_schools=set(_known_schools(request)),
        )

    return _change(request, user, db_session, officer_id, "role", action)


@router.post("/officers/{officer_id}/schools")
def change_schools(
    request: Request,
    officer_id: int,
    school: list[str] = Form(default_factory=list),
    user: ConsoleUser = Depends(administrator),
    db_session: Session = DB,
) -> Any:
    """The schools a school contact sees."""
    known = set(_known_schools(request))
    return _change(
        request, user, db_session, officer_id, "schools",
        lambda o: set_schools(db_session=db_session, officer=o, schools=school, actor=user.email, known_schools=known),
    )  # fmt: skip


@router.post("/officers/{officer_id}/remove-totp")
def remove_second_factor(
    request: Request, officer_id: int, user: ConsoleUser = Depends(administrator), db_session: Session = DB
) -> Any:
    """Remove the officer's authenticator (a lost phone); they set up a new one at the next sign-in if required."""

    def action(officer: Officer) -> None:
        if not officer.totp_enabled:
            raise OfficerError("they have no second factor")
        remove_totp(db_session=db_session, email=officer.email, actor=user.email)

    return _change(request, user, db_session, officer_id, "totp", action)
