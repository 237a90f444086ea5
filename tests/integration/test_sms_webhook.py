"""Twilio's webhook through the ASGI client, replies through the outbox to a fake Twilio (the real `twilio` library).

Rasa is scripted (tests/fakes/rasa.py); everything else is real: signatures, the database, the outbox worker.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select, text

from channels.sms.models import SmsInbound
from conversations.models import Conversation, ConversationMessage
from outbox.models import OutboxStatus
from rightsdesk.tables import Base
from tests.fakes import fixtures
from tests.fakes.fixtures import MESSAGING_SERVICE, OUR_NUMBER, PUBLIC_URL, Gateway, channel_settings
from tests.fakes.rasa import bot_response_text

# The fixtures this module uses (assigned, not imported, so that linters see them as used).
fake_twilio = fixtures.fake_twilio
sms_settings = fixtures.sms_settings
gateway = fixtures.gateway

PARENT = "+15557654321"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def counts(gw: Gateway) -> tuple[int, int, int]:
    with gw.session_factory() as db_session:
        return (
            int(db_session.scalar(select(func.count()).select_from(SmsInbound)) or 0),
            int(db_session.scalar(select(func.count()).select_from(Conversation)) or 0),
            int(db_session.scalar(select(func.count()).select_from(ConversationMessage)) or 0),
        )


def everything_stored(gw: Gateway) -> str:
    """Every value of every table, as text (to look for a phone number in clear text)."""
    out = []
    with gw.session_factory() as db_session:
        for table in Base.metadata.sorted_tables:
            for row in db_session.execute(text(f'SELECT * FROM "{table.name}"')):
                out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def test_a_signed_message_is_answered_by_sms_and_the_number_stays_secret(gateway: Gateway) -> None:
    response = gateway.sms(PARENT, "hello, who can see my son's grades?")
    assert response.status_code == 200
    assert response.text == EMPTY_TWIML
    assert response.headers["content-type"].startswith("application/xml")
    assert gateway.deliver() == 1
    (sent,) = gateway.twilio.wait_for(1, PARENT)
    assert sent["body"] == "Answer to: hello, who can see my son's grades?"
    assert sent["from"] == OUR_NUMBER
    assert sent["status_callback"] == f"{PUBLIC_URL}/sms/twilio/status"
    # Rasa knows a pseudonym, never the number.
    (to_rasa,) = gateway.rasa.received
    assert to_rasa["sender"].startswith("c") and "555" not in to_rasa["sender"]
    assert to_rasa["metadata"]["channel"] == "sms"
    with gateway.session_factory() as db_session:
        conversation = db_session.scalars(select(Conversation)).one()
        assert conversation.channel == "sms"
    stored = everything_stored(gateway)
    assert "5557654321" not in stored and "765-4321" not in stored


def test_a_bad_or_missing_signature_gets_403_and_changes_nothing(gateway: Gateway) -> None:
    before = counts(gateway)
    params = gateway.twilio.inbound_params(PARENT, "hello")
    forged = gateway.client.post("/sms/twilio", data=params, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    missing = gateway.client.post("/sms/twilio", data=params)
    tampered_params = {**params, "Body": "something else"}
    tampered = gateway.client.post(
        "/sms/twilio", data=tampered_params, headers=gateway.twilio.signed_headers(PUBLIC_URL + "/sms/twilio", params)
    )
    assert (forged.status_code, missing.status_code, tampered.status_code) == (403, 403, 403)
    assert "Twilio-Signature" in missing.json()["detail"]
    assert counts(gateway) == before
    assert gateway.rasa.received == []
    assert gateway.deliver() == 0


def test_behind_a_proxy_the_signature_is_checked_against_the_public_url(gateway: Gateway) -> None:
    params = gateway.twilio.inbound_params(PARENT, "hello")
    # Signed for the address the app sees (not the public one): refused.
    internal = gateway.post_signed("/sms/twilio", params, signed_url="http://testserver.internal/sms/twilio")
    assert internal.status_code == 403
    # Signed for the public URL, as Twilio does, although the request reaches the app under another host.
    public = gateway.post_signed("/sms/twilio", params, signed_url=PUBLIC_URL + "/sms/twilio")
    assert public.status_code == 200


def test_a_number_in_a_messaging_service_works_and_replies_use_the_service(
    sms_settings, fake_twilio, gateway: Gateway
) -> None:
    gateway.settings = channel_settings(sms_settings, fake_twilio, twilio_messaging_service_sid=MESSAGING_SERVICE)
    response = gateway.sms(PARENT, "hola", to_number="+15559998888", messaging_service_sid=MESSAGING_SERVICE)
    assert response.status_code == 200
    gateway.deliver()
    (sent,) = gateway.twilio.wait_for(1, PARENT)
    assert sent["messaging_service_sid"] == MESSAGING_SERVICE and sent["from"] is None
    assert sent["status"] == "accepted"


def test_a_redelivered_message_is_processed_once(gateway: Gateway) -> None:
    params = gateway.twilio.inbound_params(PARENT, "hello")
    first = gateway.post_signed("/sms/twilio", params)
    again = gateway.post_signed("/sms/twilio", params)
    assert first.status_code == again.status_code == 200
    assert again.text == EMPTY_TWIML
    assert gateway.rasa.texts() == ["hello"]
    gateway.deliver(2)
    assert len(gateway.twilio.sent_to(PARENT)) == 1
    assert counts(gateway)[0] == 1


def test_stop_is_confirmed_once_then_nothing_is_sent_until_start(gateway: Gateway) -> None:
    gateway.sms(PARENT, "hello")
    gateway.deliver()
    gateway.sms(PARENT, "rights please")  # answered, but the answer is still queued when STOP arrives
    assert gateway.sms(PARENT, "Stop").status_code == 200
    gateway.sms(PARENT, "STOP")  # again: no second confirmation
    gateway.sms(PARENT, "are you there?")  # not answered, not even given to the assistant
    gateway.deliver(3)
    sent = gateway.twilio.sent_to(PARENT)
    assert sent[0] == "Answer to: hello"
    assert len(sent) == 2 and "unsubscribed" in sent[1] and "START" in sent[1]
    assert gateway.rasa.texts() == ["hello", "rights please"]
    # An office message while opted out is kept but not sent, and the console can see why.
    from channels.delivery import send_to_family
    from core.db import unit_of_work

    with unit_of_work(gateway.session_factory) as db_session:
        ref = db_session.scalars(select(Conversation.rasa_sender)).one()
        send_to_family(db_session=db_session, requester_ref=ref, text="We have your request.")
    gateway.deliver()
    assert len(gateway.twilio.sent_to(PARENT)) == 2
    assert gateway.outbox()[-1].status is OutboxStatus.undeliverable
    held_back = [m for m in gateway.outbox() if m.status is OutboxStatus.undeliverable]
    assert len(held_back) == 2 and all("STOP" in (m.last_error or "") for m in held_back)
    gateway.sms(PARENT, "start")
    gateway.sms(PARENT, "hello again")
    gateway.deliver(3)
    sent = gateway.twilio.sent_to(PARENT)
    assert "subscribed to" in sent[2] and sent[3] == "Answer to: hello again"


def test_spanish_keywords_stop_help_and_start(gateway: Gateway) -> None:
    gateway.sms(PARENT, "AYUDA")
    gateway.sms(PARENT, "parar")
    gateway.sms(PARENT, "hola")
    gateway.sms(PARENT, "Comenzar")
    gateway.deliver(4)
    help_text, stopped, started = gateway.twilio.sent_to(PARENT)
    assert "privacy@maplevalley.example.org" in help_text and "(555) 010-0100" in help_text  # E82
    assert "PARAR" in help_text and "Responsable de Privacidad" in help_text
    assert "Distrito Escolar Maple Valley" in help_text and "USD" not in help_text  # E81: "USD" reads as dollars
    assert "no recibirá más" in stopped and "COMENZAR" in stopped
    assert "Volverá a recibir nuestros mensajes" in started
    assert gateway.rasa.texts() == []


def test_help_in_english_names_the_district_contact_and_is_not_given_to_the_assistant(gateway: Gateway) -> None:
    gateway.sms(PARENT, "help")
    gateway.deliver()
    (reply,) = gateway.twilio.sent_to(PARENT)
    assert "Dana Whitfield" in reply and "privacy@maplevalley.example.org" in reply and "STOP" in reply
    assert len(reply) <= 1600
    assert gateway.rasa.received == []


def test_two_messages_arriving_together_are_answered_in_the_order_received(gateway: Gateway) -> None:
    app = gateway.client.app

    async def both() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.internal") as client:
            first = gateway.twilio.inbound_params(PARENT, "slow first question")
            second = gateway.twilio.inbound_params(PARENT, "second question")

            async def post(params: dict[str, str]) -> httpx.Response:
                headers = gateway.twilio.signed_headers(PUBLIC_URL + "/sms/twilio", params)
                return await client.post("/sms/twilio", data=params, headers=headers)

            return list(await asyncio.gather(post(first), post(second)))

    responses = gateway.client.portal.call(both)  # type: ignore[union-attr]
    assert [r.status_code for r in responses] == [200, 200]
    # Which of two messages sent at the same moment arrives first is up to the network; from then on the order
    # holds: the assistant reads them, and the family gets the answers, in the order they were received.
    with gateway.session_factory() as db_session:
        received = list(
            db_session.scalars(
                select(ConversationMessage.text)
                .where(ConversationMessage.direction == "in")
                .order_by(ConversationMessage.id)
            )
        )
    assert sorted(received) == ["second question", "slow first question"]
    assert gateway.rasa.texts() == received
    gateway.deliver(2)
    assert gateway.twilio.sent_to(PARENT) == [f"Answer to: {text}" for text in received]


def test_a_picture_without_text_gets_a_polite_reply(gateway: Gateway) -> None:
    gateway.sms(PARENT, "", num_media=1)
    gateway.deliver()
    (reply,) = gateway.twilio.sent_to(PARENT)
    assert "pictures" in reply and "fotos" in reply
    assert gateway.rasa.received == []


def test_replies_are_sms_shaped_and_numbers_and_yes_map_back_to_buttons(gateway: Gateway) -> None:
    gateway.sms(PARENT, "rights please")
    gateway.deliver()
    answer = gateway.twilio.sent_to(PARENT)[0]
    assert answer.startswith("You can see your child's records within 45 days.")
    assert "More: https://rightsdesk.example.org/rights/en/ferpa-inspect-review" in answer
    assert "Reply with a number:\n1 More detail\n2 Talk to a person" in answer
    gateway.sms(PARENT, "2")
    assert gateway.rasa.texts()[-1] == "/human_handoff"
    gateway.sms(PARENT, "confirm it")
    gateway.deliver(2)
    assert gateway.twilio.sent_to(PARENT)[-1].endswith("Reply YES or NO.")
    gateway.sms(PARENT, "Sí")
    assert gateway.rasa.texts()[-1] == "/affirm"
    gateway.deliver()
    assert gateway.twilio.sent_to(PARENT)[-1] == "Done: you said yes."
    # The transcript shows what the family typed, not the payload.
    with gateway.session_factory() as db_session:
        shown = [
            (m.data or {}).get("display") or m.text
            for m in db_session.scalars(select(ConversationMessage).where(ConversationMessage.direction == "in"))
        ]
    assert "Sí" in shown and "/affirm" not in shown


def test_not_understood_twice_opens_a_ticket_and_says_what_happens_next(gateway: Gateway) -> None:
    from ticketing.tickets.models import Ticket

    gateway.sms(PARENT, "zzz qwerty")
    gateway.sms(PARENT, "zzz asdf")
    gateway.deliver(2)
    first, second = gateway.twilio.sent_to(PARENT)
    assert bot_response_text("utter_default") in first
    assert "I have asked a person in the privacy office" in second and "RD-" in second
    with gateway.session_factory() as db_session:
        ticket = db_session.scalars(select(Ticket)).one()
        assert ticket.category.value == "question" and ticket.channel.value == "sms"
        assert ticket.reference in second


def test_status_callbacks_update_the_outbox(gateway: Gateway) -> None:
    gateway.sms(PARENT, "hello")
    gateway.deliver()
    (sent,) = gateway.twilio.wait_for(1, PARENT)
    assert gateway.outbox()[0].status is OutboxStatus.sent
    # Twilio posts to the public URL; the proxy forwards it to the app.
    response = gateway.post_signed(
        "/sms/twilio/status",
        {"MessageSid": sent["sid"], "MessageStatus": "delivered", "AccountSid": gateway.twilio.account_sid},
    )
    assert response.status_code == 204
    assert gateway.outbox()[0].status is OutboxStatus.delivered
    late = gateway.post_signed("/sms/twilio/status", {"MessageSid": sent["sid"], "MessageStatus": "sent"})
    assert late.status_code == 204 and gateway.outbox()[0].status is OutboxStatus.delivered
    forged = gateway.client.post(
        "/sms/twilio/status",
        data={"MessageSid": sent["sid"], "MessageStatus": "failed"},
        headers={"X-Twilio-Signature": "AAAA"},
    )
    assert forged.status_code == 403 and gateway.outbox()[0].status is OutboxStatus.delivered


def test_an_undelivered_callback_is_visible_as_undeliverable(gateway: Gateway) -> None:
    from outbox.service import failed_messages

    gateway.sms(PARENT, "hello")
    gateway.deliver()
    (sent,) = gateway.twilio.wait_for(1, PARENT)
    params = {"MessageSid": sent["sid"], "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert gateway.post_signed("/sms/twilio/status", params).status_code == 204
    with gateway.session_factory() as db_session:
        (failed,) = failed_messages(db_session=db_session)
        assert failed.status is OutboxStatus.undeliverable
        assert "30003" in (failed.last_error or "") and "unreachable handset" in (failed.last_error or "")


def test_while_the_assistant_is_down_the_parent_is_told_once_and_answered_later(gateway: Gateway) -> None:
    chat = gateway.client.app.state.chat  # type: ignore[attr-defined]
    gateway.rasa.down = True
    gateway.sms(PARENT, "hello?")
    for _ in range(3):
        gateway.client.portal.call(chat.retry_pending, timedelta(0))  # type: ignore[union-attr]
    gateway.deliver(2)
    (notice,) = gateway.twilio.sent_to(PARENT)
    assert "your message is saved" in notice
    # Not "say talk to a person", which would wait for the assistant too: the office itself (Spanish review E44).
    assert "privacy@maplevalley.example.org" in notice and "(555) 010-0100" in notice
    gateway.rasa.down = False
    gateway.client.portal.call(chat.retry_pending, timedelta(0))  # type: ignore[union-attr]
    gateway.deliver()
    assert gateway.twilio.sent_to(PARENT) == [notice, "Answer to: hello?"]


def test_stop_start_and_help_in_a_spanish_conversation_are_confirmed_in_spanish(gateway: Gateway) -> None:
    """Spanish review E53: STOP, the word most families type, was confirmed in English in a Spanish conversation."""
    gateway.sms(PARENT, "hola, tengo una pregunta sobre el expediente de mi hija")
    gateway.deliver()
    gateway.sms(PARENT, "STOP")
    gateway.sms(PARENT, "HELP")
    gateway.sms(PARENT, "START")
    gateway.deliver(4)
    stopped, helped, started = gateway.twilio.sent_to(PARENT)[-3:]
    assert "no recibirá más" in stopped and "unsubscribed" not in stopped
    assert "responda PARAR" in helped and "Reply STOP" not in helped
    assert "Volverá a recibir nuestros mensajes" in started
    # The carriers' English keywords still work: the number was stopped and started.
    assert "hola" in " ".join(gateway.rasa.texts()) and "STOP" not in gateway.rasa.texts()
