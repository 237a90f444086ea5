"""Console sign-in: ``/console/login`` (email and password), then the steps due, then ``/console/logout``.

- ``/console/login/code`` — the authenticator code;
- ``/console/login/password`` — choose a new password (the current one was assigned or generated);
- ``/console/login/enrol`` — set up an authenticator app (``RIGHTSDESK_REQUIRE_TOTP``): the ``otpauth://`` URI as
  a QR code drawn here as inline SVG, the same URI as text, and the secret in groups of four to type in.

The sign-in form is protected from cross-site posting by a signed double-submit cookie (there is no session yet);
the step forms and sign-out use the session's CSRF token. A browser an officer has fully signed in on gets a
signed device cookie naming (by an HMAC) that account: failed sign-ins elsewhere never slow it down
(:mod:`ticketing.auth.service`).
"""

from __future__ import annotations

import io
import secrets
from typing import Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.db import utcnow
from core.deps import DB
from ticketing.auth.models import OfficerSession
from ticketing.auth.service import (
    CODE,
    ENROL,
    PASSWORD,
    Device,
    SignIn,
    choose_password,
    confirm_code,
    confirm_enrolment,
    device_tag,
    end_session,
    enrolment,
    find_session,
    new_device,
    sign_in,
)
from ticketing.console.deps import (
    CSRF_FAILED,
    DEVICE_COOKIE,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    ConsoleUser,
    clear_session_cookie,
    client_ip,
    csrf_matches,
    current_officer,
    login_limits,
    read_cookie,
    render,
    set_console_cookie,
    set_session_cookie,
    settings_of,
    sign,
    unsign,
)
from ticketing.officers.service import MIN_PASSWORD_LENGTH

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
FORM_MAX = 1024
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600
STEP_PAGES = {CODE: "console/code.html", PASSWORD: "console/password.html", ENROL: "console/enrol.html"}


def _safe_next(value: str | None) -> str:
    """Only a console path of this site (no scheme, no ``//host``)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console/queue"


def _device(request: Request) -> Device | None:
    value = unsign(settings_of(request).secret_key, read_cookie(request, DEVICE_COOKIE))
    if not value or "." not in value:
        return None
    nonce, tag = value.split(".", 1)
    return Device(nonce, tag)


def _login_page(request: Request, status_code: int = 200, **context: Any) -> Any:
    settings = settings_of(request)
    value = unsign(settings.secret_key, read_cookie(request, LOGIN_COOKIE)) or secrets.token_urlsafe(24)
    response = render(request, "console/login.html", None, status_code=status_code, login_csrf=value, **context)
    set_console_cookie(
        response, settings, LOGIN_COOKIE, sign(settings.secret_key, value), max_age=3600, samesite="strict"
    )
    return response


def _pending_session(request: Request, db_session: Session, step: str) -> OfficerSession | None:
    settings = settings_of(request)
    token = unsign(settings.secret_key, read_cookie(request, SESSION_COOKIE))
    if token is None:
        return None
    found = find_session(db_session=db_session, token=token, limits=login_limits(settings))
    if found is None or found.authenticated or found.step != step:
        return None
    return found


def _continue(request: Request, result: SignIn, next_path: str) -> Any:
    """Go on to the next step, or into the console (a browser fully signed in on becomes a known device)."""
    settings = settings_of(request)
    assert result.token is not None
    if result.step is not None:
        target = f"/console/login/{result.step}?next={quote(next_path, safe='/')}"
    else:
        target = next_path
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, settings, result.token)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    if result.step is None and result.officer is not None:
        device = _device(request)
        if device is None or device.tag != device_tag(settings.secret_key, result.officer.email):
            device = new_device(settings.secret_key, result.officer.email)
        set_console_cookie(
            response,
            settings,
            DEVICE_COOKIE,
            sign(settings.secret_key, f"{device.nonce}.{device.tag}"),
            max_age=DEVICE_COOKIE_SECONDS,
            samesite="strict",
        )
    return response


def _step_page(
    request: Request,
    db_session: Session,
    step: str,
    pending: OfficerSession,
    next_path: str,
    status_code: int = 200,
    error: str | None = None,
) -> Any:
    context: dict[str, Any] = {"next": next_path, "pending_csrf": pending.csrf_token, "error": error}
    if step == PASSWORD:
        context["min_length"] = MIN_PASSWORD_LENGTH
    if step == ENROL:
        made = enrolment(db_session=db_session, pending=pending)
        if made is None:
            return RedirectResponse("/console/login?expired=1", status_code=303)
        secret, uri = made
        buffer = io.BytesIO()
        segno.make(uri, error="m").save(buffer, kind="svg", xmldecl=False, svgns=True, scale=5, border=4, svgclass="qr")
        context.update(
            uri=uri,
            qr=Markup(buffer.getvalue().decode("utf-8")),  # noqa: S704 - drawn here from our own URI, no user text
            secret_groups=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        )
    return render(request, STEP_PAGES[step], None, status_code=status_code, **context)


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
    """Check the password; continue to the next step due, or into the console."""
    settings = settings_of(request)
    expected = unsign(settings.secret_key, read_cookie(request, LOGIN_COOKIE))
    if expected is None or not csrf_matches(csrf_token, expected):
        return _login_page(request, 403, next=_safe_next(next), error=CSRF_FAILED, email=email)
    result = sign_in(
        db_session=db_session,
        email=email,
        password=password,
        ip=client_ip(request),
        secret_key=settings.secret_key,
        limits=login_limits(settings),
        device=_device(request),
    )
    if result.error or result.token is None:
        # The failure must be stored even though the page says no.
        db_session.commit()
        status = 429 if result.retry_at is not None else 401
        response = _login_page(request, status, next=_safe_next(next), error=result.error, email=email)
        if result.retry_at is not None:
            response.headers["Retry-After"] = str(max(1, int((result.retry_at - utcnow()).total_seconds() + 0.999)))
        return response
    return _continue(request, result, _safe_next(next))


def _step_form(step: str) -> Any:
    def show(request: Request, next: str | None = None, db_session: Session = DB) -> Any:
        pending = _pending_session(request, db_session, step)
        if pending is None:
            return RedirectResponse("/console/login", status_code=303)
        return _step_page(request, db_session, step, pending, _safe_next(next))

    show.__doc__ = f"The sign-in step {step!r}."
    return show


router.add_api_route("/login/code", _step_form(CODE), methods=["GET"])
router.add_api_route("/login/password", _step_form(PASSWORD), methods=["GET"])
router.add_api_route("/login/enrol", _step_form(ENROL), methods=["GET"])


def _checked_step(
    request: Request, db_session: Session, step: str, csrf_token: str, next_path: str
) -> OfficerSession | Response:
    """The pending sign-in at ``step`` whose form carries its CSRF token, or the page to answer with instead."""
    pending = _pending_session(request, db_session, step)
    if pending is None:
        return RedirectResponse("/console/login?expired=1", status_code=303)
    if not csrf_matches(csrf_token, pending.csrf_token):
        refused: Response = _step_page(request, db_session, step, pending, next_path, 403, CSRF_FAILED)
        return refused
    return pending


def _finish_step(
    request: Request, db_session: Session, step: str, pending: OfficerSession, result: SignIn, next_path: str
) -> Any:
    if result.token is not None:
        return _continue(request, result, next_path)
    db_session.commit()  # failures and audit entries are kept even though the page says no
    if result.step == step:
        return _step_page(request, db_session, step, pending, next_path, 400 if step == PASSWORD else 401, result.error)
    response = _login_page(request, 429 if result.retry_at else 401, next=next_path, error=result.error)
    clear_session_cookie(response, settings_of(request))
    return response


@router.post("/login/code")
def submit_code(
    request: Request,
    code: str = Form("", max_length=FORM_MAX),
    csrf_token: str = Form("", max_length=FORM_MAX),
    next: str = Form("/console/queue", max_length=FORM_MAX),
    db_session: Session = DB,
) -> Any:
    """Check the authenticator code."""
    settings = settings_of(request)
    pending = _checked_step(request, db_session, CODE, csrf_token, _safe_next(next))
    if not isinstance(pending, OfficerSession):
        return pending
    result = confirm_code(
        db_session=db_session,
        pending=pending,
        code=code,
        ip=client_ip(request),
        secret_key=settings.secret_key,
        limits=login_limits(settings),
        device=_device(request),
    )
    return _finish_step(request, db_session, CODE, pending, result, _safe_next(next))


@router.post("/login/password")
def submit_password(
    request: Request,
    password: str = Form("", max_length=FORM_MAX),
    repeated: str = Form("", max_length=FORM_MAX),
    csrf_token: str = Form("", max_length=FORM_MAX),
    next: str = Form("/console/queue", max_length=FORM_MAX),
    db_session: Session = DB,
) -> Any:
    """Replace an assigned or generated password with the officer's own."""
    settings = settings_of(request)
    pending = _checked_step(request, db_session, PASSWORD, csrf_token, _safe_next(next))
    if not isinstance(pending, OfficerSession):
        return pending
    result = choose_password(
        db_session=db_session,
        pending=pending,
        new_password=password,
        repeated=repeated,
        ip=client_ip(request),
        limits=login_limits(settings),
    )
    return _finish_step(request, db_session, PASSWORD, pending, result, _safe_next(next))


@router.post("/login/enrol")
def submit_enrolment(
    request: Request,
    code: str = Form("", max_length=FORM_MAX),
    csrf_token: str = Form("", max_length=FORM_MAX),
    next: str = Form("/console/queue", max_length=FORM_MAX),
    db_session: Session = DB,
) -> Any:
    """Confirm the new authenticator app with one of its codes."""
    settings = settings_of(request)
    pending = _checked_step(request, db_session, ENROL, csrf_token, _safe_next(next))
    if not isinstance(pending, OfficerSession):
        return pending
    result = confirm_enrolment(
        db_session=db_session,
        pending=pending,
        code=code,
        ip=client_ip(request),
        secret_key=settings.secret_key,
        limits=login_limits(settings),
        device=_device(request),
    )
    return _finish_step(request, db_session, ENROL, pending, result, _safe_next(next))


@router.post("/logout")
def logout(request: Request, user: ConsoleUser = Depends(current_officer), db_session: Session = DB) -> Any:
    """Sign out (the session is deleted on the server, not only forgotten by the browser)."""
    end_session(db_session=db_session, token=user.session_token)
    response = RedirectResponse("/console/login?signed_out=1", status_code=303)
    clear_session_cookie(response, settings_of(request))
    return response
