"""``POST /api/chat`` (the chat contract) and ``POST /api/chat/history`` (reload, late replies).

Contract: ``{"session_id": optional, "text": "..."}`` -> ``{"session_id", "language", "messages": [{"text",
"buttons": [{"title","payload"}], "article": null | {"id","topic","title","sources"}}]}``. The first call without
a session gets a new, unguessable one. Bad input gets a 422 with a plain message and changes nothing. While an
officer has the conversation the answer has no messages (the officer answers; the page gets it over the event
stream, :mod:`channels.webchat.events`). History items carry their transcript ``id``, ``direction`` and ``from``
(``assistant``, ``office`` or ``family``); the page shows each id once, whichever way it arrived. Requests are
counted against the abuse limits (:mod:`channels.webchat.limits`): over one, 429 with a message in the
conversation's language. A session id stops working once the family ends the conversation (``POST
/api/chat/end``) or it has been idle or open too long (:mod:`channels.webchat.sessions`); it then gets 404 like an
unknown one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from channels.chat import MAX_MESSAGE_CHARS, ChatService, printable
from channels.deps import get_chat
from channels.language import detect_language
from channels.webchat.events import MAX_ID, message_event
from channels.webchat.limits import count_request
from channels.webchat.sessions import session_policy
from conversations.models import Conversation
from conversations.service import end_conversation, find_conversation, start_conversation, transcript
from core.db import unit_of_work
from identity.verification.service import forget_answers

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
        if not printable(value).strip():
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
    after: int = Field(0, ge=0, le=MAX_ID)


class EndIn(BaseModel):
    """The conversation the family ends."""

    session_id: str = Field(max_length=200)


UNKNOWN_SESSION = "This conversation was not found (it may have expired). Start a new one without a session_id."


def _open_conversation(request: Request, body: ChatIn) -> tuple[int, str]:
    """The conversation of ``body.session_id`` (404 if unknown), or a new one; counted against the limits.

    Runs in a worker thread. A refused request (429) starts no conversation and stores nothing.
    """
    factory = request.app.state.session_factory
    if body.session_id:
        with unit_of_work(factory) as db_session:
            conversation = find_conversation(
                db_session=db_session, token=body.session_id, policy=session_policy(request.app.state.settings)
            )
        # Unknown sessions count too: guessing session ids is limited like everything else.
        count_request(
            request,
            language=conversation.language if conversation else body.language or "en",
            conversation_id=conversation.id if conversation else None,
            message=True,
        )
        if conversation is None:
            raise HTTPException(status_code=404, detail=UNKNOWN_SESSION)
        return conversation.id, body.session_id
    language = body.language or detect_language(body.text).language
    count_request(request, language=language, new_conversation=True)
    with unit_of_work(factory) as db_session:
        conversation, token = start_conversation(db_session=db_session, channel="web")
    # Its first message counts against the new conversation like every later one.
    count_request(request, language=language, conversation_id=conversation.id, message=True, address=False)
    return conversation.id, token


@router.post("", response_model=ChatOut)
async def post_chat(body: ChatIn, request: Request, chat: ChatService = Depends(get_chat)) -> ChatOut:
    """Answer one message; start a conversation when no session is given."""
    conversation_id, token = await run_in_threadpool(_open_conversation, request, body)
    # `language` is the page's toggle: an explicit choice, like typing "español".
    reply = await chat.handle(conversation_id, body.text, chosen_language=body.language, display=body.display)
    request.app.state.transcript_watcher.nudge()
    return ChatOut(session_id=token, language=reply.language, messages=[m.as_dict() for m in reply.messages])


@router.post("/history")
def post_history(body: HistoryIn, request: Request) -> dict[str, Any]:
    """The conversation's messages after ``after`` (for a reload, or replies that came later)."""
    factory = request.app.state.session_factory
    with unit_of_work(factory) as db_session:
        conversation = find_conversation(
            db_session=db_session, token=body.session_id, policy=session_policy(request.app.state.settings)
        )
        language = conversation.language if conversation else "en"
    # Counted outside the transaction: a worker thread never holds two database connections at once.
    count_request(request, language=language)
    if conversation is None:
        raise HTTPException(status_code=404, detail=UNKNOWN_SESSION)
    with unit_of_work(factory) as db_session:
        items = [
            message_event(m) for m in transcript(db_session=db_session, conversation=conversation, after_id=body.after)
        ]
    return {"language": conversation.language, "messages": items, "with_person": bool(conversation.handoff_officer)}


@router.post("/end", status_code=204)
def end_chat(body: EndIn, request: Request) -> Response:
    """The family ends the conversation ("End conversation"): its session id and any verification stop working.

    Answers 204 whether or not the session existed (so it tells nothing about session ids).
    """
    factory = request.app.state.session_factory
    with unit_of_work(factory) as db_session:
        conversation = find_conversation(
            db_session=db_session, token=body.session_id, policy=session_policy(request.app.state.settings)
        )
        language = conversation.language if conversation else "en"
    count_request(request, language=language)
    if conversation is not None:
        with unit_of_work(factory) as db_session:
            ended = db_session.get_one(Conversation, conversation.id)
            end_conversation(db_session=db_session, conversation=ended)
            forget_answers(db_session=db_session, sender_id=ended.rasa_sender, identity_too=True)
    return Response(status_code=204)
