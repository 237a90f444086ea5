"""The gateway's outer layer, before any route: who the client is, and how much a request may carry.

- The client's address is the connecting one, unless that is one of ``RIGHTSDESK_TRUSTED_PROXIES``: then it is
  the first untrusted address of ``X-Forwarded-For``, read from the right (uvicorn's own ProxyHeadersMiddleware,
  applied inside the app so every deployment and test reads it the same way; the launcher gives uvicorn the same
  list). What limits count is :func:`core.client_address.client_key`.
- :class:`BodySizeLimit` counts the bytes of every request body as they stream in, chunked bodies included, and
  answers 413 once a route's limit is passed: ``RIGHTSDESK_MAX_BODY_BYTES`` for the chat API, the SMS webhooks
  and ordinary forms, the attachment limit plus room for the form for console uploads. A declared
  ``Content-Length`` over the limit is refused before anything is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings

# Room for the form's other fields and the multipart framing around a file of the maximum size.
FORM_OVERHEAD_BYTES = 64_000


def body_limit(settings: Settings, path: str, content_type: str) -> int:
    """The most bytes a request to ``path`` may carry."""
    if path.startswith("/console/") and content_type.startswith("multipart/"):
        return settings.attachment_max_bytes + FORM_OVERHEAD_BYTES
    return settings.max_body_bytes


class BodyTooLarge(HTTPException):
    """The body passed its route's limit while it was being read (raised inside the app, answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request is too large (at most {limit:,} bytes).")


class BodySizeLimit:
    """Pure ASGI middleware: 413 for a body over its route's limit, counted as it streams (see the module)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    @staticmethod
    async def _refuse(send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counting its body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.limit_for(scope.get("path", ""), content_type)
        declared = headers.get(b"content-length")
        if declared is not None:
            text = declared.decode("latin-1").strip()
            if not (text.isascii() and text.isdigit()):
                await self._refuse(send, 400, "Content-Length is not a number.")
                return
            if int(text) > limit:
                await self._refuse(send, 413, BodyTooLarge(limit).detail)
                return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as exc:
            # Read outside a route (a middleware): answer here, if nothing was answered yet.
            if not started:
                await self._refuse(send, 413, exc.detail)


SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    """Pure ASGI middleware: the security headers on every response that does not set its own.

    (A pure middleware rather than ``@app.middleware("http")``: that wrapper turns an exception raised while a
    body is read, such as :class:`BodyTooLarge`, into a generic 400, and costs a task per request.)
    """

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        # Served over https (always in production): browsers keep to https for a year (review F17).
        self.headers = (*SECURITY_HEADERS, *((HSTS,) if hsts else ()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, adding the headers to the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def install_edge(app: Any, settings: Settings) -> None:
    """Add the security headers, the body limit, then the proxy headers (outermost), to ``app``."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    app.add_middleware(BodySizeLimit, limit_for=lambda path, kind: body_limit(settings, path, kind))
    # With no trusted proxy, nothing is believed (an empty list trusts no host).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
