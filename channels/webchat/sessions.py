"""Web sessions at the edge (issue 11, F8): how long a session id works, and tickets for the event stream.

A family's session id is a bearer token, kept by the page in ``sessionStorage`` (gone with the tab). It is never
put in a URL: the event stream (``GET /api/chat/events``) is opened with a *ticket* the page asks for with the
session id in a POST body. A ticket names its conversation, lasts :data:`TICKET_SECONDS`, is signed with a key
derived from ``RIGHTSDESK_SECRET_KEY`` and works once (the limiter remembers it), so what a proxy's access log
records is useless a minute later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from functools import lru_cache

from conversations.service import SessionPolicy
from core.keyring import derive_key
from core.settings import Settings

TICKET_SECONDS = 60
_LABEL = b"rightsdesk event stream tickets v1"
_TICKET = re.compile(r"^([0-9]{1,18})\.([0-9]{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$")


def session_policy(settings: Settings) -> SessionPolicy:
    """How long a web session id works (``RIGHTSDESK_CHAT_IDLE_MINUTES``, ``RIGHTSDESK_CHAT_MAX_HOURS``)."""
    return SessionPolicy(
        idle=timedelta(minutes=settings.chat_idle_minutes), lifetime=timedelta(hours=settings.chat_max_hours)
    )


@lru_cache(maxsize=8)
def _key(secret_key: str) -> bytes:
    return derive_key(secret_key, _LABEL)


def _mac(secret_key: str, payload: str) -> str:
    digest = hmac.new(_key(secret_key), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_ticket(secret_key: str, conversation_id: int, now: float) -> str:
    """A ticket that opens ``conversation_id``'s event stream once, within :data:`TICKET_SECONDS`."""
    payload = f"{conversation_id}.{int(now) + TICKET_SECONDS}.{secrets.token_urlsafe(12)}"
    return f"{payload}.{_mac(secret_key, payload)}"


def read_ticket(secret_key: str, ticket: str, now: float) -> tuple[int, str] | None:
    """``(conversation id, nonce)`` of a genuine, unexpired ticket; None otherwise.

    Whether it was used already is not known here: the caller asks the limiter.
    """
    match = _TICKET.match(ticket or "")
    if match is None:
        return None
    conversation, expires, nonce, mac = match.groups()
    if not hmac.compare_digest(mac, _mac(secret_key, f"{conversation}.{expires}.{nonce}")):
        return None
    if int(expires) < now:
        return None
    return int(conversation), nonce
