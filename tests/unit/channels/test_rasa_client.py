"""Rasa's REST replies turned into chat messages, and the pool of Rasa servers a conversation is pinned to."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from channels.rasa_client import DEFAULT_MAX_CONNECTIONS, BotMessage, RasaClient, RasaUnavailable, parse_rasa_messages
from core.settings import Settings
from tests.fakes.rasa import ScriptedRasa


def test_custom_article_joins_the_text_it_follows() -> None:
    article = {
        "id": "a",
        "topic": "t",
        "title": "T",
        "sources": [{"citation": "34 CFR 99.10", "url": "https://x"}],
    }
    raw = [
        {
            "recipient_id": "c1",
            "text": "Short answer",
            "buttons": [{"title": "More", "payload": "/ask_more_detail"}],
        },
        {"recipient_id": "c1", "custom": {"article": article}},
        {"recipient_id": "c1", "text": "Anything else?"},
    ]
    messages = parse_rasa_messages(raw)
    assert [m.text for m in messages] == ["Short answer", "Anything else?"]
    assert messages[0].article == article
    assert messages[0].buttons == [{"title": "More", "payload": "/ask_more_detail"}]
    assert messages[1].article is None


def test_each_conversation_sticks_to_one_rasa_server() -> None:
    client = RasaClient(["http://a", "http://b", "http://c"], "token")
    owners = {client.url_for(f"c{i}") for i in range(200)}
    assert owners == {"http://a", "http://b", "http://c"}
    assert all(client.url_for("c42") == client.url_for("c42") for _ in range(5))


def two_servers(first_down: httpx.HTTPError | None) -> tuple[RasaClient, ScriptedRasa, str]:
    """A client over servers a and b, where a conversation pinned to a finds a failing as told."""
    rasa = ScriptedRasa()

    async def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a" and first_down is not None:
            raise type(first_down)(str(first_down), request=request)
        return await rasa.handler(request)

    client = RasaClient(["http://a", "http://b"], "token")
    client.http = httpx.AsyncClient(transport=httpx.MockTransport(route))
    sender = next(f"c{i}" for i in range(100) if client.url_for(f"c{i}") == "http://a")
    return client, rasa, sender


def test_a_conversation_whose_server_cannot_be_reached_goes_to_the_next() -> None:
    client, rasa, sender = two_servers(httpx.ConnectError("connection refused"))
    assert client.urls_for(sender) == ["http://a", "http://b"]
    replies = asyncio.run(client.send(sender, "confirm please", {"language": "en"}))
    assert replies[0].text == "Shall I open the request?"  # answered by b
    asyncio.run(client.set_paused(sender, True))
    assert rasa.paused == {sender}


def test_a_server_that_was_reached_but_timed_out_is_not_asked_again_elsewhere() -> None:
    # It may have acted on the message; sending it to another server could answer it twice.
    client, rasa, sender = two_servers(httpx.ReadTimeout("timed out"))
    with pytest.raises(RasaUnavailable):
        asyncio.run(client.send(sender, "confirm please"))
    assert rasa.received == []


def test_when_no_server_can_be_reached_rasa_is_unavailable() -> None:
    client = RasaClient(["http://a"], "token")

    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client.http = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    with pytest.raises(RasaUnavailable, match="connection refused"):
        asyncio.run(client.send("c1", "hello"))


def test_button_payloads_with_entities_are_escaped_for_rasas_templates() -> None:
    """A payload like /inform{"relationship": "parent"} must be written {{ }}: Rasa reads single braces as a slot
    placeholder and logs an error with every slot's value on each turn that shows the button."""
    import re

    import yaml

    from core.settings import REPO_ROOT

    for path in sorted((REPO_ROOT / "bot" / "domain").glob("*.yml")):
        responses = yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}
        for name, variations in responses.items():
            for variation in variations:
                for button in variation.get("buttons") or []:
                    payload = button["payload"]
                    assert not re.search(r"(?<!\{)\{(?!\{)", payload), f"{path.name} {name}: {payload}"


def test_turns_beyond_the_connection_limit_wait_for_a_free_one() -> None:
    # Rasa gets at most `max_connections` requests at once; the others wait here, none is lost or refused.
    in_flight = peak = 0
    rasa = ScriptedRasa()

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return await rasa.handler(request)

    client = RasaClient(["http://a"], "token", max_connections=3)
    client.http = httpx.AsyncClient(transport=httpx.MockTransport(slow))

    async def many() -> list[list[BotMessage]]:
        return await asyncio.gather(*(client.send(f"c{i}", "hello") for i in range(12)))

    assert all(replies for replies in asyncio.run(many()))
    assert peak == 3


def test_a_turn_that_waits_longer_than_the_timeout_for_a_connection_is_never_sent() -> None:
    # It stays pending for the retry loop, like any turn Rasa did not take.
    rasa = ScriptedRasa()
    release = asyncio.Event()

    async def stuck(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return await rasa.handler(request)

    client = RasaClient(["http://a"], "token", timeout=0.05, max_connections=1)
    client.http = httpx.AsyncClient(transport=httpx.MockTransport(stuck))

    async def two() -> None:
        first = asyncio.create_task(client.send("c1", "hello"))
        await asyncio.sleep(0.01)
        with pytest.raises(RasaUnavailable, match="waiting for Rasa"):
            await client.send("c2", "hello")
        release.set()
        await first

    asyncio.run(two())
    assert [body["sender"] for body in rasa.received] == ["c1"]


def test_the_rasa_connection_limit_is_a_setting_with_a_default() -> None:
    assert Settings().rasa_max_connections == DEFAULT_MAX_CONNECTIONS == 100
    assert Settings(RIGHTSDESK_RASA_MAX_CONNECTIONS="8").rasa_max_connections == 8  # type: ignore[call-arg]
    client = RasaClient(["http://a"], "token", max_connections=8)
    assert client.slots._value == 8
    with pytest.raises(ValueError):
        RasaClient(["http://a"], "token", max_connections=0)
