"""Test-only factories: settings on a given database, officers, tickets opened from a real conversation, and the
numbers and pass phrases the tests share. Each builds through the real services (never raw SQL), in one unit of work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from channels.delivery import render_link
from conversations.models import Conversation
from conversations.service import start_conversation, transcript
from core.db import unit_of_work
from core.settings import Settings
from knowledge.district import District
from ticketing.officers.models import OfficerRole
from ticketing.officers.service import add_officer
from ticketing.tickets.enums import Channel, TicketCategory
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import open_ticket

PASSWORD = "correct horse battery staple"
"""Every test officer's pass phrase."""
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
"""The CSRF token in a console or public form."""
PARENT = "+15557654321"
"""The family's mobile number in the SMS and outbox tests."""


def database_url(engine: Engine) -> str:
    """``engine``'s URL with its password, for settings and environment variables."""
    return engine.url.render_as_string(hide_password=False)


def settings_for(tmp_path: Path, database: Engine | str | None = None, **extra: Any) -> Settings:
    """Settings with data in ``tmp_path``, on ``database`` (an engine or a URL; default: the data directory's
    SQLite), no Rasa running and no background deadline check; ``extra`` adds ``RIGHTSDESK_*`` values."""
    values: dict[str, Any] = {
        "RIGHTSDESK_DATA_DIR": tmp_path / "var",
        "RIGHTSDESK_PORT": 18000,
        "RIGHTSDESK_RASA_PORT": 1,
        "RIGHTSDESK_ACTIONS_PORT": 2,
        "RIGHTSDESK_SLA_INTERVAL_SECONDS": 0,
        **extra,
    }
    if database is not None:
        values["RIGHTSDESK_DATABASE_URL"] = database if isinstance(database, str) else database_url(database)
    settings = Settings(**values)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def make_officer(
    factory: sessionmaker[Session], email: str, role: str, schools: list[str] | None = None, name: str | None = None
) -> int:
    """An active officer with :data:`PASSWORD`; returns the id."""
    with unit_of_work(factory) as db_session:
        created = add_officer(
            db_session=db_session,
            email=email,
            name=name or email.split("@")[0].title(),
            role=OfficerRole(role),
            password=PASSWORD,
            schools=schools,
        )
        return created.id


def open_test_ticket(db_session: Session, district: District, **values: Any) -> Ticket:
    """A ticket opened in ``db_session`` by the ticket service: a web records request in English for Maple Valley
    High (``requester_ref`` "c-test"), with ``values`` (any keyword of ``open_ticket``) changed."""
    arguments: dict[str, Any] = {
        "category": TicketCategory.records,
        "channel": Channel.web,
        "language": "en",
        "requester_ref": "c-test",
        "school_id": "mvhs",
        **values,
    }
    return open_ticket(db_session=db_session, district=district, **arguments)


@dataclass
class OpenedTicket:
    reference: str
    requester_ref: str
    conversation_id: int
    ticket_id: int


def make_ticket(
    factory: sessionmaker[Session],
    district: District,
    *,
    category: TicketCategory = TicketCategory.records,
    school_id: str | None = "mvhs",
    language: str = "en",
    summary: str = "I would like to see my son's attendance records.",
    now: datetime | None = None,
) -> OpenedTicket:
    """A ticket opened from a real web conversation (so replies can reach the family)."""
    with unit_of_work(factory) as db_session:
        conversation, _token = start_conversation(db_session=db_session, channel="web", language=language)
        ticket = open_ticket(
            db_session=db_session,
            district=district,
            category=category,
            channel=Channel.web,
            language=language,
            requester_ref=conversation.rasa_sender,
            summary=summary,
            school_id=school_id,
            now=now,
        )
        return OpenedTicket(ticket.reference, conversation.rasa_sender, conversation.id, ticket.id)


def family_messages(factory: sessionmaker[Session], conversation_id: int) -> list[str]:
    """What the family's conversation shows from the office, oldest first."""
    with unit_of_work(factory) as db_session:
        conversation = db_session.get_one(Conversation, conversation_id)
        return [
            render_link(m.text, m.data)
            for m in transcript(db_session=db_session, conversation=conversation)
            if m.direction == "out"
        ]
