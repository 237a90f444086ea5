"""The web chat's abuse limits (issue 11, F4), counted from the gateway's thread pool.

Every ``/api/chat`` request counts against its client address (``RIGHTSDESK_RATE_CHAT_PER_ADDRESS``); a family's
message also counts against its conversation (``RIGHTSDESK_RATE_CHAT_PER_CONVERSATION``), and starting a
conversation against the address's new conversations (``RIGHTSDESK_RATE_NEW_CONVERSATIONS_PER_ADDRESS``). Open
event streams hold a slot under their address and their conversation (``RIGHTSDESK_MAX_EVENT_STREAMS_PER_*``).
A refusal raises :class:`RateLimited`, which the gateway answers 429 in the conversation's language.
"""

from __future__ import annotations

from functools import lru_cache

from starlette.requests import HTTPConnection

from channels.limits.messages import RateLimited
from channels.limits.rates import Rate
from channels.limits.service import Lease, Limiter
from core.client_address import client_key
from core.settings import Settings

NEW_CONVERSATION_KEY = "chat:new:"


@lru_cache(maxsize=64)
def _rate(text: str) -> Rate | None:
    return Rate.parse(text)


def count_request(
    connection: HTTPConnection,
    *,
    language: str,
    conversation_id: int | None = None,
    message: bool = False,
    new_conversation: bool = False,
    address: bool = True,
) -> None:
    """Count this request (and the message, or the new conversation); raise :class:`RateLimited` when over.

    ``address=False`` leaves the address out (a request already counted once).
    """
    settings: Settings = connection.app.state.settings
    limiter: Limiter = connection.app.state.limiter
    client = client_key(connection)
    checks: list[tuple[str, Rate | None]] = []
    if address:
        checks.append((f"chat:address:{client}", _rate(settings.rate_chat_per_address)))
    if message and conversation_id is not None:
        checks.append((f"chat:conversation:{conversation_id}", _rate(settings.rate_chat_per_conversation)))
    if new_conversation:
        checks.append((NEW_CONVERSATION_KEY + client, _rate(settings.rate_new_conversations_per_address)))
    exceeded = limiter.hit(checks)
    if exceeded is not None:
        kind = "conversations" if exceeded.key.startswith(NEW_CONVERSATION_KEY) else "messages"
        raise RateLimited(kind, language, exceeded.retry_after)


def open_stream(connection: HTTPConnection, *, conversation_id: int, language: str, seconds: float) -> Lease:
    """A slot for one event stream under its address and its conversation; :class:`RateLimited` when full."""
    settings: Settings = connection.app.state.settings
    limiter: Limiter = connection.app.state.limiter
    lease = limiter.acquire(
        [
            (f"stream:address:{client_key(connection)}", settings.max_event_streams_per_address),
            (f"stream:conversation:{conversation_id}", settings.max_event_streams_per_session),
        ],
        ttl=seconds,
    )
    if lease is None:
        raise RateLimited("streams", language, 60.0)
    return lease
