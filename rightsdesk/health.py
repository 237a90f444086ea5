"""``GET /healthz``: 200 once every component is up, 503 otherwise.

The public sees only ``{"status": "ok"}`` or ``{"status": "unavailable"}`` (review F19: the details named internal
URLs and the database). A caller on the gateway's own machine (loopback, not forwarded by a proxy: the launcher,
an operator's ``curl``, monitoring on the host) also gets each component's state and the failing ones. The
result is kept for :data:`CACHE_SECONDS`, so hammering ``/healthz`` does not hammer Rasa and the action server.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter()


def _database_ok(request: Request) -> dict[str, Any]:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"ok": True, "detail": request.app.state.engine.dialect.name}
    except Exception as exc:
        return {"ok": False, "detail": type(exc).__name__}


async def _actions_ok(request: Request) -> dict[str, Any]:
    url = request.app.state.settings.actions_url.rsplit("/", 1)[0] + "/health"
    try:
        response = await request.app.state.rasa.http.get(url, timeout=3.0)
        ok = response.status_code == 200
        return {"ok": ok, "detail": "ok" if ok else f"HTTP {response.status_code}"}
    except httpx.HTTPError as exc:
        return {"ok": False, "detail": type(exc).__name__}


CACHE_SECONDS = 2.0
_LOOPBACK = {"127.0.0.1", "::1"}


def _local(request: Request) -> bool:
    """A caller on this machine, not a request a proxy forwarded."""
    host = request.client.host if request.client else ""
    forwarded = any(name in request.headers for name in ("x-forwarded-for", "forwarded", "x-real-ip"))
    return host in _LOOPBACK and not forwarded


async def _check(request: Request) -> dict[str, Any]:
    cached: tuple[float, dict[str, Any]] | None = getattr(request.app.state, "health_cache", None)
    now = time.monotonic()
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    rasa, actions = await asyncio.gather(request.app.state.rasa.status(), _actions_ok(request))
    database = await asyncio.to_thread(_database_ok, request)
    components = {
        "gateway": {"ok": True, "detail": "ok"},
        "rasa": rasa,
        "action_server": actions,
        "database": database,
    }
    failing = [name for name, state in components.items() if not state["ok"]]
    body = {"status": "ok" if not failing else "unavailable", "failing": failing, "components": components}
    request.app.state.health_cache = (now, body)
    return body


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """Up or down; each component's state only for a caller on this machine."""
    body = await _check(request)
    status = 200 if body["status"] == "ok" else 503
    return JSONResponse(body if _local(request) else {"status": body["status"]}, status_code=status)
