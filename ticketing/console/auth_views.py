"""Console sign-in: ``/console/login`` (email and password), ``/console/login/code`` (TOTP), ``/console/logout``.

The sign-in forms are protected from cross-site posting by a signed double-submit cookie (there is no session
yet); the code form and sign-out use the session's CSRF token.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ticketing.auth.service import confirm_code, end_session, find_session, sign_in
from ticketing.console.deps import (
    CSRF_FAILED,
    DB,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    ConsoleUser,
    clear_session_cookie,
    client_ip,
    csrf_matches,
    current_officer,
    login_limits,
    render,
    set_session_cookie,
    settings_of,
    sign,
    unsign,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
FORM_MAX = 1024


def _safe_next(value: str | None) -> str:
    """Only a console path of this site (no scheme, no ``//host``)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console/queue"


def _login_page(request: Request, status_code: int = 200, **context: Any) -> Any:
    settings = settings_of(request)
    value = unsign(settings.secret_key, request.cookies.get(LOGIN_COOKIE)) or secrets.token_urlsafe(24)
    response = render(request, "console/login.html", None, status_code=status_code, login_csrf=value, **context)
    response.set_cookie(
        LOGIN_COOKIE,
        sign(settings.secret_key, value),
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/console",
    )
    return response


def _pending_session(request: Request, db_session: Session) -> tuple[str, Any] | None:
    settings = settings_of(request)
    token = unsign(settings.secret_key, request.cookies.get(SESSION_COOKIE))
    if token is None:
        return None
    found = find_session(db_session=db_session, token=token, limits=login_limits(settings))
    if found is None or found.authenticated:
        return None
    return token, found


@router.get("/login")
def login_form(request: Request, next: str | None = None, expired: int = 0, signed_out: int = 0) -> Any:
    """The sign-in form."""
    settings = settings_of(request)
    notice = None
    if expired:
        notice = f"Your session ended after {settings.console_idle_minutes} minutes without activity. Sign in again."
    elif signed_out:
        notice = "You are signed out."
    return _login_page(request, next=_safe_next(next), notice=notice)


@router.post("/login")
def login(
    request: Request,
    email: str = Form("", max_length=FORM_MAX),
    password: str = Form("", max_length=FORM_MAX),
    csrf_token: str = Form("", max_length=FORM_MAX),
    next: str = Form("/console/queue", max_length=FORM_MAX),
    db_session: Session = DB,
) -> Any:
    """Check the password; continue to the code form when the officer has a second factor."""
    settings = settings_of(request)
    expected = unsign(settings.secret_key, request.cookies.get(LOGIN_COOKIE))
    if expected is None or not csrf_matches(csrf_token, expected):
        return _login_page(request, 403, next=_safe_next(next), error=CSRF_FAILED, email=email)
    result = sign_in(
        db_session=db_session,
        email=email,
        password=password,
        ip=client_ip(request),
        secret_key=settings.secret_key,
        limits=login_limits(settings),
    )
    if result.error or result.token is None:
        # The failure must be stored even though the page says no.
        db_session.commit()
        status = 429 if result.error and result.error.startswith("Too many") else 401
        return _login_page(request, status, next=_safe_next(next), error=result.error, email=email)
    target = f"/console/login/code?next={quote(_safe_next(next), safe='/')}" if result.needs_code else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, settings, result.token)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    if result.officer is not None and not result.needs_code:
        log.info("officer %s signed in", result.officer.id)
    return response


@router.get("/login/code")
def code_form(request: Request, next: str | None = None, db_session: Session = DB) -> Any:
    """The second-factor form."""
    pending = _pending_session(request, db_session)
    if pending is None:
        return RedirectResponse("/console/login", status_code=303)
    return render(request, "console/code.html", None, next=_safe_next(next), pending_csrf=pending[1].csrf_token)


@router.post("/login/code")
def submit_code(
    request: Request,
    code: str = Form("", max_length=FORM_MAX),
    csrf_token: str = Form("", max_length=FORM_MAX),
    next: str = Form("/console/queue", max_length=FORM_MAX),
    db_session: Session = DB,
) -> Any:
    """Check the authenticator code and finish signing in."""
    settings = settings_of(request)
    pending = _pending_session(request, db_session)
    if pending is None:
        return RedirectResponse("/console/login?expired=1", status_code=303)
    _token, session_row = pending
    if not csrf_matches(csrf_token, session_row.csrf_token):
        return render(
            request,
            "console/code.html",
            None,
            403,
            next=_safe_next(next),
            pending_csrf=session_row.csrf_token,
            error=CSRF_FAILED,
        )
    result = confirm_code(
        db_session=db_session,
        pending=session_row,
        code=code,
        ip=client_ip(request),
        secret_key=settings.secret_key,
        limits=login_limits(settings),
    )
    if result.token is None:
        db_session.commit()
        if result.needs_code:
            return render(
                request,
                "console/code.html",
                None,
                401,
                next=_safe_next(next),
                pending_csrf=session_row.csrf_token,
                error=result.error,
            )
        response = _login_page(request, 429, next=_safe_next(next), error=result.error)
        clear_session_cookie(response, settings)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, settings, result.token)
    return response


@router.post("/logout")
def logout(request: Request, user: ConsoleUser = Depends(current_officer), db_session: Session = DB) -> Any:
    """Sign out (the session is deleted on the server, not only forgotten by the browser)."""
    end_session(db_session=db_session, token=user.session_token)
    response = RedirectResponse("/console/login?signed_out=1", status_code=303)
    clear_session_cookie(response, settings_of(request))
    return response
