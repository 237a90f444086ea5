"""SMS through the real stack (gateway, Rasa, action server, outbox worker) and a fake Twilio on loopback.

The stack believes it is reached at a public https URL (behind a proxy); the tests play Twilio: they sign each
webhook for that public URL and post it to the gateway's own port. Replies leave through the outbox worker and
the real `twilio` library, which talks to the fake Twilio (TWILIO_API_BASE).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import start_stack
from tests.fakes.twilio_server import FakeTwilio, new_sid
from tests.support.stack import Stack

PUBLIC_URL = "https://sms-desk.example.org"
OUR_NUMBER = "+15550001111"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTwilio]:
    twilio = FakeTwilio().start()
    yield twilio
    twilio.stop()


@pytest.fixture(scope="module")
def sms_stack(fake: FakeTwilio, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("sms-stack"),
        extra_env={
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_FROM_NUMBER": OUR_NUMBER,
            "TWILIO_API_BASE": fake.base_url,
            "RIGHTSDESK_PUBLIC_URL": PUBLIC_URL,
            "RIGHTSDESK_OUTBOX_POLL_SECONDS": "0.2",
        },
    )
    yield running
    running.stop()


def text(stack: Stack, fake: FakeTwilio, number: str, body: str, sid: str | None = None) -> httpx.Response:
    params = fake.inbound_params(number, body, message_sid=sid)
    headers = fake.signed_headers(PUBLIC_URL + "/sms/twilio", params)
    return httpx.post(f"{stack.url}/sms/twilio", data=params, headers=headers, timeout=15)


def replies(fake: FakeTwilio, number: str, count: int, timeout: float = 60) -> list[str]:
    return [m["body"] for m in fake.wait_for(count, number, timeout=timeout)]


def test_a_parent_texts_a_question_and_gets_an_sms_shaped_answer_quickly(sms_stack: Stack, fake: FakeTwilio) -> None:
    number = "+15557650001"
    started = time.monotonic()
    response = text(sms_stack, fake, number, "who can see my child's grades?")
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and response.text == EMPTY_TWIML
    assert elapsed < 0.5, f"the webhook took {elapsed:.2f} s"
    (answer,) = replies(fake, number, 1)
    assert len(answer) <= 1600 and "Reply with a number:\n1 " in answer
    if f"{PUBLIC_URL}/rights/en/" not in answer:
        # The assistant asked which topic: "1" picks the first, as the button would.
        text(sms_stack, fake, number, "1")
        answer = replies(fake, number, 2)[-1]
    assert f"More: {PUBLIC_URL}/rights/en/" in answer and "Talk to a person" in answer
    options = dict(line.split(" ", 1) for line in answer.split("Reply with a number:\n")[1].splitlines())
    person = next(key for key, title in options.items() if title == "Talk to a person")
    count = len(fake.sent_to(number))
    text(sms_stack, fake, number, person)
    reference_reply = replies(fake, number, count + 1)[-1]
    assert "RD-" in reference_reply
    # Twilio reports delivery; the outbox records it.
    sid = fake.wait_for(count + 1, number)[-1]["sid"]
    assert fake.send_status(sid, "delivered", via=sms_stack.url).status_code == 204
    with sqlite3.connect(sms_stack.data_dir / "rightsdesk.db") as db:
        assert db.execute("SELECT status FROM outbox_messages WHERE provider_id = ?", (sid,)).fetchone() == (
            "delivered",
        )


def test_a_spanish_text_gets_a_spanish_answer(sms_stack: Stack, fake: FakeTwilio) -> None:
    number = "+15557650002"
    text(sms_stack, fake, number, "hola, ¿quién puede ver las calificaciones de mi hija?")
    (answer,) = replies(fake, number, 1)
    assert "Responda con un número:\n1 " in answer
    if f"{PUBLIC_URL}/rights/es/" not in answer:
        text(sms_stack, fake, number, "1")
        answer = replies(fake, number, 2)[-1]
    assert f"Más: {PUBLIC_URL}/rights/es/" in answer and "Hablar con una persona" in answer


def test_stop_help_and_start_in_both_languages(sms_stack: Stack, fake: FakeTwilio) -> None:
    number = "+15557650003"
    text(sms_stack, fake, number, "STOP")
    assert "unsubscribed" in replies(fake, number, 1)[0]
    text(sms_stack, fake, number, "hello, anyone there?")
    text(sms_stack, fake, number, "START")
    started = replies(fake, number, 2)[1]
    assert "subscribed to" in started  # and nothing answered "hello, anyone there?"
    text(sms_stack, fake, number, "AYUDA")
    assert "privacy@maplevalley.example.org" in replies(fake, number, 3)[2]
    text(sms_stack, fake, number, "PARAR")
    assert "no recibirá más" in replies(fake, number, 4)[3]
    text(sms_stack, fake, number, "hola")
    text(sms_stack, fake, number, "COMENZAR")
    assert "Volverá a recibir nuestros mensajes" in replies(fake, number, 5)[4]
    sms_stack.wait_until_idle()  # nothing more is on its way (nothing answered "hello" or "hola")
    assert len(fake.sent_to(number)) == 5


def test_a_redelivered_message_is_answered_once_and_a_forged_one_is_refused(sms_stack: Stack, fake: FakeTwilio) -> None:
    number = "+15557650004"
    sid = new_sid()
    assert text(sms_stack, fake, number, "hello", sid=sid).status_code == 200
    assert text(sms_stack, fake, number, "hello", sid=sid).status_code == 200
    replies(fake, number, 1)
    params = fake.inbound_params(number, "hello")
    forged = httpx.post(f"{sms_stack.url}/sms/twilio", data=params, headers={"X-Twilio-Signature": "x"}, timeout=10)
    internal = httpx.post(
        f"{sms_stack.url}/sms/twilio",
        data=params,
        headers=fake.signed_headers(f"{sms_stack.url}/sms/twilio", params),
        timeout=10,
    )
    assert forged.status_code == internal.status_code == 403
    sms_stack.wait_until_idle()  # nothing more is on its way (the redelivery is not answered again)
    assert len(fake.sent_to(number)) == 1


def test_two_texts_arriving_together_are_answered_in_order(sms_stack: Stack, fake: FakeTwilio) -> None:
    number = "+15557650005"
    results: dict[str, int] = {}

    def send(body: str) -> None:
        results[body] = text(sms_stack, fake, number, body).status_code

    first = threading.Thread(target=send, args=("hello",))
    second = threading.Thread(target=send, args=("what is FERPA?",))
    first.start()
    time.sleep(0.02)
    second.start()
    first.join()
    second.join()
    assert results == {"hello": 200, "what is FERPA?": 200}
    greeting, ferpa = replies(fake, number, 2)
    assert "FERPA" not in greeting and "FERPA" in ferpa


def test_the_phone_number_is_nowhere_in_clear_text(sms_stack: Stack, fake: FakeTwilio) -> None:
    number = "+15557650006"
    text(sms_stack, fake, number, "hello")
    replies(fake, number, 1)
    digits = number[2:]
    for name in ("rightsdesk.db", "rasa-tracker.db"):
        for path in Path(sms_stack.data_dir).glob(name + "*"):
            assert digits.encode() not in path.read_bytes(), path
    for log in (sms_stack.data_dir / "logs").glob("*.log"):
        assert digits not in log.read_text(errors="replace"), log
