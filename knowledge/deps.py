"""Request dependencies of the knowledge pages: the app's knowledge service."""

from __future__ import annotations

from fastapi import Request

from knowledge.service import KnowledgeService


def get_knowledge(request: Request) -> KnowledgeService:
    """The knowledge service the app was built with."""
    knowledge: KnowledgeService = request.app.state.knowledge
    return knowledge
