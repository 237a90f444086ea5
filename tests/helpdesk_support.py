"""Shared helpers for the help-desk and console tests: settings on a given database, officers, tickets, and a
signed-in console client (FastAPI's TestClient; no Rasa)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from channels.delivery import render_link
from conversations.models import Conversation
from conversations.service import start_conversation, transcript
from core.db import unit_of_work
from core.settings import Settings
from knowledge.district import District
from rightsdesk.app import create_app
from ticketing.officers.models import OfficerRole
from ticketing.officers.service import add_officer
from ticketing.tickets.enums import Channel, TicketCategory
from ticketing.tickets.service import open_ticket

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def make_settings(tmp_path: Path, url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "RIGHTSDESK_DATA_DIR": tmp_path / "var",
        "RIGHTSDESK_PORT": 18000,
        "RIGHTSDESK_RASA_PORT": 1,
        "RIGHTSDESK_ACTIONS_PORT": 2,
        "RIGHTSDESK_DATABASE_URL": url,
        "RIGHTSDESK_SLA_INTERVAL_SECONDS": 0,
        **extra,
    }
    settings = Settings(**values)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def officer(
    factory: sessionmaker[Session], email: str, role: str, schools: list[str] | None = None, name: str | None = None
) -> int:
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


@dataclass
class OpenedTicket:
    reference: str
    requester_ref: str
    conversation_id: int
    ticket_id: int


def web_ticket(
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


@dataclass
class Console:
    """A browser-like client of the console."""

    client: TestClient
    csrf: str = ""
    last: httpx.Response | None = field(default=None, repr=False)

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        page = self.client.get("/console/login")
        token = CSRF_RE.search(page.text)
        assert token, page.text
        response = self.client.post(
            "/console/login",
            data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/console/queue"},
            follow_redirects=False,
        )
        if response.status_code == 303 and response.headers["location"] == "/console/queue":
            self.get("/console/queue")
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client.get(path, follow_redirects=False, **kwargs)
        found = (
            CSRF_RE.search(response.text) if response.headers.get("content-type", "").startswith("text/html") else None
        )
        if found:
            self.csrf = found.group(1)
        self.last = response
        return response

    def post(
        self, path: str, data: dict[str, Any] | None = None, csrf: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        body = {"csrf_token": self.csrf if csrf is None else csrf, **(data or {})}
        return self.client.post(path, data=body, follow_redirects=False, **kwargs)


def console_app(settings: Settings) -> FastAPI:
    return create_app(settings)


def signed_in(app: FastAPI, email: str) -> Console:
    console = Console(TestClient(app))
    response = console.login(email)
    assert response.status_code == 303, response.text
    return console
