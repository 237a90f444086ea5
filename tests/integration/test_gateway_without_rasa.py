"""The gateway through the ASGI client with Rasa down: nothing a family sends is lost, bad input changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conversations.models import ConversationMessage
from core.settings import Settings
from rightsdesk.app import create_app
from rightsdesk.migrate import upgrade


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def count_messages(client: TestClient) -> int:
    with client.app.state.session_factory() as db_session:  # type: ignore[attr-defined]
        return int(db_session.scalar(select(func.count()).select_from(ConversationMessage)) or 0)


def test_healthz_names_the_failing_components_only_on_this_machine(client: TestClient) -> None:
    local = TestClient(client.app, client=("127.0.0.1", 50000))
    response = local.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert set(body["failing"]) == {"rasa", "action_server"}
    assert body["components"]["database"]["ok"] and body["components"]["gateway"]["ok"]
    # The public (or anything a proxy forwards) learns only that the desk is down (issue 11, F19).
    public = client.get("/healthz")
    assert public.status_code == 503 and public.json() == {"status": "unavailable"}
    forwarded = local.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    assert forwarded.json() == {"status": "unavailable"}


def test_the_api_schema_is_not_published(client: TestClient) -> None:
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert client.get(path).status_code == 404


def test_a_message_while_rasa_is_down_is_kept_and_the_family_is_told(client: TestClient) -> None:
    response = client.post("/api/chat", json={"text": "quiero ver el expediente de mi hija, nació el 4/17/2010"})
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "es"
    assert "guardado" in body["messages"][0]["text"]
    history = client.post("/api/chat/history", json={"session_id": body["session_id"]}).json()
    inbound = [m for m in history["messages"] if m["direction"] == "in"]
    assert inbound[0]["status"] == "pending"
    assert "4/17/2010" not in inbound[0]["text"] and "[date]" in inbound[0]["text"]


@pytest.mark.parametrize(
    "payload",
    [{"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {}, {"text": "hi", "language": "fr"}, {"text": 5}],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client: TestClient, payload: dict[str, object]) -> None:
    before = count_messages(client)
    response = client.post("/api/chat", json=payload)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    assert count_messages(client) == before


def test_an_unknown_session_is_refused_and_nothing_is_stored(client: TestClient) -> None:
    before = count_messages(client)
    response = client.post("/api/chat", json={"session_id": "not-a-session", "text": "hello"})
    assert response.status_code == 404
    assert "Start a new one" in response.json()["detail"]
    assert count_messages(client) == before
