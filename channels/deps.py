"""Request dependencies of the chat endpoints (web chat and SMS): the app's chat service."""

from __future__ import annotations

from fastapi import Request

from channels.chat import ChatService


def get_chat(request: Request) -> ChatService:
    """The chat service the app was built with."""
    chat: ChatService = request.app.state.chat
    return chat
