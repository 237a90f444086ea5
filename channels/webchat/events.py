"""``GET /api/chat/events?ticket=...&after=N``: the conversation's new replies as server-sent events.

An open chat page keeps this stream and shows what arrives without reloading: an officer's reply, a late answer
after Rasa was briefly down, the assistant's answer to a message sent from another tab. Each event is one
transcript message (``id`` is its transcript id; the browser resends the last one as ``Last-Event-ID`` when it
reconnects, so nothing is missed or shown twice).

The stream is opened with a single-use ticket from ``POST /api/chat/events/ticket`` (the session id travels in
that POST's body, never in a URL: :mod:`channels.webchat.sessions`). Each open stream holds a slot under its
address and its conversation (``RIGHTSDESK_MAX_EVENT_STREAMS_PER_ADDRESS`` / ``_PER_SESSION``), given back when it
ends; one over the limit gets 429. A used or expired ticket gets 401: the page asks for a new one.

One :class:`TranscriptWatcher` per gateway process looks at the newest transcript id twice a second and wakes the
streams when it grows; each stream then reads only its own conversation. This works across several gateway
processes (they share the database) at the cost of two tiny queries a second per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from channels.delivery import render_link
from channels.limits.service import Lease, Limiter
from channels.webchat.limits import count_request, open_stream
from channels.webchat.sessions import TICKET_SECONDS, issue_ticket, read_ticket, session_policy
from conversations.models import Conversation, ConversationMessage
from conversations.service import find_conversation
from core.db import unit_of_work, utcnow
from core.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/chat", tags=["chat"])

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
# A stream ends after this long; the browser reconnects at once with Last-Event-ID (bounds a stuck connection).
STREAM_SECONDS = 300.0
RECONNECT_MS = 2000
# Transcript ids fit a signed 64-bit integer; a larger one is refused (422) before the database sees it.
MAX_ID = 2**63 - 1
_LAST_EVENT_ID = re.compile(r"^[0-9]{1,18}$")
GONE = "This conversation was not found (it may have ended or expired)."


class TranscriptWatcher:
    """Wakes the event streams of this process when any conversation's transcript grows."""

    def __init__(self, session_factory: sessionmaker[Session], interval: float = POLL_SECONDS) -> None:
        self.session_factory = session_factory
        self.interval = interval
        self.latest = 0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _newest_id(self) -> int:
        with self.session_factory() as db_session:
            return int(db_session.scalar(select(func.max(ConversationMessage.id))) or 0)

    async def _run(self) -> None:
        while True:
            try:
                newest = await asyncio.to_thread(self._newest_id)
                if newest != self.latest:
                    self.latest = newest
                    self._changed.set()
                    self._changed = asyncio.Event()
            except Exception:
                log.exception("transcript watcher: query failed; trying again")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        """Start watching (from the app's lifespan)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop watching."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def nudge(self) -> None:
        """Wake the streams now (a reply was just stored in this process)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, seen: int, timeout: float) -> bool:
        """Wait until the transcript may have grown past ``seen`` (a :attr:`latest` read earlier); False on timeout."""
        if self.latest != seen:
            return True
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False


def message_event(message: ConversationMessage) -> dict[str, Any]:
    """One transcript message as the chat page shows it (also the shape of ``/api/chat/history`` items)."""
    data = message.data or {}
    sender = data.get("from") or ("family" if message.direction == "in" else "assistant")
    return {
        "id": message.id,
        "direction": message.direction,
        "text": data.get("display") or render_link(message.text, data),
        "buttons": data.get("buttons", []),
        "article": data.get("article"),
        "from": sender,
        "status": message.status,
    }


def _replies_after(session_factory: sessionmaker[Session], conversation_id: int, after: int) -> list[dict[str, Any]]:
    with unit_of_work(session_factory) as db_session:
        rows = db_session.scalars(
            select(ConversationMessage)
            .where(
                ConversationMessage.conversation_id == conversation_id,
                ConversationMessage.direction == "out",
                ConversationMessage.id > after,
            )
            .order_by(ConversationMessage.id)
            .limit(100)
        ).all()
        return [message_event(m) for m in rows]


class TicketIn(BaseModel):
    """Which conversation's stream the page wants to open (its session id, in the body, never in a URL)."""

    session_id: str = Field(max_length=200)


@router.post("/events/ticket")
def stream_ticket(body: TicketIn, request: Request) -> dict[str, Any]:
    """A single-use ticket, good for a minute, that opens the conversation's event stream."""
    settings: Settings = request.app.state.settings
    with unit_of_work(request.app.state.session_factory) as db_session:
        conversation = find_conversation(db_session=db_session, token=body.session_id, policy=session_policy(settings))
    count_request(request, language=conversation.language if conversation else "en")
    if conversation is None:
        raise HTTPException(status_code=404, detail=GONE)
    return {"ticket": issue_ticket(settings.secret_key, conversation.id, time.time()), "expires_in": TICKET_SECONDS}


def _open_stream(request: Request, ticket: str) -> tuple[int, Lease]:
    """Check the ticket (once), the conversation and the limits; a slot for the stream (a worker thread)."""
    settings: Settings = request.app.state.settings
    limiter: Limiter = request.app.state.limiter
    read = read_ticket(settings.secret_key, ticket, time.time())
    count_request(request, language="en")
    if read is None or not limiter.once("stream-ticket:" + read[1], TICKET_SECONDS + 5):
        raise HTTPException(status_code=401, detail="This stream ticket is not valid (any more): ask for a new one.")
    conversation_id = read[0]
    with unit_of_work(request.app.state.session_factory) as db_session:
        conversation = db_session.get(Conversation, conversation_id)
        if conversation is None or session_policy(settings).expired(conversation, utcnow()):
            raise HTTPException(status_code=404, detail=GONE)
        language = conversation.language
    lease = open_stream(request, conversation_id=conversation_id, language=language, seconds=STREAM_SECONDS + 30)
    return conversation_id, lease


def _format(event: dict[str, Any]) -> str:
    return f"id: {event['id']}\nevent: message\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"


@router.get("/events")
async def chat_events(
    request: Request,
    ticket: str = Query(max_length=200),
    after: int = Query(0, ge=0, le=MAX_ID),
) -> StreamingResponse:
    """The conversation's replies after ``after`` (or ``Last-Event-ID``), then each new one as it is stored."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    watcher: TranscriptWatcher = request.app.state.transcript_watcher
    limiter: Limiter = request.app.state.limiter
    conversation_id, lease = await run_in_threadpool(_open_stream, request, ticket)
    last_event = _LAST_EVENT_ID.match(request.headers.get("last-event-id", ""))
    cursor = max(after, int(last_event.group(0)) if last_event else 0)

    async def stream() -> AsyncIterator[str]:
        nonlocal cursor
        try:
            yield f"retry: {RECONNECT_MS}\n\n"
            loop = asyncio.get_running_loop()
            deadline = loop.time() + STREAM_SECONDS
            while loop.time() < deadline:
                seen = watcher.latest
                for event in await run_in_threadpool(_replies_after, factory, conversation_id, cursor):
                    cursor = event["id"]
                    yield _format(event)
                if not await watcher.wait(seen, KEEPALIVE_SECONDS):
                    yield ": keep-alive\n\n"
        finally:
            # Also when the page went away (the stream is cancelled): give the slot back.
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(limiter.release, lease)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
