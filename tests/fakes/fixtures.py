"""Fixtures for the channel tests: a fake Twilio, the gateway with a scripted Rasa, the outbox worker.

A test module makes the ones it uses visible to pytest by assigning them (``gateway = fixtures.gateway``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import contacts
from core.settings import Settings
from outbox.models import OutboxMessage
from outbox.worker import OutboxWorker
from rightsdesk.app import create_app
from rightsdesk.migrate import upgrade
from tests.fakes.rasa import ScriptedRasa
from tests.fakes.twilio_server import FakeTwilio

PUBLIC_URL = "https://rightsdesk.example.org"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
OUR_NUMBER = "+15550001111"
MESSAGING_SERVICE = "MG" + "0" * 32


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def channel_settings(settings: Settings, fake: FakeTwilio, **overrides: Any) -> Settings:
    """``settings`` with Twilio pointed at ``fake``, a public URL behind a proxy, and a fast outbox."""
    values: dict[str, Any] = {
        "twilio_account_sid": fake.account_sid,
        "twilio_auth_token": fake.auth_token,
        "twilio_from_number": OUR_NUMBER,
        "twilio_api_base": fake.base_url,
        "public_url_setting": PUBLIC_URL,
        "outbox_backoff_seconds": 0.05,
        "outbox_backoff_max_seconds": 0.2,
        "outbox_max_attempts": 3,
        "sla_interval_seconds": 0,  # no deadline reminders in the background of these tests
        **overrides,
    }
    return settings.model_copy(update=values)


@pytest.fixture
def sms_settings(settings: Settings, fake_twilio: FakeTwilio) -> Settings:
    configured = channel_settings(settings, fake_twilio)
    configured.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(configured.database_url)
    contacts.configure(configured.secret_key)
    return configured


@dataclass
class Gateway:
    """The gateway app (Rasa scripted), the fake Twilio, and the outbox worker of the same settings."""

    client: TestClient
    rasa: ScriptedRasa
    twilio: FakeTwilio
    settings: Settings

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.client.app.state.session_factory  # type: ignore[attr-defined,no-any-return]

    def sms(self, from_number: str, body: str, **extra: Any) -> httpx.Response:
        """Post Twilio's inbound webhook, signed for the public URL (the app itself is reached directly)."""
        params = self.twilio.inbound_params(from_number, body, **extra)
        return self.post_signed("/sms/twilio", params)

    def post_signed(self, path: str, params: dict[str, str], signed_url: str | None = None) -> httpx.Response:
        headers = self.twilio.signed_headers(signed_url or PUBLIC_URL + path, params)
        return self.client.post(path, data=params, headers=headers)

    def login(self, email: str, password: str) -> str:
        """Sign in to the console; returns the session's CSRF token."""
        page = self.client.get("/console/login")
        token = CSRF_RE.search(page.text)
        assert token, page.text
        response = self.client.post(
            "/console/login",
            data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/console/queue"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        queue = self.client.get("/console/queue")
        found = CSRF_RE.search(queue.text)
        assert found, queue.text
        return found.group(1)

    def worker(self) -> OutboxWorker:
        return OutboxWorker(self.settings, self.session_factory)

    def deliver(self, rounds: int = 1) -> int:
        """Run the outbox worker ``rounds`` times; returns how many messages it tried."""
        return sum(self.worker().run_once() for _ in range(rounds))

    def outbox(self) -> list[OutboxMessage]:
        with self.session_factory() as db_session:
            return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all())


@pytest.fixture
def gateway(sms_settings: Settings, fake_twilio: FakeTwilio) -> Iterator[Gateway]:
    rasa = ScriptedRasa()
    app = create_app(sms_settings)
    app.state.rasa.http = httpx.AsyncClient(transport=rasa.transport())
    with TestClient(app, base_url="https://testserver.internal") as client:
        yield Gateway(client, rasa, fake_twilio, sms_settings)
