"""``GET /healthz``: 200 with each component's state once all are up, 503 naming the failing ones otherwise."""

from __future__ import annotations

import asyncio
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


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """The state of the gateway, Rasa, the action server and the database."""
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
    return JSONResponse(body, status_code=200 if not failing else 503)
