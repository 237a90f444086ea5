"""The gateway's ASGI app: the only public edge. Assembles routers and app-wide services.

``create_app(settings)`` builds everything from the settings; ``uvicorn rightsdesk.app:app --factory`` style
start-up goes through :func:`app_from_environment`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from channels import console as channels_console
from channels.chat import ChatService
from channels.limits.messages import RateLimited
from channels.limits.service import Limiter, make_limiter
from channels.rasa_client import RasaClient
from channels.sms import webhook as sms_webhook
from channels.webchat import api as chat_api
from channels.webchat import events as chat_events
from channels.webchat import views as chat_views
from core import bootstrap
from core.settings import Settings, get_settings
from knowledge import pages as knowledge_pages
from knowledge.service import KnowledgeService
from rightsdesk import health
from rightsdesk.edge import install_edge
from rightsdesk.errors import install_error_pages
from ticketing.console import install as install_console
from ticketing.officers.service import with_generated_passwords
from ticketing.sla.runner import periodic as sla_periodic

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
RETRY_INTERVAL_SECONDS = 5.0
SWEEP_INTERVAL_SECONDS = 60.0


async def _sweep_loop(limiter: Limiter) -> None:
    """Forget rate-limit windows and stream leases that are over, once a minute."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
        try:
            await asyncio.to_thread(limiter.sweep)
        except Exception:
            log.exception("sweeping rate limits failed; will try again")


async def _retry_loop(chat: ChatService) -> None:
    while True:
        await asyncio.sleep(RETRY_INTERVAL_SECONDS)
        try:
            await chat.retry_pending()
        except Exception:
            log.exception("retrying pending messages failed; will try again")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def create_app(settings: Settings) -> FastAPI:
    """The gateway app for ``settings``."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.environment == "production":
            with app.state.session_factory() as db_session:
                generated = with_generated_passwords(db_session=db_session)
            if generated:
                raise RuntimeError(
                    "production refuses to start: officers with a password the desk generated: " + ", ".join(generated)
                )
        retry = asyncio.create_task(_retry_loop(app.state.chat))
        sweep = asyncio.create_task(_sweep_loop(app.state.limiter))
        app.state.transcript_watcher.start()
        # The help desk's deadline reminders and escalations (idempotent, so every worker may run it).
        sla = asyncio.create_task(
            sla_periodic(settings, app.state.session_factory, lambda: app.state.knowledge.district)
        )
        try:
            yield
        finally:
            for task in (retry, sweep):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            sla.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sla
            await app.state.transcript_watcher.stop()
            await app.state.rasa.close()
            app.state.kernel.close()

    # No public schema (review F19): the routes are documented in the README, not advertised to the internet.
    app = FastAPI(title="Family Data Rights Desk", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    kernel = bootstrap(settings)
    app.state.kernel = kernel
    app.state.settings = settings
    app.state.engine = kernel.engine
    app.state.session_factory = kernel.session_factory
    app.state.knowledge = KnowledgeService(settings.district_file, settings.public_url)
    app.state.rasa = RasaClient(
        settings.rasa_urls,
        settings.rasa_token,
        settings.rasa_timeout_seconds,
        actions_url=settings.actions_url,
        max_connections=settings.rasa_max_connections,
    )
    app.state.chat = ChatService(
        app.state.session_factory, app.state.rasa, district=lambda: app.state.knowledge.district
    )
    app.state.transcript_watcher = chat_events.TranscriptWatcher(app.state.session_factory)
    app.state.limiter = make_limiter(settings, app.state.session_factory)

    @app.exception_handler(RequestValidationError)
    async def _bad_input(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.message(), "language": exc.language},
            status_code=429,
            headers={"Retry-After": str(int(exc.retry_after))},
        )

    install_error_pages(app)
    install_edge(app, settings)
    app.include_router(health.router)
    app.include_router(chat_api.router)
    app.include_router(chat_events.router)
    app.include_router(sms_webhook.router)
    app.include_router(channels_console.router)
    app.include_router(chat_views.router)
    app.include_router(knowledge_pages.router)
    install_console(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def app_from_environment() -> FastAPI:
    """Factory for uvicorn: settings from the environment."""
    return create_app(get_settings())
