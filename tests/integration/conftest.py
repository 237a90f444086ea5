"""Fixtures of the integration tier: a fake Twilio, settings on a migrated database, and the gateway (scripted
Rasa, fake Twilio). The database fixtures are in ``tests/conftest.py``; factories in ``tests/factories.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from core import contacts
from core.settings import Settings
from rightsdesk.app import create_app
from tests.fakes.rasa import ScriptedRasa
from tests.fakes.twilio_server import FakeTwilio
from tests.support.gateway import Gateway, channel_settings


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def sms_settings(settings: Settings, fake_twilio: FakeTwilio, migrate: Callable[[str], None]) -> Settings:
    configured = channel_settings(settings, fake_twilio)
    configured.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(configured.database_url)
    contacts.configure(configured.secret_key)
    return configured


@pytest.fixture
def gateway(sms_settings: Settings, fake_twilio: FakeTwilio) -> Iterator[Gateway]:
    rasa = ScriptedRasa()
    app = create_app(sms_settings)
    app.state.rasa.http = httpx.AsyncClient(transport=rasa.transport())
    with TestClient(app, base_url="https://testserver.internal") as client:
        yield Gateway(client, rasa, fake_twilio, sms_settings)
