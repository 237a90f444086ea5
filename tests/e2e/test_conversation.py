"""The assistant end to end over HTTP, in English and Spanish: contracts, conversation core, requests."""

from __future__ import annotations

import sqlite3
import time

import httpx
import pytest

from tests.e2e.conftest import Stack


def test_healthz_reports_every_component_up(stack: Stack) -> None:
    response = httpx.get(f"{stack.url}/healthz", timeout=10)
    assert response.status_code == 200
    components = response.json()["components"]
    assert set(components) == {"gateway", "rasa", "action_server", "database"}
    assert all(c["ok"] for c in components.values())


def test_first_call_gets_a_new_unguessable_session(stack: Stack) -> None:
    a = stack.chat("hello")
    b = stack.chat("hello")
    assert a["session_id"] != b["session_id"] and len(a["session_id"]) >= 40
    assert a["language"] == "en"
    message = a["messages"][0]
    assert set(message) == {"text", "buttons", "article"}
    assert "assistant" in message["text"] and message["article"] is None
    assert {"title": "Talk to a person", "payload": "/human_handoff"} in message["buttons"]


def test_spanish_greeting_gets_spanish_and_the_language_is_kept(stack: Stack) -> None:
    first = stack.chat("hola buenas tardes")
    assert first["language"] == "es" and first["messages"][0]["text"].startswith("Hola")
    sid = first["session_id"]
    for short in ("ok", "sí", "María López", "482913"):
        reply = stack.chat(short, sid)
        assert reply["language"] == "es", short
        assert all("the " not in m["text"].lower() for m in reply["messages"]), (short, reply)


def test_explicit_switch_both_ways(stack: Stack) -> None:
    sid = stack.chat("hello")["session_id"]
    reply = stack.chat("prefiero español", sid)
    assert reply["language"] == "es" and "español" in reply["messages"][0]["text"]
    reply = stack.chat("in English please", sid)
    assert reply["language"] == "en" and "English" in reply["messages"][0]["text"]


def test_are_you_a_bot_says_automated_not_a_lawyer_and_how_to_reach_a_person(stack: Stack) -> None:
    en = stack.chat("am I talking to a real person?")["messages"][0]
    assert "automated assistant" in en["text"] and "not a lawyer" in en["text"]
    assert any(b["payload"] == "/human_handoff" for b in en["buttons"])
    es = stack.chat("¿usted es un robot?")["messages"][0]
    assert "asistente automático" in es["text"] and "abogado" in es["text"]


@pytest.mark.parametrize(
    ("text", "lang", "topic"),
    [
        ("what counts as directory information at school?", "en", "directory_info_opt_out"),
        (
            "¿mi ex esposo puede ver las calificaciones de nuestro hijo si estamos divorciados?",
            "es",
            "noncustodial_parent",
        ),
    ],
)
def test_knowledge_answers_carry_their_article_and_source(stack: Stack, text: str, lang: str, topic: str) -> None:
    reply = stack.chat(text)
    assert reply["language"] == lang
    message = reply["messages"][0]
    article = message["article"]
    assert article is not None and article["topic"] == topic
    assert set(article) >= {"id", "topic", "title", "sources"}
    assert article["sources"][0]["citation"] in message["text"]
    detail = stack.chat("más detalles" if lang == "es" else "tell me more", reply["session_id"])["messages"][0]
    assert len(detail["text"]) > len(message["text"]) and detail["article"]["id"] == article["id"]


def test_out_of_scope_and_gibberish_are_admitted_with_a_person_offered(stack: Stack) -> None:
    lunch = stack.chat("what's for lunch in the cafeteria tomorrow?")["messages"][0]
    assert "can't help with that" in lunch["text"]
    gibberish = stack.chat("qwpoeiru zxmvn")["messages"][0]
    assert any(b["payload"] == "/human_handoff" for b in gibberish["buttons"])


def ticket_rows(stack: Stack) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(stack.data_dir / "rightsdesk.db") as db:
        return db.execute("SELECT reference, category, language, channel FROM tickets ORDER BY id").fetchall()


@pytest.mark.parametrize(
    ("opening", "details", "confirm", "category", "lang"),
    [
        (
            "I want to file a complaint, the school ignored my records request",
            "nobody has answered me since September",
            "yes",
            "complaint",
            "en",
        ),
        (
            "creo que hackearon la plataforma de la escuela y filtraron datos de mi hijo",
            "sus calificaciones aparecieron en una página pública",
            "sí",
            "misuse",
            "es",
        ),
    ],
)
def test_a_request_is_explained_confirmed_and_opened(
    stack: Stack, opening: str, details: str, confirm: str, category: str, lang: str
) -> None:
    # Requests about a student's records first verify the family (tests/e2e/test_request_flows.py); a complaint
    # and a misuse report go straight to their questions.
    first = stack.chat(opening)
    sid = first["session_id"]
    assert first["language"] == lang
    assert len(first["messages"]) == 2
    if category == "misuse":
        assert first["messages"][1]["buttons"]  # stay anonymous?
        stack.chat(confirm, sid)
    summary = stack.chat(details, sid)["messages"][0]
    assert details in summary["text"] and summary["buttons"]
    done = stack.chat(confirm, sid)["messages"][0]["text"]
    reference = next(word.strip(".,") for word in done.split() if word.startswith("RD-"))
    assert (reference, category, lang, "web") in ticket_rows(stack)


def test_a_declined_request_opens_nothing(stack: Stack) -> None:
    before = len(ticket_rows(stack))
    first = stack.chat("I want to file a complaint about the school")
    stack.chat("they shared my phone number with a vendor", first["session_id"])
    reply = stack.chat("no", first["session_id"])["messages"][0]["text"]
    assert "haven't opened anything" in reply
    assert len(ticket_rows(stack)) == before


def test_talk_to_a_person_opens_a_ticket_and_says_when(stack: Stack) -> None:
    reply = stack.chat("quiero hablar con una persona")
    text = reply["messages"][0]["text"]
    assert "persona" in text and "RD-" in text and " de 20" in text
    assert ticket_rows(stack)[-1][1] == "question"


def test_a_message_left_pending_while_rasa_was_down_is_answered_later(stack: Stack) -> None:
    sid = stack.chat("hello")["session_id"]
    history = httpx.post(f"{stack.url}/api/chat/history", json={"session_id": sid}, timeout=10).json()
    last_id = history["messages"][-1]["id"]
    with sqlite3.connect(stack.data_dir / "rightsdesk.db") as db:
        conversation_id = db.execute(
            "SELECT conversation_id FROM conversation_messages WHERE id = ?", (last_id,)
        ).fetchone()[0]
        db.execute(
            "INSERT INTO conversation_messages (conversation_id, direction, text, data, status, attempts, created_at)"
            " VALUES (?, 'in', 'thank you', '{}', 'pending', 1, datetime('now', '-1 minute'))",
            (conversation_id,),
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        later = httpx.post(f"{stack.url}/api/chat/history", json={"session_id": sid, "after": last_id}, timeout=10)
        messages = later.json()["messages"]
        if any(m["direction"] == "out" for m in messages):
            assert messages[0]["status"] == "answered"
            assert "welcome" in next(m for m in messages if m["direction"] == "out")["text"]
            return
        time.sleep(1)
    pytest.fail("the pending message was never answered")


def test_stored_transcript_has_no_dates_codes_or_phone_numbers(stack: Stack) -> None:
    sid = stack.chat("my son was born 4/17/2010 and his id is 20231234, call me at 555-010-0199")["session_id"]
    with sqlite3.connect(stack.data_dir / "rightsdesk.db") as db:
        texts = " ".join(row[0] for row in db.execute("SELECT text FROM conversation_messages"))
    with sqlite3.connect(stack.data_dir / "rasa-tracker.db") as db:
        tracker = " ".join(row[0] for row in db.execute("SELECT data FROM events"))
    for secret in ("4/17/2010", "20231234", "555-010-0199"):
        assert secret not in texts and secret not in tracker
    assert sid
