"""The officer console (``/console``): server-rendered pages, no outside assets, no JavaScript required.

Request sizes (uploads included) are limited for the whole gateway by :class:`rightsdesk.edge.BodySizeLimit`.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from ticketing.console import audit_views, auth_views, officer_views, views
from ticketing.console.deps import ConsoleError, ConsoleLoginRequired, render
from ticketing.family import views as family_views


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

    app.include_router(auth_views.router)
    app.include_router(views.router)
    app.include_router(audit_views.router)
    app.include_router(officer_views.router)
    app.include_router(family_views.router)
