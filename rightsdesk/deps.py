"""The one place that builds per-request dependencies: database sessions and app-wide services."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from channels.chat import ChatService
from knowledge.service import KnowledgeService
from rightsdesk.settings import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """A database session for one request: committed when the handler returns, rolled back on error."""
    db_session: Session = request.app.state.session_factory()
    try:
        yield db_session
        db_session.commit()
    except BaseException:
        db_session.rollback()
        raise
    finally:
        db_session.close()


def get_knowledge(request: Request) -> KnowledgeService:
    """The knowledge service."""
    knowledge: KnowledgeService = request.app.state.knowledge
    return knowledge


def get_chat(request: Request) -> ChatService:
    """The chat service."""
    chat: ChatService = request.app.state.chat
    return chat
