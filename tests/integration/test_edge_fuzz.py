"""No input gives a 5xx at the public edge (issue 11, F18): property-based requests through the ASGI app.

Hypothesis builds bodies, query strings and headers for ``/api/chat``, ``/api/chat/history``, ``/api/chat/events``
and the signed SMS webhook (valid and invalid JSON values, huge and negative numbers, lone surrogates, NUL,
non-ASCII digits, long strings), with a scripted Rasa behind the gateway. Every answer must be below 500. The run
is bounded (a fixed number of examples, no shrinking deadline) and takes well under a minute, on SQLite and on
PostgreSQL. Before the fix,
``after=10**30`` and ``Last-Event-ID: ²`` gave 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from core.settings import Settings
from rightsdesk.app import create_app
from tests.fakes import fixtures
from tests.fakes.rasa import ScriptedRasa
from tests.fakes.twilio_server import FakeTwilio

fake_twilio = fixtures.fake_twilio
sms_settings = fixtures.sms_settings

EXAMPLES = 25
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(max_size=300) | st.sampled_from(["", " ", "\x00", "\ud800", "²", "@" * 300, "hola", "/affirm"])
numbers = st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=True, allow_infinity=True)
scalars = st.none() | st.booleans() | numbers | text
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=10
)
maybe = st.none() | scalars


@st.composite
def chat_bodies(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        return draw(json_values)
    body: dict[str, Any] = {}
    for name in ("session_id", "text", "language", "display"):
        value = draw(maybe)
        if value is not None or draw(st.booleans()):
            body[name] = value
    return body


@pytest.fixture
def client(sms_settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The gateway on SQLite and on PostgreSQL (which refuses what SQLite lets through, such as NUL)."""
    configured = sms_settings.model_copy(
        update={
            "database_url_setting": engine.url.render_as_string(hide_password=False),
            "rate_chat_per_address": "off",
            "rate_chat_per_conversation": "off",
            "rate_new_conversations_per_address": "off",
            "rate_sms_per_sender": "off",
        }
    )
    app = create_app(configured)
    app.state.rasa.http = httpx.AsyncClient(transport=ScriptedRasa().transport())
    with TestClient(app, raise_server_exceptions=False) as test_client:
        # A real session, so some requests reach deeper than "unknown session".
        test_client.app.state.fuzz_session = test_client.post("/api/chat", json={"text": "hello"}).json()["session_id"]
        yield test_client


def _post_json(client: TestClient, path: str, body: Any) -> httpx.Response:
    raw = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
    return client.post(path, content=raw, headers={"content-type": "application/json"})


@FUZZ
@given(body=chat_bodies(), real_session=st.booleans())
def test_chat_never_fails(client: TestClient, body: Any, real_session: bool) -> None:
    if real_session and isinstance(body, dict):
        body["session_id"] = client.app.state.fuzz_session  # type: ignore[attr-defined]
    response = _post_json(client, "/api/chat", body)
    assert response.status_code < 500, (body, response.text[:300])


@FUZZ
@given(session=maybe, after=st.none() | numbers | text, real_session=st.booleans())
def test_history_never_fails(client: TestClient, session: Any, after: Any, real_session: bool) -> None:
    body: dict[str, Any] = {"session_id": client.app.state.fuzz_session if real_session else session}  # type: ignore[attr-defined]
    if after is not None:
        body["after"] = after
    response = _post_json(client, "/api/chat/history", body)
    assert response.status_code < 500, (body, response.text[:300])


header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)
# What a URL can carry (a lone surrogate cannot even be sent).
query_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300) | st.sampled_from(["²", "\x00", ""])


@FUZZ
@given(
    ticket=st.none() | query_text,
    after=st.none() | query_text | numbers.map(str),
    last_event=st.none() | header_text,
)
def test_event_streams_never_fail(client: TestClient, ticket: Any, after: Any, last_event: str | None) -> None:
    params = {k: v for k, v in (("ticket", ticket), ("after", after)) if v is not None}
    headers = {"Last-Event-ID": last_event.encode("latin-1")} if last_event is not None else {}
    response = client.get("/api/chat/events", params=params, headers=headers)  # type: ignore[arg-type]
    assert response.status_code < 500, (params, last_event, response.text[:300])
    ticket_response = _post_json(client, "/api/chat/events/ticket", {"session_id": ticket})
    assert ticket_response.status_code < 500


sms_fields = st.dictionaries(
    st.sampled_from(["From", "To", "Body", "MessageSid", "SmsMessageSid", "NumMedia", "AccountSid", "Extra"]),
    text,
    max_size=6,
)


@FUZZ
@given(fields=sms_fields, keep_valid=st.booleans(), status=st.booleans())
def test_the_signed_sms_webhooks_never_fail(
    client: TestClient, fake_twilio: FakeTwilio, fields: dict[str, str], keep_valid: bool, status: bool
) -> None:
    params = fake_twilio.inbound_params("+15557654321", "hello") if keep_valid else {}
    params.update({k: v.encode("utf-8", "replace").decode("utf-8") for k, v in fields.items()})
    path = "/sms/twilio/status" if status else "/sms/twilio"
    headers = fake_twilio.signed_headers(fixtures.PUBLIC_URL + path, params)
    response = client.post(path, data=params, headers=headers)
    assert response.status_code < 500, (params, response.text[:300])
