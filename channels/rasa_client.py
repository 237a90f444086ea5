"""Talking to Rasa over its REST channel and HTTP API (loopback only).

Each conversation is pinned to one Rasa server by a stable hash of its pseudonymous sender id, so several Rasa
processes can share the load while every conversation keeps one tracker lock holder. When the pinned server
cannot be reached at all (the connection is refused or times out, so the message never arrived), the next server
in the list takes the conversation: with a shared tracker store (PostgreSQL) and lock store (Redis) it carries on
where the conversation was. A server that was reached but failed is not retried elsewhere (it may have acted on
the message). The transport is an ``httpx.AsyncClient``.

At most ``max_connections`` requests (``RIGHTSDESK_RASA_MAX_CONNECTIONS``, per gateway worker) are with Rasa at
once, each over a kept-alive connection; further turns wait their turn here, in order, for at most the timeout (then
:class:`RasaUnavailable`: the message was never sent, so it stays pending and is retried). This queue is cheap,
unlike one inside httpx: httpcore's pool re-scans every queued request against every connection on each request
start and finish (quadratic), and with fewer kept-alive connections than open ones it closes and reopens
connections to Rasa under load. Both cost the event loop most of its time at 200 conversations (BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx


class RasaUnavailable(RuntimeError):
    """Rasa did not answer (down, starting, or timed out)."""


@dataclass(frozen=True)
class BotMessage:
    """One message from the assistant, in the chat contract's shape."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    article: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of ``POST /api/chat``'s ``messages``."""
        return {"text": self.text, "buttons": self.buttons, "article": self.article}


def parse_rasa_messages(raw: list[dict[str, Any]]) -> list[BotMessage]:
    """Turn the REST channel's output into bot messages.

    Rasa's REST channel sends an action's custom payload as a separate item right after its text; the knowledge
    article in that payload belongs to the message before it.
    """
    out: list[BotMessage] = []
    for item in raw:
        raw_custom = item.get("custom")
        custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
        text = item.get("text") or ""
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in item.get("buttons") or []
        ]
        article = custom.get("article")
        if not text and not buttons:
            if article and out:
                last = out[-1]
                out[-1] = BotMessage(text=last.text, buttons=last.buttons, article=article)
            continue
        out.append(BotMessage(text=text, buttons=buttons, article=article))
    return out


# httpx's own default cap: no more turns wait for Rasa than before, only more cheaply (BENCHMARKS.md).
DEFAULT_MAX_CONNECTIONS = 100


class RasaClient:
    """A pool of Rasa servers reached over HTTP."""

    def __init__(
        self,
        urls: list[str],
        token: str,
        timeout: float = 20.0,
        actions_url: str | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if not urls:
            raise ValueError("at least one Rasa URL is required")
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.urls = urls
        self.token = token
        # The action server's health URL: a turn answered with nothing while it is down was not really answered.
        self.actions_health = actions_url.rsplit("/", 1)[0] + "/health" if actions_url else None
        self.timeout = timeout
        # Every connection is kept alive (no reconnecting under load), and no request ever queues inside httpx.
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=2.0), limits=limits)
        self.slots = asyncio.Semaphore(max_connections)

    def url_for(self, sender: str) -> str:
        """The Rasa server that owns ``sender``'s conversation (stable across processes and restarts)."""
        return self.urls_for(sender)[0]

    def urls_for(self, sender: str) -> list[str]:
        """The servers to try for ``sender``: its own first, then the others in a fixed order."""
        digest = hashlib.sha256(sender.encode()).digest()
        first = int.from_bytes(digest[:8], "big") % len(self.urls)
        return self.urls[first:] + self.urls[:first]

    async def _post(self, sender: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            with anyio.fail_after(self.timeout):
                await self.slots.acquire()
        except TimeoutError as exc:
            raise RasaUnavailable("too many turns waiting for Rasa") from exc
        try:
            return await self._post_now(sender, path, **kwargs)
        finally:
            self.slots.release()

    async def _post_now(self, sender: str, path: str, **kwargs: Any) -> httpx.Response:
        failure: Exception | None = None
        for base in self.urls_for(sender):
            try:
                response = await self.http.post(f"{base}{path}", **kwargs)
                response.raise_for_status()
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failure = exc  # never reached that server: the next one may take the conversation
                continue
            except httpx.HTTPError as exc:
                raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
            return response
        assert failure is not None
        raise RasaUnavailable(str(failure) or type(failure).__name__) from failure

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotMessage]:
        """Send one user message and return the assistant's replies."""
        response = await self._post(
            sender,
            "/webhooks/rest/webhook",
            json={"sender": sender, "message": text, "metadata": metadata or {}},
            # Rasa's REST channel answers only callers with the shared secret (bot/server/guarded_rest.py).
            headers={"X-Rightsdesk-Token": self.token},
        )
        return parse_rasa_messages(response.json())

    async def actions_up(self) -> bool:
        """Whether the action server answers (True when none is configured)."""
        if self.actions_health is None:
            return True
        try:
            return (await self.http.get(self.actions_health, timeout=3.0)).status_code == 200
        except httpx.HTTPError:
            return False

    async def send_checked(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotMessage]:
        """:meth:`send`, or :class:`RasaUnavailable` when Rasa answered nothing because its action server is down.

        Rasa then drops the action's events and carries on, so the message must be answered again later.
        """
        messages = await self.send(sender, text, metadata)
        if not messages and not await self.actions_up():
            raise RasaUnavailable("the action server is down; the turn was not answered")
        return messages

    async def set_paused(self, sender: str, paused: bool) -> None:
        """Pause ``sender``'s conversation (Rasa then predicts nothing for it) or resume it."""
        await self._post(
            sender,
            f"/conversations/{sender}/tracker/events",
            params={"token": self.token, "include_events": "NONE"},
            json={"event": "pause" if paused else "resume"},
        )

    async def status(self) -> dict[str, Any]:
        """Each server's state: ``{"url": ..., "ok": bool, "detail": str}`` in a list under ``servers``."""
        servers = []
        for url in self.urls:
            try:
                response = await self.http.get(f"{url}/status", params={"token": self.token}, timeout=3.0)
                ok = response.status_code == 200 and bool(response.json().get("model_id"))
                detail = "model loaded" if ok else f"HTTP {response.status_code}"
            except (httpx.HTTPError, ValueError) as exc:
                ok, detail = False, type(exc).__name__
            servers.append({"url": url, "ok": ok, "detail": detail})
        return {"ok": all(s["ok"] for s in servers), "servers": servers}

    async def close(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()
