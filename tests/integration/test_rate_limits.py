"""Abuse limits at the public edge, shared across gateway workers (issue 11, F4).

The limiter itself on SQLite, PostgreSQL and Redis; then the chat API through the ASGI client: per address, per
conversation and per new conversation, with a 429 in the conversation's language; the client address taken from
X-Forwarded-For only behind a trusted proxy; two gateway apps on one database share their counts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from channels.limits.models import RateCounter, RateLease
from channels.limits.rates import Rate
from channels.limits.service import DatabaseLimiter, Limiter, RedisLimiter
from conversations.models import Conversation, ConversationMessage
from core.settings import Settings
from rightsdesk.app import create_app
from tests.fakes.rasa import ScriptedRasa

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def redis_limiter() -> Iterator[RedisLimiter]:
    if not _redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = "rdtest" + secrets.token_hex(6)
    limiter = RedisLimiter(REDIS_URL, prefix)
    yield limiter
    for key in limiter.redis.scan_iter(match=f"{prefix}:*"):
        limiter.redis.delete(key)
    limiter.redis.close()


@pytest.fixture(params=["database", "redis"])
def limiter(request: pytest.FixtureRequest, session_factory: sessionmaker[Session]) -> Limiter:
    if request.param == "redis":
        return request.getfixturevalue("redis_limiter")  # type: ignore[no-any-return]
    return DatabaseLimiter(session_factory)


def test_a_rate_counts_events_in_fixed_windows(limiter: Limiter) -> None:
    rate = Rate(3, 60)
    now = 6000.0  # the start of a window
    assert [limiter.hit([("k", rate)], now=now + i) for i in range(3)] == [None, None, None]
    exceeded = limiter.hit([("k", rate), ("other", Rate(100, 60))], now=now + 10)
    assert exceeded is not None and exceeded.key == "k" and exceeded.retry_after == pytest.approx(50)
    assert limiter.hit([("other", Rate(100, 60))], now=now + 10) is None  # keys are counted apart
    assert limiter.hit([("k", rate)], now=now + 60) is None  # the next window starts afresh
    assert limiter.hit([("k", None)], now=now) is None  # "off"


def test_a_ticket_is_good_once(limiter: Limiter) -> None:
    key = "ticket:" + secrets.token_hex(8)
    assert limiter.once(key, 60) is True
    assert limiter.once(key, 60) is False


def test_stream_slots_are_held_until_released(limiter: Limiter) -> None:
    first = limiter.acquire([("address", 2), ("conversation", 1)], ttl=60)
    assert first is not None
    assert limiter.acquire([("address", 2), ("conversation", 1)], ttl=60) is None  # the conversation is full
    other = limiter.acquire([("address", 2), ("conversation-2", 1)], ttl=60)
    assert other is not None
    assert limiter.acquire([("address", 2), ("conversation-3", 1)], ttl=60) is None  # the address is full
    limiter.release(first)
    assert limiter.acquire([("address", 2), ("conversation", 1)], ttl=60) is not None


def test_expired_slots_and_windows_are_swept(session_factory: sessionmaker[Session]) -> None:
    limiter = DatabaseLimiter(session_factory)
    limiter.hit([("k", Rate(1, 1))], now=time.time() - 10)
    assert limiter.acquire([("a", 1)], ttl=0.01) is not None
    time.sleep(0.05)
    assert limiter.acquire([("a", 1)], ttl=60) is not None  # an expired slot no longer counts
    limiter.sweep()
    with session_factory() as db_session:
        assert db_session.scalar(select(func.count()).select_from(RateCounter)) == 0
        assert db_session.scalar(select(func.count()).select_from(RateLease)) == 1


# The chat API ------------------------------------------------------------------------------------------------------


def gateway_app(settings: Settings, engine: Engine, **limits: Any) -> FastAPI:
    configured = settings.model_copy(
        update={"database_url_setting": str(engine.url.render_as_string(hide_password=False)), **limits}
    )
    configured.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(configured)
    app.state.rasa.http = httpx.AsyncClient(transport=ScriptedRasa().transport())
    return app


def stored(app: FastAPI, model: type) -> int:
    with app.state.session_factory() as db_session:
        return int(db_session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def database(engine: Engine) -> Engine:
    return engine


def test_a_conversation_sending_too_fast_is_told_in_its_language(settings: Settings, database: Engine) -> None:
    app = gateway_app(settings, database, rate_chat_per_conversation="3/minute")
    with TestClient(app) as client:
        first = client.post("/api/chat", json={"text": "hola, quiero ver las notas de mi hija"}).json()
        session = first["session_id"]
        assert first["language"] == "es"
        for _ in range(2):
            assert client.post("/api/chat", json={"session_id": session, "text": "hola"}).status_code == 200
        before = stored(app, ConversationMessage)
        refused = client.post("/api/chat", json={"session_id": session, "text": "hola otra vez"})
        assert refused.status_code == 429
        assert refused.json()["language"] == "es"
        assert refused.json()["detail"].startswith("Está enviando mensajes más rápido")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert stored(app, ConversationMessage) == before  # nothing stored, nothing sent to Rasa
        # Another conversation from the same address is not held back by this one.
        assert client.post("/api/chat", json={"text": "hello"}).status_code == 200


def test_an_address_is_limited_and_new_conversations_too(settings: Settings, database: Engine) -> None:
    app = gateway_app(settings, database, rate_chat_per_address="5/minute", rate_new_conversations_per_address="2/hour")
    with TestClient(app) as client:
        for _ in range(2):
            assert client.post("/api/chat", json={"text": "hello"}).status_code == 200
        third = client.post("/api/chat", json={"text": "hello"})
        assert third.status_code == 429 and third.json()["detail"].startswith("Too many new conversations")
        assert stored(app, Conversation) == 2
        spanish = client.post("/api/chat", json={"text": "hola", "language": "es"})
        assert spanish.status_code == 429 and spanish.json()["detail"].startswith("Se iniciaron demasiadas")
        # Every request counts against the address (history and unknown sessions included).
        client.post("/api/chat/history", json={"session_id": "nope"})
        refused = client.post("/api/chat/history", json={"session_id": "nope"})
        assert refused.status_code == 429 and refused.json()["detail"].startswith("You are sending messages")


def test_behind_a_trusted_proxy_each_family_has_its_own_address(settings: Settings, database: Engine) -> None:
    app = gateway_app(
        settings, database, rate_new_conversations_per_address="1/hour", trusted_proxies_setting="127.0.0.1, 10.0.0.0/8"
    )
    proxy = TestClient(app, client=("127.0.0.1", 40000))
    for family in ("203.0.113.7", "203.0.113.8", "2001:db8::1"):
        headers = {"X-Forwarded-For": f"{family}, 10.1.2.3"}
        assert proxy.post("/api/chat", json={"text": "hello"}, headers=headers).status_code == 200
    # The same /64 is one subscriber.
    again = proxy.post("/api/chat", json={"text": "hello"}, headers={"X-Forwarded-For": "2001:db8::2"})
    assert again.status_code == 429
    # A client that is not a trusted proxy cannot choose its address.
    outsider = TestClient(app, client=("198.51.100.9", 40000))
    assert outsider.post("/api/chat", json={"text": "hello"}).status_code == 200
    spoofed = {"X-Forwarded-For": "203.0.113.99"}
    assert outsider.post("/api/chat", json={"text": "hello"}, headers=spoofed).status_code == 429


def test_two_gateway_workers_share_their_counts(settings: Settings, database: Engine) -> None:
    first = gateway_app(settings, database, rate_new_conversations_per_address="3/hour")
    second = gateway_app(settings, database, rate_new_conversations_per_address="3/hour")
    one, two = TestClient(first), TestClient(second)
    assert one.post("/api/chat", json={"text": "hello"}).status_code == 200
    assert two.post("/api/chat", json={"text": "hello"}).status_code == 200
    assert one.post("/api/chat", json={"text": "hello"}).status_code == 200
    assert two.post("/api/chat", json={"text": "hello"}).status_code == 429


def test_with_redis_configured_the_counts_live_in_redis(settings: Settings, database: Engine) -> None:
    if not _redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = "rdtest" + secrets.token_hex(6)
    values = {"redis_url": REDIS_URL, "redis_key_prefix": prefix, "rate_new_conversations_per_address": "1/hour"}
    first, second = gateway_app(settings, database, **values), gateway_app(settings, database, **values)
    try:
        assert isinstance(first.state.limiter, RedisLimiter)
        assert TestClient(first).post("/api/chat", json={"text": "hello"}).status_code == 200
        assert TestClient(second).post("/api/chat", json={"text": "hello"}).status_code == 429
        assert stored(first, RateCounter) == 0
    finally:
        redis = first.state.limiter.redis
        for key in redis.scan_iter(match=f"{prefix}:*"):
            redis.delete(key)
