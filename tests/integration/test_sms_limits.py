"""A phone number sending too fast is limited; STOP and HELP are still honoured (issue 11, F4).

Twilio's webhook through the ASGI app (signed), Rasa scripted, Twilio faked. Over ``RIGHTSDESK_RATE_SMS_PER_SENDER``
the webhook answers 429, the message is neither stored nor given to the assistant, and the family is told once
per window, in their conversation's language, to wait and send it again.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from channels.sms.models import SmsInbound
from conversations.models import ConversationMessage
from core.settings import Settings
from outbox.models import SmsOptOut
from rightsdesk.app import create_app
from tests.fakes import fixtures
from tests.fakes.fixtures import Gateway
from tests.fakes.rasa import ScriptedRasa
from tests.fakes.twilio_server import FakeTwilio

fake_twilio = fixtures.fake_twilio
sms_settings = fixtures.sms_settings
PARENT = "+15557654321"


@pytest.fixture
def gateway(sms_settings: Settings, fake_twilio: FakeTwilio) -> Iterator[Gateway]:
    limited = sms_settings.model_copy(update={"rate_sms_per_sender": "3/minute"})
    rasa = ScriptedRasa()
    app = create_app(limited)
    app.state.rasa.http = httpx.AsyncClient(transport=rasa.transport())
    with TestClient(app, base_url="https://testserver.internal") as client:
        yield Gateway(client, rasa, fake_twilio, limited)


def inbound_texts(gw: Gateway) -> list[str]:
    with gw.session_factory() as db_session:
        return list(
            db_session.scalars(
                select(ConversationMessage.text)
                .where(ConversationMessage.direction == "in")
                .order_by(ConversationMessage.id)
            )
        )


def test_a_sender_over_the_limit_is_told_once_in_their_language_and_stop_still_works(gateway: Gateway) -> None:
    assert gateway.sms(PARENT, "hola, quiero ver las notas de mi hija").status_code == 200
    for text in ("hola", "gracias"):
        assert gateway.sms(PARENT, text).status_code == 200
    refused = gateway.sms(PARENT, "mensaje de más")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert gateway.sms(PARENT, "otro mensaje de más").status_code == 429
    assert "mensaje de más" not in " ".join(inbound_texts(gateway))
    assert "mensaje de más" not in " ".join(gateway.rasa.texts())
    notices = [m for m in gateway.outbox() if m.body.startswith("Está enviando mensajes más rápido")]
    assert len(notices) == 1  # told once, in Spanish
    with gateway.session_factory() as db_session:
        kinds = list(db_session.scalars(select(SmsInbound.kind).order_by(SmsInbound.id)))
    assert kinds[-2:] == ["limited", "limited"]
    # HELP and STOP are honoured whatever the limit.
    assert gateway.sms(PARENT, "AYUDA").status_code == 200
    assert any("responda PARAR" in m.body for m in gateway.outbox())  # the HELP reply, in Spanish
    assert gateway.sms(PARENT, "PARAR").status_code == 200
    with gateway.session_factory() as db_session:
        assert db_session.scalars(select(SmsOptOut)).first() is not None


def test_a_redelivered_limited_message_is_ignored(gateway: Gateway) -> None:
    for text in ("one", "two", "three"):
        gateway.sms(PARENT, text)
    params = gateway.twilio.inbound_params(PARENT, "four")
    assert gateway.post_signed("/sms/twilio", params).status_code == 429
    assert gateway.post_signed("/sms/twilio", params).status_code == 429
    with gateway.session_factory() as db_session:
        assert list(db_session.scalars(select(SmsInbound.kind))).count("limited") == 1
