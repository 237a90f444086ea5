"""What the actions need from the rest of the system, built on first use (never at import time)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

# The outbox rows the actions queue name a conversation; its table must be known for the foreign key to resolve.
import conversations.models  # noqa: F401
from actions.slots import CHANNEL_METADATA, LANGUAGE
from core import bootstrap
from core.i18n import Language, as_language
from core.settings import Settings, get_settings
from flows.transaction import Flow, in_one_transaction
from knowledge.service import KnowledgeService

T = TypeVar("T")


@dataclass(frozen=True)
class ActionContext:
    """Settings, the knowledge service and the database, shared by every action in the process."""

    settings: Settings
    knowledge: KnowledgeService
    session_factory: sessionmaker[Session]


_lock = threading.Lock()
_context: ActionContext | None = None


def get_context() -> ActionContext:
    """The process-wide context (built once, from the environment)."""
    global _context
    with _lock:
        if _context is None:
            settings = get_settings()
            kernel = bootstrap(settings)  # kept for the life of the process
            _context = ActionContext(
                settings=settings,
                knowledge=KnowledgeService(settings.district_file, settings.public_url),
                session_factory=kernel.session_factory,
            )
        return _context


def set_context(context: ActionContext | None) -> None:
    """Replace the context (tests give actions their own database and knowledge base)."""
    global _context
    with _lock:
        _context = context


def run_flow(flow: Flow[T]) -> T:
    """Run one use case (its arguments bound) in one transaction; raises ``flows.transaction.DeskUnavailable``."""
    return in_one_transaction(get_context().session_factory, flow)


def language_of(tracker: Any) -> Language:
    """The conversation's language as the gateway set it."""
    return as_language(tracker.get_slot(LANGUAGE))


def channel_of(tracker: Any) -> str:
    """The channel of the latest message (``web`` unless the gateway said otherwise)."""
    metadata = tracker.latest_message.get("metadata") or {}
    channel = metadata.get(CHANNEL_METADATA)
    return channel if channel in ("web", "sms") else "web"


def office_email() -> str:
    """The district privacy office's address, for texts that tell the family to write to it (review E40)."""
    return get_context().knowledge.district.contacts.district_privacy_officer.email
