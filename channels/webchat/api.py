"""``POST /api/chat`` (the chat contract) and ``POST /api/chat/history`` (reload, late replies).

Contract: ``{"session_id": optional, "text": "..."}`` -> ``{"session_id", "language", "messages": [{"text",
"buttons": [{"title","payload"}], "article": null | {"id","topic","title","sources"}}]}``. The first call without
a session gets a new, unguessable one. Bad input gets a 422 with a plain message and changes nothing. While an
officer has the conversation the answer has no messages (the officer answers; the page gets it over the event
stream, :mod:`channels.webchat.events`). History items carry their transcript ``id``, ``direction`` and ``from``
(``assistant``, ``office`` or ``family``); the page shows each id once, whichever way it arrived.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from channels.chat import MAX_MESSAGE_CHARS, ChatService
from channels.conversations import find_conversation, start_conversation, transcript
from channels.webchat.events import message_event
from rightsdesk.deps import get_chat
from ticketing.database import unit_of_work

router = APIRouter(prefix="/api/chat", tags=["chat"])


class ChatIn(BaseModel):
    """A family's message."""

    session_id: str | None = Field(None, max_length=200)
    text: str = Field(max_length=MAX_MESSAGE_CHARS)
    language: str | None = Field(None, pattern="^(en|es)$")
    # The button title a family clicked, shown in the transcript instead of the button's payload.
    display: str | None = Field(None, max_length=200)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the message is empty")
        return value


class ChatOut(BaseModel):
    """The assistant's replies."""

    session_id: str
    language: str
    messages: list[dict[str, Any]]


class HistoryIn(BaseModel):
    """Which conversation, and the last message id the client has."""

    session_id: str = Field(max_length=200)
    after: int = Field(0, ge=0)


UNKNOWN_SESSION = "This conversation was not found (it may have expired). Start a new one without a session_id."


def _open_conversation(request: Request, session_id: str | None) -> tuple[int, str]:
    """The conversation of ``session_id``, or a new one (404 for an unknown session); a worker thread."""
    with unit_of_work(request.app.state.session_factory) as db_session:
        if session_id:
            conversation = find_conversation(db_session=db_session, token=session_id)
            if conversation is None:
                raise HTTPException(status_code=404, detail=UNKNOWN_SESSION)
            return conversation.id, session_id
        conversation, token = start_conversation(db_session=db_session, channel="web")
        return conversation.id, token


@router.post("", response_model=ChatOut)
async def post_chat(body: ChatIn, request: Request, chat: ChatService = Depends(get_chat)) -> ChatOut:
    """Answer one message; start a conversation when no session is given."""
    conversation_id, token = await run_in_threadpool(_open_conversation, request, body.session_id)
    # `language` is the page's toggle: an explicit choice, like typing "español".
    reply = await chat.handle(conversation_id, body.text, chosen_language=body.language, display=body.display)
    request.app.state.transcript_watcher.nudge()
    return ChatOut(session_id=token, language=reply.language, messages=[m.as_dict() for m in reply.messages])


@router.post("/history")
def post_history(body: HistoryIn, request: Request) -> dict[str, Any]:
    """The conversation's messages after ``after`` (for a reload, or replies that came later)."""
    with unit_of_work(request.app.state.session_factory) as db_session:
        conversation = find_conversation(db_session=db_session, token=body.session_id)
        if conversation is None:
            raise HTTPException(status_code=404, detail=UNKNOWN_SESSION)
        items = [
            message_event(m) for m in transcript(db_session=db_session, conversation=conversation, after_id=body.after)
        ]
        return {"language": conversation.language, "messages": items, "with_person": bool(conversation.handoff_officer)}
