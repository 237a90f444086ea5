"""Rasa's REST channel answering only callers that present the shared secret (issue 11, review F20).

Rasa's own ``rest`` channel takes any message from anyone who can reach it, for any ``sender``: any local process
could speak for any family's conversation. This channel is the same, at the same URL
(``/webhooks/rest/webhook``), but refuses (403) a request without ``X-Rightsdesk-Token`` equal to the Rasa API
token, which the launcher passes in the environment (``RIGHTSDESK_RASA_TOKEN``). The health route stays open.
``bot/credentials.yml`` names it by module path. It runs in ``.venv-rasa``, which has no access to the gateway's
settings, hence the environment.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_HEADER = "X-Rightsdesk-Token"  # noqa: S105 - a header name, not a secret
TOKEN_VARIABLE = "RIGHTSDESK_RASA_TOKEN"  # noqa: S105 - where the secret is, not the secret


class GuardedRestInput(RestInput):
    """The REST channel behind the shared secret."""

    @classmethod
    def name(cls) -> str:
        """The channel's name, and so its URL: ``/webhooks/rest/webhook`` as before."""
        return "rest"

    def __init__(self, token: str | None = None) -> None:
        self.token = token if token is not None else os.environ.get(TOKEN_VARIABLE, "")

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GuardedRestInput:
        """The token comes from the environment, never from the credentials file."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """Rasa's REST endpoints, each message checked for the shared secret first."""
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def _require_token(request: Request) -> HTTPResponse | None:
            if not request.path.rstrip("/").endswith("/webhook"):
                return None  # the health route
            presented = request.headers.get(TOKEN_HEADER, "")
            if not self.token or not hmac.compare_digest(presented.encode(), self.token.encode()):
                return response.json({"error": "a caller of this channel must present the shared secret"}, 403)
            return None

        return blueprint
