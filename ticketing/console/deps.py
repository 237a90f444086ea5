"""The console's request dependencies: the signed-in officer, CSRF, the ticket in scope, and rendering.

Use in any console route (other modules too)::

    from ticketing.console.deps import ConsoleUser, DbSession, require_officer

    @router.post("/console/outbox/{item_id}/retry")
    def retry(
        item_id: int,
        db_session: DbSession,
        user: ConsoleUser = Depends(require_officer("administrator", "district_officer")),
    ): ...

- ``DbSession`` (``db_session: Session = DB``, with ``DB`` from :mod:`core.deps`) is the request's one database
  session (the same object ``core.deps.get_db`` gives every other dependency), committed when the handler returns
  and *before* the response is sent, so a redirect never reaches the browser ahead of the change it reports.
  (Plain ``Depends(get_db)`` commits only after the response.)

- ``require_officer(*roles)`` returns a dependency giving a :class:`ConsoleUser`. Without a live session the
  browser is sent to the sign-in page (303); with a role not listed the answer is a 404 (no roles: any officer).
- Every request other than GET/HEAD/OPTIONS must carry the session's CSRF token, as the form field
  ``csrf_token`` (put ``{{ csrf_field(user) }}`` in every form) or the ``X-CSRF-Token`` header; otherwise 403 and
  nothing runs.
- The session cookie is signed, HttpOnly, SameSite=Lax, and ends after the idle timeout
  (``RIGHTSDESK_CONSOLE_IDLE_MINUTES``). When the public URL is https (always in production) every console cookie
  is ``Secure`` and named with the ``__Host-`` prefix, so no other host or path can set or shadow it.
- ``ticket_in_scope_or_404`` loads a ticket by reference only if the officer may see it; ``CurrentTicket``,
  ``CurrentOfficer`` and ``DbSession`` are the ``Annotated`` parameters most handlers need.
- Templates extend ``console/base.html``; :func:`render` supplies ``user``, ``csrf_field`` and the district.
  The ticket page includes ``console/ticket_extra.html`` if any template directory provides it (a hook for other
  modules' buttons; it gets ``ticket``, ``user`` and ``csrf_field``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from core.client_address import client_address
from core.deps import DB, get_db
from core.pages import add_templates, templates
from core.settings import Settings
from ticketing.auth.service import LoginLimits, find_session
from ticketing.officers.models import Officer, OfficerRole
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import ticket_in_scope

add_templates(Path(__file__).parent / "templates")

SESSION_COOKIE = "rd_console"
LOGIN_COOKIE = "rd_console_login"
DEVICE_COOKIE = "rd_device"
HOST_PREFIX = "__Host-"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FAILED = (
    "This form has expired or did not come from this console, so nothing was changed. Go back, reload the page "
    "and try again."
)


class ConsoleError(HTTPException):
    """An error the console answers with an HTML page (404 for anything outside one's scope)."""

    def __init__(self, status_code: int = 404, message: str = "There is nothing here, or it is not yours to see."):
        super().__init__(status_code=status_code, detail=message)


class ConsoleLoginRequired(HTTPException):
    """No live session: go to the sign-in page (and come back after)."""

    def __init__(self, next_path: str, expired: bool = False, step: str | None = None) -> None:
        page = f"/console/login/{step}" if step else "/console/login"
        target = f"{page}?next={quote(next_path, safe='/')}" + ("&expired=1" if expired else "")
        super().__init__(status_code=303, detail="sign in", headers={"Location": target})


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in officer and their session's CSRF token."""

    officer: Officer
    csrf_token: str
    session_token: str

    @property
    def email(self) -> str:
        """The officer's email (what the audit log names)."""
        return self.officer.email

    @property
    def role(self) -> OfficerRole:
        """The officer's role."""
        return self.officer.role

    @property
    def is_admin(self) -> bool:
        """Whether the officer administers the desk (sees the whole audit log)."""
        return self.officer.role is OfficerRole.administrator


def _mac(secret_key: str, value: str) -> str:
    digest = hmac.new(secret_key.encode(), f"rightsdesk-console:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(secret_key: str, value: str) -> str:
    """``value`` with its HMAC, for a cookie."""
    return f"{value}.{_mac(secret_key, value)}"


def unsign(secret_key: str, signed: str | None) -> str | None:
    """The value of a signed cookie, or None if missing or tampered with."""
    if not signed or len(signed) > 300 or "." not in signed:
        return None
    value, mac = signed.rsplit(".", 1)
    return value if hmac.compare_digest(mac, _mac(secret_key, value)) else None


def settings_of(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def login_limits(settings: Settings) -> LoginLimits:
    """The sign-in delay, the idle timeout and the second-factor policy from the settings."""
    return LoginLimits(
        max_per_account=settings.login_max_failures_per_account,
        max_per_ip=settings.login_max_failures_per_ip,
        window_minutes=settings.login_window_minutes,
        idle_minutes=settings.console_idle_minutes,
        max_delay_seconds=settings.login_max_delay_seconds,
        require_totp=settings.require_totp,
    )


def client_ip(request: Request) -> str:
    """The client's address (through the trusted proxies, :mod:`core.client_address`)."""
    return client_address(request)


def cookie_name(settings: Settings, base: str) -> str:
    """A console cookie's name: ``__Host-`` prefixed when cookies are Secure."""
    return HOST_PREFIX + base if settings.secure_cookies else base


def read_cookie(request: Request, base: str) -> str | None:
    """The value of the console cookie ``base``."""
    return request.cookies.get(cookie_name(settings_of(request), base))


def set_console_cookie(
    response: Any, settings: Settings, base: str, value: str, *, max_age: int | None = None, samesite: str = "lax"
) -> None:
    """Put a console cookie on ``response``: HttpOnly, path ``/``, Secure and ``__Host-`` when https."""
    response.set_cookie(
        cookie_name(settings, base),
        value,
        max_age=max_age,
        httponly=True,
        samesite=samesite,
        secure=settings.secure_cookies,
        path="/",
    )


def set_session_cookie(response: Any, settings: Settings, token: str) -> None:
    """Put the signed session cookie on ``response``."""
    set_console_cookie(response, settings, SESSION_COOKIE, sign(settings.secret_key, token))


def clear_session_cookie(response: Any, settings: Settings) -> None:
    """Remove the session cookie."""
    response.delete_cookie(
        cookie_name(settings, SESSION_COOKIE), path="/", httponly=True, samesite="lax", secure=settings.secure_cookies
    )


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a state-changing request carries (form field or header)."""
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def csrf_matches(submitted: str | None, expected: str) -> bool:
    """Constant-time comparison of a submitted CSRF token."""
    return bool(submitted) and hmac.compare_digest(str(submitted), expected)


def require_officer(*roles: OfficerRole | str) -> Callable[..., ConsoleUser]:
    """A dependency: the signed-in officer, if their role is one of ``roles`` (any role when none given)."""
    allowed = frozenset(OfficerRole(r) for r in roles)

    def dependency(
        request: Request,
        db_session: Session = Depends(get_db),
        csrf: str | None = Depends(submitted_csrf),
    ) -> ConsoleUser:
        settings = settings_of(request)
        token = unsign(settings.secret_key, read_cookie(request, SESSION_COOKIE))
        next_path = request.url.path if request.method in SAFE_METHODS else "/console"
        if token is None:
            raise ConsoleLoginRequired(next_path)
        found = find_session(db_session=db_session, token=token, limits=login_limits(settings))
        if found is None or not found.authenticated:
            db_session.commit()  # an expired session is deleted even though this request stops here
            raise ConsoleLoginRequired(next_path, expired=found is None, step=found.step if found else None)
        if request.method not in SAFE_METHODS and not csrf_matches(csrf, found.csrf_token):
            raise ConsoleError(403, CSRF_FAILED)
        officer = db_session.get(Officer, found.officer_id)
        if officer is None:
            raise ConsoleLoginRequired(next_path)
        if allowed and officer.role not in allowed:
            raise ConsoleError(404)
        return ConsoleUser(officer, found.csrf_token, token)

    return dependency


current_officer = require_officer()
administrator = require_officer(OfficerRole.administrator)


def ticket_in_scope_or_404(
    reference: str, user: ConsoleUser = Depends(current_officer), db_session: Session = Depends(get_db)
) -> Ticket:
    """The ticket with ``reference`` if the officer may see it; 404 otherwise (whether or not it exists)."""
    ticket = ticket_in_scope(db_session=db_session, officer=user.officer, reference=reference)
    if ticket is None:
        raise ConsoleError(404)
    return ticket


# Handler parameters (Dispatch's ``CurrentCase``): ``ticket: CurrentTicket, user: CurrentOfficer,
# db_session: DbSession`` — the ticket in scope (or 404), the signed-in officer, the request's committed session.
DbSession = Annotated[Session, DB]
CurrentOfficer = Annotated[ConsoleUser, Depends(current_officer)]
CurrentTicket = Annotated[Ticket, Depends(ticket_in_scope_or_404)]


def csrf_field(user: ConsoleUser | str) -> Markup:
    """The hidden form field carrying the CSRF token."""
    token = user if isinstance(user, str) else user.csrf_token
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token))


def render(request: Request, template: str, user: ConsoleUser | None, status_code: int = 200, **context: Any) -> Any:
    """Render a console page."""
    district = request.app.state.knowledge.district
    zone = ZoneInfo(district.timezone)

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    base = {
        "lang": "en",
        "user": user,
        "csrf_field": csrf_field,
        "district": district,
        "local": local,
    }
    response = templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
