"""``GET /api/chat/events?session_id=...&after=N``: the conversation's new replies as server-sent events.

An open chat page keeps this stream and shows what arrives without reloading: an officer's reply, a late answer
after Rasa was briefly down, the assistant's answer to a message sent from another tab. Each event is one
transcript message (``id`` is its transcript id; the browser resends the last one as ``Last-Event-ID`` when it
reconnects, so nothing is missed or shown twice).

One :class:`TranscriptWatcher` per gateway process looks at the newest transcript id twice a second and wakes the
streams when it grows; each stream then reads only its own conversation. This works across several gateway
processes (they share the database) at the cost of two tiny queries a second per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from channels.conversations import find_conversation
from channels.models import Conversation, ConversationMessage
from ticketing.database import unit_of_work

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/chat", tags=["chat"])

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
# A stream ends after this long; the browser reconnects at once with Last-Event-ID (bounds a stuck connection).
STREAM_SECONDS = 300.0
RECONNECT_MS = 2000


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
        "text": data.get("display") or message.text,
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


def _conversation_id(session_factory: sessionmaker[Session], token: str) -> int | None:
    with unit_of_work(session_factory) as db_session:
        conversation: Conversation | None = find_conversation(db_session=db_session, token=token)
        return conversation.id if conversation else None


def _format(event: dict[str, Any]) -> str:
    return f"id: {event['id']}\nevent: message\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"


@router.get("/events")
async def chat_events(
    request: Request,
    session_id: str = Query(max_length=200),
    after: int = Query(0, ge=0),
) -> StreamingResponse:
    """The conversation's replies after ``after`` (or ``Last-Event-ID``), then each new one as it is stored."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    watcher: TranscriptWatcher = request.app.state.transcript_watcher
    conversation_id = await run_in_threadpool(_conversation_id, factory, session_id)
    if conversation_id is None:
        raise HTTPException(status_code=404, detail="This conversation was not found (it may have expired).")
    last_event = request.headers.get("last-event-id", "")
    cursor = max(after, int(last_event) if last_event.isdigit() else 0)

    async def stream() -> AsyncIterator[str]:
        nonlocal cursor
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

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
