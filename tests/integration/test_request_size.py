"""Every request's size is limited as it streams in, chunked bodies included (issue 11, F5).

Before: a 3 MB JSON body to ``/api/chat`` was read whole (200), a chunked form to the console had no
``Content-Length`` and passed the only guard, and the SMS webhook parsed its form before checking Twilio's
signature.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from starlette.requests import Request

from channels.sms.models import SmsInbound
from conversations.models import ConversationMessage
from tests.fakes import fixtures
from tests.fakes.fixtures import Gateway

fake_twilio = fixtures.fake_twilio
sms_settings = fixtures.sms_settings
gateway = fixtures.gateway


def count(gw: Gateway, model: type) -> int:
    with gw.session_factory() as db_session:
        return int(db_session.scalar(select(func.count()).select_from(model)) or 0)


def chunks(total: int, size: int = 16_384) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"a" * min(size, total - sent)
        sent += size


def test_a_3_mb_chat_message_is_refused_and_changes_nothing(gateway: Gateway) -> None:
    body = '{"text": "hello", "padding": "' + "x" * 3_000_000 + '"}'
    response = gateway.client.post("/api/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "too large" in response.json()["detail"]
    assert count(gateway, ConversationMessage) == 0


def test_a_chunked_body_is_counted_as_it_arrives(gateway: Gateway) -> None:
    for path, kind in (
        ("/api/chat", "application/json"),
        ("/api/chat/history", "application/json"),
        ("/console/login", "application/x-www-form-urlencoded"),
        ("/sms/twilio", "application/x-www-form-urlencoded"),
    ):
        # (A signature header, so the webhook reads the body: without one it refuses before reading anything.)
        headers = {"content-type": kind, "x-twilio-signature": "forged"}
        response = gateway.client.post(path, content=chunks(200_000), headers=headers)
        assert "content-length" not in response.request.headers
        assert response.status_code == 413, (path, response.status_code, response.text[:200])
    assert count(gateway, ConversationMessage) == 0


def test_a_declared_length_over_the_limit_is_refused_before_reading(gateway: Gateway) -> None:
    response = gateway.client.post(
        "/api/chat", content=b"{}", headers={"content-type": "application/json", "content-length": "10000000"}
    )
    assert response.status_code == 413
    nonsense = gateway.client.post(
        "/api/chat",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": "²".encode("latin-1")},
    )
    assert nonsense.status_code == 400


def test_a_small_upload_still_reaches_the_console(gateway: Gateway) -> None:
    # Multipart to the console is held to the attachment limit, not the small one (the route answers 403: no CSRF).
    response = gateway.client.post(
        "/console/tickets/RD-0000-0000/attachments",
        files={"file": ("r.pdf", b"%PDF-" + b"x" * 200_000, "application/pdf")},
        data={"csrf_token": "x"},
        follow_redirects=False,
    )
    assert response.status_code != 413


def test_the_sms_form_is_not_read_as_a_form_before_its_signature_holds(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_form_parsing(self: Request, *args: object, **kwargs: object) -> object:
        raise AssertionError("the form was parsed")

    monkeypatch.setattr(Request, "form", no_form_parsing)
    params = gateway.twilio.inbound_params("+15557654321", "hello")
    forged = gateway.client.post("/sms/twilio", data=params, headers={"X-Twilio-Signature": "forged"})
    assert forged.status_code == 403
    many_fields = "&".join(f"f{i}=1" for i in range(3000))
    flooded = gateway.client.post(
        "/sms/twilio",
        content=many_fields,
        headers={"X-Twilio-Signature": "forged", "content-type": "application/x-www-form-urlencoded"},
    )
    assert flooded.status_code == 403
    multipart = gateway.client.post(
        "/sms/twilio",
        data=params,
        files={"f": ("a.txt", b"x", "text/plain")},
        headers=gateway.twilio.signed_headers(fixtures.PUBLIC_URL + "/sms/twilio", params),
    )
    assert multipart.status_code == 403
    assert gateway.sms("+15557654321", "hello").status_code == 200  # a signed message still goes through
    assert count(gateway, SmsInbound) == 1
