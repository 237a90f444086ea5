"""The action server as ``make run`` starts it: ``python -m actions.server --actions actions --port N``.

Exactly rasa-sdk's own entry point, after building the process's context first (the knowledge base trains its
topic classifier when it is built, a few seconds, and that belongs to start-up, not to the first family's
question), with one addition: the action endpoints answer only a caller presenting the shared secret (review F20:
rasa-sdk has no authentication, so any local process could run any action for any conversation). Rasa presents
it in ``X-Rightsdesk-Token`` (the launcher's endpoints file reads it from Rasa's environment); ``/health`` stays
open.
"""

from __future__ import annotations

import hmac
from typing import Any

import rasa_sdk.endpoint
from rasa_sdk.__main__ import main as rasa_sdk_main
from sanic import response

from actions.context import get_context

TOKEN_HEADER = "X-Rightsdesk-Token"  # noqa: S105 - a header name, not a secret
GUARDED_PATHS = ("/webhook", "/actions")


def guard(app: Any, token: str) -> Any:
    """Refuse (403) a call to the action endpoints without the shared secret."""

    async def require_token(request: Any) -> Any:
        if request.path.rstrip("/") not in GUARDED_PATHS:
            return None
        presented = request.headers.get(TOKEN_HEADER, "")
        if not token or not hmac.compare_digest(presented.encode(), token.encode()):
            return response.json({"error": "a caller of the action server must present the shared secret"}, 403)
        return None

    app.register_middleware(require_token, "request")
    return app


def main() -> None:
    """Warm the context, then serve the actions behind the shared secret."""
    context = get_context()
    context.knowledge.kb  # noqa: B018 - builds (or loads) the knowledge base now
    token = context.settings.actions_token
    create_app = rasa_sdk.endpoint.create_app

    def guarded_app(*args: Any, **kwargs: Any) -> Any:
        return guard(create_app(*args, **kwargs), token)

    rasa_sdk.endpoint.create_app = guarded_app
    rasa_sdk_main()


if __name__ == "__main__":
    main()
