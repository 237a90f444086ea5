"""Family sessions fit shared devices (issue 11, F8).

A web session id stops working after the idle time and the absolute lifetime (settings), or once the family ends
the conversation (which also forgets a verified identity). The event stream is opened with a single-use ticket,
never with the session id in its URL, and open streams are limited per address and per conversation. The page
keeps the session in sessionStorage, not localStorage.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from channels.webchat.sessions import TICKET_SECONDS, issue_ticket
from conversations.models import Conversation
from core.db import unit_of_work, utcnow
from core.settings import REPO_ROOT, Settings
from identity.verification.models import VerificationSession
from rightsdesk.app import create_app
from rightsdesk.migrate import upgrade
from tests.fakes.rasa import ScriptedRasa
from tests.fakes.twilio_server import free_port


def make_app(settings: Settings, **values: Any) -> FastAPI:
    configured = settings.model_copy(update=values)
    configured.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(configured.database_url)
    app = create_app(configured)
    app.state.rasa.http = httpx.AsyncClient(transport=ScriptedRasa().transport())
    return app


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return make_app(settings, chat_idle_minutes=60, chat_max_hours=12)


def start(client: TestClient, text: str = "hello") -> str:
    response = client.post("/api/chat", json={"text": text})
    assert response.status_code == 200
    return str(response.json()["session_id"])


def age(app: FastAPI, session_id: str, **delta: timedelta) -> None:
    """Move the conversation's clocks back."""
    with unit_of_work(app.state.session_factory) as db_session:
        conversation = db_session.query(Conversation).one()
        for column, by in delta.items():
            setattr(conversation, column, getattr(conversation, column) - by)


def works(client: TestClient, session_id: str) -> dict[str, int]:
    return {
        "chat": client.post("/api/chat", json={"session_id": session_id, "text": "hi"}).status_code,
        "history": client.post("/api/chat/history", json={"session_id": session_id}).status_code,
        "ticket": client.post("/api/chat/events/ticket", json={"session_id": session_id}).status_code,
    }


def test_a_session_stops_working_after_the_idle_time(app: FastAPI) -> None:
    client = TestClient(app)
    session = start(client)
    age(app, session, last_active_at=timedelta(minutes=59), created_at=timedelta(minutes=59))
    assert works(client, session) == {"chat": 200, "history": 200, "ticket": 200}  # a message keeps it alive
    age(app, session, last_active_at=timedelta(minutes=61))
    assert works(client, session) == {"chat": 404, "history": 404, "ticket": 404}


def test_a_session_has_an_absolute_lifetime_and_both_are_settings(settings: Settings) -> None:
    app = make_app(settings, chat_idle_minutes=5, chat_max_hours=1)
    client = TestClient(app)
    session = start(client)
    age(app, session, last_active_at=timedelta(minutes=6))
    assert works(client, session)["history"] == 404
    other = start(client)
    with unit_of_work(app.state.session_factory) as db_session:
        db_session.execute(update(Conversation).values(created_at=utcnow() - timedelta(minutes=61)))
    assert works(client, other)["history"] == 404  # active a moment ago, but open for over an hour


def test_ending_a_conversation_forgets_the_session_and_a_verified_identity(app: FastAPI) -> None:
    client = TestClient(app)
    session = start(client, "hola")
    with unit_of_work(app.state.session_factory) as db_session:
        conversation = db_session.query(Conversation).one()
        now = utcnow()
        db_session.add(
            VerificationSession(
                sender_id=conversation.rasa_sender,
                code_requests=[],
                wrong_tries=0,
                verified_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    assert client.post("/api/chat/end", json={"session_id": session}).status_code == 204
    assert works(client, session) == {"chat": 404, "history": 404, "ticket": 404}
    with unit_of_work(app.state.session_factory) as db_session:
        assert db_session.query(VerificationSession).one().verified_at is None
        assert db_session.query(Conversation).one().ended_at is not None
    # Ending an unknown or ended session says nothing either way.
    assert client.post("/api/chat/end", json={"session_id": session}).status_code == 204
    assert client.post("/api/chat/end", json={"session_id": "nope"}).status_code == 204


def test_the_event_stream_takes_no_session_id_in_its_url(app: FastAPI) -> None:
    client = TestClient(app)
    session = start(client)
    assert client.get("/api/chat/events", params={"session_id": session}).status_code == 422
    assert client.get("/api/chat/events", params={"ticket": "forged.1.x.y"}).status_code == 401
    with unit_of_work(app.state.session_factory) as db_session:
        conversation_id = db_session.query(Conversation).one().id
    expired = issue_ticket(app.state.settings.secret_key, conversation_id, time.time() - TICKET_SECONDS - 1)
    assert client.get("/api/chat/events", params={"ticket": expired}).status_code == 401
    someone_elses_key = issue_ticket("another deployment's secret key", conversation_id, time.time())
    assert client.get("/api/chat/events", params={"ticket": someone_elses_key}).status_code == 401


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[FastAPI, str]]:
    app = make_app(settings, max_event_streams_per_session=1, max_event_streams_per_address=2)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def first_line(response: httpx.Response) -> str:
    # Read one line and keep the stream open (leaving a loop over iter_lines() would close the connection).
    lines = response.iter_lines()
    response.extensions["kept_lines"] = lines
    return next(lines)


def test_a_ticket_opens_one_stream_once_and_streams_are_limited(served: tuple[FastAPI, str]) -> None:
    _app, base = served
    with httpx.Client(base_url=base, timeout=10) as client:
        first = client.post("/api/chat", json={"text": "hola"}).json()["session_id"]
        second = client.post("/api/chat", json={"text": "hello"}).json()["session_id"]
        third = client.post("/api/chat", json={"text": "hello"}).json()["session_id"]

        def ticket(session: str) -> str:
            return str(client.post("/api/chat/events/ticket", json={"session_id": session}).json()["ticket"])

        used = ticket(first)
        with client.stream("GET", "/api/chat/events", params={"ticket": used}) as stream:
            assert stream.status_code == 200 and first_line(stream).startswith("retry:")
            # The same ticket again (a copy from a log, or a reconnect): refused.
            assert client.get("/api/chat/events", params={"ticket": used}).status_code == 401
            # One stream per conversation here: a second one is refused, in the conversation's language.
            again = client.get("/api/chat/events", params={"ticket": ticket(first)})
            assert again.status_code == 429 and again.json()["language"] == "es"
            assert again.json()["detail"].startswith("Esta conversación está abierta en demasiadas ventanas")
            with client.stream("GET", "/api/chat/events", params={"ticket": ticket(second)}) as other:
                assert other.status_code == 200
                # Two streams per address here: a third conversation's is refused too.
                assert client.get("/api/chat/events", params={"ticket": ticket(third)}).status_code == 429
        # Closed streams give their slots back.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            response = client.stream("GET", "/api/chat/events", params={"ticket": ticket(first)})
            with response as reopened:
                if reopened.status_code == 200:
                    break
            time.sleep(0.2)
        assert reopened.status_code == 200
        # An ended conversation's stream cannot be opened, even with a ticket taken before.
        late = ticket(third)
        client.post("/api/chat/end", json={"session_id": third})
        assert client.get("/api/chat/events", params={"ticket": late}).status_code == 404


def test_the_page_keeps_the_session_for_the_tab_only() -> None:
    script = (REPO_ROOT / "rightsdesk" / "static" / "chat.js").read_text()
    assert "sessionStorage.setItem(KEY" in script and "localStorage.setItem" not in script
    assert "session_id=" not in script  # never in a URL
    assert json.dumps("/api/chat/end") in script.replace("'", '"')
