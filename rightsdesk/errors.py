"""Error pages a family may land on, in both languages (Spanish review E80).

A mistyped or cut-short link (``/request/`` without its token), a wrong method on a page, or a failure while a
page is built gets an HTML page instead of FastAPI's English ``{"detail": "Not Found"}``. The page speaks the page
language (``?lang=``, ``/rights/<lang>/…``, else the browser's) and repeats its message in the other language
below it: a link cut short loses its ``?lang=``, and a Spanish-speaking family's phone is often set to English.

Machine routes keep their JSON (or plain) answers: the chat API, the SMS webhooks, the officers' console (which
has its own error page) and the health check.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException

from core.pages import STRINGS, add_templates, page_language, render_page

log = logging.getLogger(__name__)
add_templates(Path(__file__).parent / "templates")

MACHINE_PREFIXES = ("/api/", "/sms/", "/console/", "/static/")
MACHINE_PATHS = frozenset({"/api", "/sms", "/console", "/healthz"})

ERROR_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "not_found_title": "Page not found",
        "not_found": "There is no page at this address. The link may be cut short or mistyped: check that you "
        "copied all of it. If a link from the privacy office no longer works, ask for a new one in the chat, or "
        "write to {email}.",
        "refused_title": "This page cannot be opened this way",
        "refused": "Go back to the home page and try again. If you need help, write to the privacy office: {email}.",
        "failed_title": "Something went wrong",
        "failed": "We could not show this page. Please try again in a few minutes. If it is urgent, call or write "
        "to the privacy office: {contact}.",
    },
    "es": {
        "not_found_title": "No encontramos esta página",
        "not_found": "No hay ninguna página en esta dirección. Puede que el enlace esté incompleto o mal escrito: "
        "revise que lo haya copiado completo. Si un enlace de la oficina de privacidad ya no funciona, pida uno "
        "nuevo en el chat o escriba a {email}.",
        "refused_title": "Esta página no se puede abrir así",
        "refused": "Vuelva a la página principal e inténtelo otra vez. Si necesita ayuda, escriba a la oficina de "
        "privacidad: {email}.",
        "failed_title": "Algo salió mal",
        "failed": "No pudimos mostrar esta página. Por favor, inténtelo otra vez en unos minutos. Si es urgente, "
        "llame o escriba a la oficina de privacidad: {contact}.",
    },
}

# When even the page cannot be built (the district file or the templates are what failed).
FAILED_PLAIN = "{en_title}. {en}\n\n{es_title}. {es}\n".format(
    en_title=ERROR_TEXT["en"]["failed_title"],
    en="We could not show this page. Please try again in a few minutes.",
    es_title=ERROR_TEXT["es"]["failed_title"],
    es="No pudimos mostrar esta página. Por favor, inténtelo otra vez en unos minutos.",
)


def is_family_page(request: Request) -> bool:
    """Whether an error on this request is answered with a page (not the route's JSON)."""
    path = request.url.path
    if path in MACHINE_PATHS or path.startswith(MACHINE_PREFIXES):
        return False
    return request.method in ("GET", "HEAD") or "text/html" in request.headers.get("accept", "")


def error_language(request: Request) -> str:
    """The page language of a request that found no page: ``/rights/es/…`` counts as a choice."""
    parts = request.url.path.strip("/").split("/")
    explicit = parts[1] if len(parts) > 1 and parts[0] == "rights" and parts[1] in ERROR_TEXT else None
    return page_language(request, explicit)


def _texts(request: Request, kind: str, lang: str) -> dict[str, str]:
    officer = request.app.state.knowledge.district.contacts.district_privacy_officer
    contact = ", ".join(part for part in (officer.phone_shown, officer.email) if part)
    x = ERROR_TEXT[lang]
    return {
        "title": x[f"{kind}_title"],
        "message": x[kind].format(email=officer.email, contact=contact),
        "nav_chat": STRINGS[lang]["nav_chat"],
        "nav_rights": STRINGS[lang]["nav_rights"],
    }


def error_page(request: Request, status_code: int, headers: dict[str, str] | None = None) -> Any:
    """The error page for ``status_code``, in the page language first and the other one after."""
    kind = "not_found" if status_code in (404, 410) else "failed" if status_code >= 500 else "refused"
    lang = error_language(request)
    other = "es" if lang == "en" else "en"
    response = render_page(
        request,
        "error.html",
        lang,
        f"{request.url.path}?lang={other}",
        status_code=status_code,
        page=_texts(request, kind, lang),
        other_page=_texts(request, kind, other),
    )
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def install_error_pages(app: FastAPI) -> None:
    """Answer HTTP errors and failures on family pages with :func:`error_page`."""

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if not is_family_page(request):
            return await http_exception_handler(request, exc)
        response: Response = error_page(request, exc.status_code, dict(exc.headers or {}))
        return response

    async def failure(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception and re-raises it after this answer; nothing of it reaches the family.
        if is_family_page(request):
            try:
                response: Response = error_page(request, 500)
                return response
            except Exception:
                log.exception("the error page itself could not be built")
                return PlainTextResponse(FAILED_PLAIN, status_code=500, headers={"Cache-Control": "no-store"})
        return PlainTextResponse("Internal Server Error", status_code=500)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, failure)
