"""Answer first, through the real stack (POST /api/chat): a question worded like a request gets the cited answer
with the request as a button; an explicit request starts at once; both get the answer, then "Shall I start?";
a person is reached in any phrasing, once per conversation; normal turns leave the logs quiet."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import Stack


def payloads(reply: dict) -> list[str]:  # type: ignore[type-arg]
    return [b["payload"] for m in reply["messages"] for b in m.get("buttons") or []]


@pytest.mark.parametrize(
    ("text", "offer"),
    [
        ("Is it true I can only look at my son's records and not get copies?", "/request_records"),
        ("¿Puedo pedir que no compartan la foto de mi hija, o eso es obligatorio?", "/request_directory_optout"),
        ("How do I file a complaint if the school ignores my records request?", "/report_complaint"),
    ],
)
def test_a_question_worded_like_a_request_is_answered_with_the_request_as_a_button(
    stack: Stack, text: str, offer: str
) -> None:
    reply = stack.chat(text)
    texts = " ".join(m["text"] for m in reply["messages"])
    # Not a form: nobody is asked who is making the request.
    assert "Who is making the request" not in texts and "Quién hace la solicitud" not in texts
    articles = [m["article"] for m in reply["messages"] if m.get("article")]
    if articles:
        assert articles[0]["sources"] and offer in payloads(reply)
    else:
        assert any(p.startswith("/ask_rights{") for p in payloads(reply))  # the closest articles


def test_an_explicit_request_starts_at_once(stack: Stack) -> None:
    for text in ("I want a copy of my son's records", "quiero una copia del expediente de mi hija"):
        reply = stack.chat(text)
        assert not any(m.get("article") for m in reply["messages"])
        assert any('"relationship"' in p for p in payloads(reply)), reply  # who is asking: parent, guardian...


def test_a_request_with_a_question_is_answered_then_yes_starts_it(stack: Stack) -> None:
    first = stack.chat("I want a copy of my son's records. How long does the school have to give them to me?")
    assert "Shall I start the request now?" in first["messages"][-1]["text"]
    assert payloads(first)[-2:] == ["/affirm", "/deny"]
    started = stack.chat("yes", first["session_id"])
    assert any('"relationship"' in p for p in payloads(started))
    # A later yes, after something else, starts nothing.
    again = stack.chat("I want a copy of my son's records. How long does the school have?")
    stack.chat("thanks", again["session_id"])
    later = stack.chat("yes", again["session_id"])
    assert not any('"relationship"' in p for p in payloads(later))


def test_an_in_domain_question_is_never_told_i_cant_help(stack: Stack) -> None:
    reply = stack.chat("what's the deadline in Connecticut for telling parents about a data breach at a vendor")
    texts = " ".join(m["text"] for m in reply["messages"])
    assert "can't help with that" not in texts and "reliable answer" not in texts
    lunch = stack.chat("what's for lunch in the cafeteria tomorrow?")
    assert "can't help with that" in lunch["messages"][0]["text"]


def question_tickets(stack: Stack) -> list[str]:
    with sqlite3.connect(stack.data_dir / "rightsdesk.db") as db:
        return [r[0] for r in db.execute("SELECT reference FROM tickets WHERE category = 'question'")]


def test_a_person_in_any_words_and_one_ticket_per_conversation(stack: Stack) -> None:
    before = set(question_tickets(stack))
    first = stack.chat("necesito hablar con alguien sobre el expediente de mi hijo")
    assert "RD-" in first["messages"][0]["text"]
    sid = first["session_id"]
    second = stack.chat("can I talk to a real person? it's about my granddaughter's file", sid)
    third = stack.chat("/human_handoff", sid)
    opened = set(question_tickets(stack)) - before
    assert len(opened) == 1
    (reference,) = opened
    assert reference in second["messages"][0]["text"] and reference in third["messages"][0]["text"]


def test_normal_turns_leave_the_logs_quiet(stack: Stack) -> None:
    reply = stack.chat("I want to see my son's records")
    parent = next(p for p in payloads(reply) if '"parent"' in p)
    stack.chat(parent, reply["session_id"])
    logs = " ".join(path.read_text(errors="replace") for path in (stack.data_dir / "logs").glob("*.log"))
    assert "interpolator" not in logs and "Traceback" not in logs
