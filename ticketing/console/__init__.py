"""The officer console (``/console``): server-rendered pages, no outside assets, no JavaScript required."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from ticketing.console import audit_views, auth_views, officer_views, views
from ticketing.console.deps import ConsoleError, ConsoleLoginRequired, render
from ticketing.family import views as family_views

# Room for the form's other fields and the multipart framing around a file of the maximum size.
FORM_OVERHEAD_BYTES = 64_000


def install(app: FastAPI) -> None:
    """Add the console and the family pages to ``app``, with their HTML error pages."""

    @app.exception_handler(ConsoleLoginRequired)
    async def _login_required(request: Request, exc: ConsoleLoginRequired) -> Response:
        return RedirectResponse((exc.headers or {}).get("Location", "/console/login"), status_code=303)

    @app.exception_handler(ConsoleError)
    async def _console_error(request: Request, exc: ConsoleError) -> Response:
        title = {404: "Not found", 403: "Not allowed"}.get(exc.status_code, "Something went wrong")
        response: Response = render(
            request, "console/error.html", None, status_code=exc.status_code, title=title, message=exc.detail
        )
        return response

    @app.middleware("http")
    async def _refuse_oversized_console_posts(request: Request, call_next):  # type: ignore[no-untyped-def]
        # Forms are parsed before any dependency runs, so a huge body would be spooled to disk before the session
        # is even checked: refuse it from its declared length first.
        if request.method == "POST" and request.url.path.startswith("/console/"):
            limit = request.app.state.settings.attachment_max_bytes + FORM_OVERHEAD_BYTES
            length = request.headers.get("content-length")
            multipart = request.headers.get("content-type", "").startswith("multipart/")
            if (length is None and multipart) or (length is not None and (not length.isdigit() or int(length) > limit)):
                return PlainTextResponse(
                    f"The upload is too large (at most {request.app.state.settings.attachment_max_bytes:,} bytes).",
                    status_code=413,
                )
        return await call_next(request)

    app.include_router(auth_views.router)
    app.include_router(views.router)
    app.include_router(audit_views.router)
    app.include_router(officer_views.router)
    app.include_router(family_views.router)
