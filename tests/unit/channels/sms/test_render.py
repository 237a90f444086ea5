"""SMS-shaped replies, keywords and replies mapped back to buttons (pure functions)."""

from __future__ import annotations

import pytest

from channels.rasa_client import BotMessage
from channels.sms.keywords import HELP, START, STOP, classify
from channels.sms.render import SMS_LIMIT, plain_text, render_turn, resolve_reply, split_for_sms

ARTICLE = {"id": "a", "topic": "t", "title": "T", "sources": [], "url": "https://desk.example.org/rights/en/a"}


def test_short_answer_first_then_the_link_then_numbered_options() -> None:
    reply = render_turn(
        [
            BotMessage(
                text="You can see the records within 45 days.\n\nSource: 34 CFR 99.10",
                buttons=[
                    {"title": "More detail", "payload": "/ask_more_detail"},
                    {"title": "Talk to a person", "payload": "/human_handoff"},
                ],
                article=ARTICLE,
            )
        ],
        "en",
    )
    assert reply.body == (
        "You can see the records within 45 days.\n\nSource: 34 CFR 99.10\n\n"
        "More: https://desk.example.org/rights/en/a\n\n"
        "Reply with a number:\n1 More detail\n2 Talk to a person"
    )
    assert reply.options["2"]["payload"] == "/human_handoff"


def test_a_link_already_in_the_text_is_not_repeated() -> None:
    reply = render_turn([BotMessage(text=f"Answer.\nMore: {ARTICLE['url']}", article=ARTICLE)], "en")
    assert reply.body.count(ARTICLE["url"]) == 1


def test_yes_no_buttons_become_reply_yes_or_no_in_spanish_with_other_options_numbered() -> None:
    reply = render_turn(
        [
            BotMessage(
                text="¿Abro la solicitud?",
                buttons=[
                    {"title": "Sí", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                    {"title": "Hablar con una persona", "payload": "/human_handoff"},
                ],
            )
        ],
        "es",
    )
    assert reply.body == "¿Abro la solicitud?\n\nResponda SÍ o NO.\nO responda con un número:\n1 Hablar con una persona"
    assert resolve_reply("si", reply.options) == ("/affirm", "Sí")
    assert resolve_reply(" Sí! ", reply.options) == ("/affirm", "Sí")
    assert resolve_reply("NO", reply.options) == ("/deny", "No")
    assert resolve_reply("1", reply.options) == ("/human_handoff", "Hablar con una persona")
    assert resolve_reply("2", reply.options) is None
    assert resolve_reply("si, pero tengo una pregunta", reply.options) is None


def test_a_long_turn_is_cut_to_one_sms_keeping_the_link_and_the_options() -> None:
    long_text = "Word " * 600
    reply = render_turn(
        [
            BotMessage(
                text=long_text, buttons=[{"title": "Talk to a person", "payload": "/human_handoff"}], article=ARTICLE
            )
        ],
        "en",
    )
    assert len(reply.body) <= SMS_LIMIT
    assert "…" in reply.body and ARTICLE["url"] in reply.body and reply.body.endswith("1 Talk to a person")


def test_markdown_is_made_plain() -> None:
    assert plain_text("**Yes**, see [the page](https://x.example.org/a)\n\n\n\nok") == (
        "Yes, see the page (https://x.example.org/a)\n\nok"
    )


def test_several_replies_make_one_sms_and_buttons_are_not_repeated() -> None:
    person = {"title": "Talk to a person", "payload": "/human_handoff"}
    reply = render_turn([BotMessage(text="One.", buttons=[person]), BotMessage(text="Two.", buttons=[person])], "en")
    assert reply.body == "One.\n\nTwo.\n\nReply with a number:\n1 Talk to a person"


def test_office_messages_longer_than_one_sms_are_split_between_words() -> None:
    parts = split_for_sms("word " * 500, 1600)
    assert len(parts) == 2 and all(len(p) <= 1600 for p in parts)
    assert " ".join(parts).split() == ["word"] * 500


@pytest.mark.parametrize(
    ("text", "action", "language"),
    [
        ("STOP", STOP, "en"),
        ("stop.", STOP, "en"),
        (" Unsubscribe ", STOP, "en"),
        ("STOPALL", STOP, "en"),
        ("cancel", STOP, "en"),
        ("END", STOP, "en"),
        ("quit!", STOP, "en"),
        ("PARAR", STOP, "es"),
        ("detener", STOP, "es"),
        ("Cancelar", STOP, "es"),
        ("BAJA", STOP, "es"),
        ("alto", STOP, "es"),
        ("START", START, "en"),
        ("unstop", START, "en"),
        ("COMENZAR", START, "es"),
        ("iniciar", START, "es"),
        ("HELP", HELP, "en"),
        ("ayuda", HELP, "es"),
        ("Información", HELP, "es"),
    ],
)
def test_keywords_in_both_languages(text: str, action: str, language: str) -> None:
    keyword = classify(text)
    assert keyword is not None and (keyword.action, keyword.language) == (action, language)


@pytest.mark.parametrize("text", ["please don't stop", "stop sharing my data", "help me see the records", "", "1"])
def test_ordinary_messages_are_not_keywords(text: str) -> None:
    assert classify(text) is None
