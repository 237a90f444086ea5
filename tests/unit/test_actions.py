"""Custom actions, driven by tracker fixtures and a CollectingDispatcher, on a real (SQLite) database."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import (
    ActionAcceptOffer,
    ActionAnswerQuestion,
    ActionArticleDetail,
    ActionHandoff,
    ActionOpenRequest,
    ActionStartRequest,
    ActionStrayAnswer,
)
from actions.context import ActionContext, set_context
from core.db import make_engine, make_session_factory
from core.settings import REPO_ROOT, Settings
from knowledge.service import KnowledgeService
from rightsdesk.migrate import upgrade
from ticketing.tickets.enums import TicketCategory, TicketPriority
from ticketing.tickets.models import Ticket

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trackers"


@pytest.fixture
def context(tmp_path: Path) -> Iterator[ActionContext]:
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    upgrade(url)
    engine = make_engine(url)
    settings = Settings(RIGHTSDESK_DATA_DIR=tmp_path)
    ctx = ActionContext(
        settings=settings,
        knowledge=KnowledgeService(REPO_ROOT / "knowledge" / "district" / "demo.yml", "https://desk.example.org"),
        session_factory=make_session_factory(engine),
    )
    set_context(ctx)
    yield ctx
    set_context(None)
    engine.dispose()


def tracker(name: str, **overrides: Any) -> Tracker:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    data["slots"].update(overrides.pop("slots", {}))
    data["latest_message"].update(overrides.pop("latest_message", {}))
    data.update(overrides)
    return Tracker(
        data["sender_id"],
        data["slots"],
        data["latest_message"],
        data["events"],
        False,
        None,
        data.get("active_loop", {}),
        data["latest_action_name"],
    )


def bot_domain() -> dict[str, Any]:
    """The responses of bot/domain, as Rasa sends the domain to the action server."""
    responses: dict[str, Any] = {}
    for path in sorted((REPO_ROOT / "bot" / "domain").glob("*.yml")):
        responses.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    return {"responses": responses}


DOMAIN = bot_domain()


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return dispatcher.messages, events


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_clear_question_gets_the_short_answer_with_its_article(context: ActionContext) -> None:
    messages, events = run(ActionAnswerQuestion(), tracker("question_en"))
    assert messages[0]["response"] == "utter_kb_answer"
    article = messages[0]["custom"]["article"]
    assert article["topic"] == "ferpa_inspect_review"
    assert article["sources"] and article["url"].startswith("https://desk.example.org/rights/en/")
    assert messages[0]["citation"] == article["sources"][0]["citation"]
    assert {"event": "slot", "name": "last_article", "value": article["id"], "timestamp": None} in events


def test_spanish_questions_are_answered_from_spanish_articles(context: ActionContext) -> None:
    t = tracker(
        "question_en",
        slots={"language": "es"},
        latest_message={"text": "¿cuánto tiempo tiene la escuela para dejarme ver el expediente de mi hijo?"},
    )
    messages, _ = run(ActionAnswerQuestion(), t)
    if messages[0]["response"] == "utter_kb_answer":
        assert "/rights/es/" in messages[0]["custom"]["article"]["url"]
    else:
        # Records access and special-education records both answer "how long": the family picks, in Spanish.
        assert messages[0]["response"] == "utter_kb_choose"
        assert messages[0]["buttons"][0]["title"] == "Ver el expediente de su hijo"
        assert '"ferpa-inspect-review"' in messages[0]["buttons"][0]["payload"]


def test_by_sms_the_answer_carries_a_link_to_the_article(context: ActionContext) -> None:
    t = tracker("question_en", latest_message={"metadata": {"channel": "sms"}})
    messages, _ = run(ActionAnswerQuestion(), t)
    assert "https://desk.example.org/rights/en/" in messages[0]["answer"]


def test_nothing_relevant_offers_a_person(context: ActionContext) -> None:
    t = tracker("question_en", latest_message={"text": "zxqv plorb"})
    messages, events = run(ActionAnswerQuestion(), t)
    assert [m["response"] for m in messages] == ["utter_kb_none"]
    assert "last_article" not in slot_values(events)


def test_a_chosen_article_from_the_buttons_is_shown(context: ActionContext) -> None:
    t = tracker(
        "question_en",
        latest_message={
            "text": '/ask_rights{"article_id": "coppa"}',
            "entities": [{"entity": "article_id", "value": "coppa"}],
        },
    )
    messages, _ = run(ActionAnswerQuestion(), t)
    assert messages[0]["custom"]["article"]["id"] == "coppa"


def test_more_detail_gives_the_body_sources_and_page(context: ActionContext) -> None:
    messages, _ = run(ActionArticleDetail(), tracker("question_en", slots={"last_article": "fees-copies"}))
    assert messages[0]["response"] == "utter_kb_detail"
    assert "34 CFR 99.11" in messages[0]["citations"]
    assert messages[0]["url"].endswith("/rights/en/fees-copies")
    assert len(messages[0]["detail"]) > 200


def test_a_request_is_explained_then_opened_with_reference_and_due_date(context: ActionContext) -> None:
    messages, events = run(
        ActionStartRequest(),
        tracker("request_records", latest_message={"intent": {"name": "request_correction", "confidence": 0.9}}),
    )
    assert messages[0]["response"] == "utter_request_intro_correction"
    assert {"event": "slot", "name": "request_category", "value": "correction", "timestamp": None} in events

    t = tracker(
        "request_records",
        slots={"request_category": "correction", "request_confirmed": True, "language": "es"},
    )
    messages, _ = run(ActionOpenRequest(), t)
    # Not verified in this conversation: the office confirms the identity before sharing anything.
    assert messages[0]["response"] == "utter_request_opened_unverified"
    assert messages[0]["reference"].startswith("RD-")
    assert " de 20" in messages[0]["due_date"]  # "viernes 11 de diciembre de 2026"
    with context.session_factory() as db_session:
        ticket = db_session.scalar(select(Ticket))
        assert ticket is not None
        assert ticket.category is TicketCategory.correction
        assert ticket.requester_ref == t.sender_id and ticket.language == "es" and not ticket.verified


def test_cancel_my_consent_while_asked_give_or_withdraw_is_a_withdrawal_not_a_new_request(
    context: ActionContext,
) -> None:
    for text in ("cancel my consent", "ya no doy permiso"):
        messages, events = run(
            ActionStartRequest(),
            tracker(
                "request_records",
                slots={"request_category": "consent", "requested_slot": "consent_action"},
                latest_message={"intent": {"name": "request_consent", "confidence": 0.95}, "text": text},
                active_loop={"name": "request_form"},
            ),
        )
        assert messages == []  # no new introduction: the question asked is answered
        assert events == [{"event": "slot", "name": "consent_action", "value": "withdraw", "timestamp": None}]


def test_a_declined_request_opens_nothing(context: ActionContext) -> None:
    t = tracker("request_records", slots={"request_category": "records", "request_confirmed": False})
    messages, _ = run(ActionOpenRequest(), t)
    assert messages[0]["response"] == "utter_request_cancelled"
    with context.session_factory() as db_session:
        assert db_session.scalar(select(Ticket)) is None


def test_a_breach_report_is_urgent(context: ActionContext) -> None:
    run(
        ActionOpenRequest(),
        tracker("request_records", slots={"request_category": "misuse", "request_confirmed": True}),
    )
    with context.session_factory() as db_session:
        ticket = db_session.scalar(select(Ticket))
        assert ticket is not None and ticket.priority is TicketPriority.urgent


def test_handoff_opens_a_ticket_and_says_when(context: ActionContext) -> None:
    messages, _ = run(ActionHandoff(), tracker("question_en"))
    assert messages[0]["response"] == "utter_handoff_opened"
    with context.session_factory() as db_session:
        ticket = db_session.scalar(select(Ticket))
        assert ticket is not None and ticket.category is TicketCategory.question


def test_a_question_about_a_right_gets_the_answer_and_the_request_as_a_button(context: ActionContext) -> None:
    t = tracker(
        "question_en",
        latest_message={
            "text": "Can I see the list of people who looked at my son's file?",
            "intent": {"name": "ask_rights", "confidence": 0.9},
            "routing": {"offer": "records"},
        },
    )
    messages, events = run(ActionAnswerQuestion(), t)
    assert [m["response"] for m in messages] == ["utter_kb_answer"]
    assert messages[0]["buttons"][0] == {"title": "Start a records request", "payload": "/request_records"}
    assert [b["payload"] for b in messages[0]["buttons"][1:]] == ["/ask_more_detail", "/human_handoff"]
    assert slot_values(events)["offer_pending"] is False


def test_the_button_follows_the_article_when_the_words_named_no_request(context: ActionContext) -> None:
    t = tracker(
        "question_en",
        slots={"language": "es"},
        latest_message={"text": "¿la escuela me puede cobrar por las copias del expediente de mi hijo?"},
    )
    messages, _ = run(ActionAnswerQuestion(), t)
    if messages[0]["response"] == "utter_kb_answer":
        assert messages[0]["custom"]["article"]["topic"] == "fees_copies"
        assert messages[0]["buttons"][0] == {"title": "Pedir ver el expediente", "payload": "/request_records"}


def test_asking_for_the_request_and_about_it_gets_the_answer_then_shall_i_start(context: ActionContext) -> None:
    t = tracker(
        "question_en",
        latest_message={
            "text": "I want a copy of my son's records. How long does the school have to let me see them?",
            "intent": {"name": "ask_rights", "confidence": 0.9},
            "routing": {"offer": "records", "request_cue": "records"},
        },
    )
    messages, events = run(ActionAnswerQuestion(), t)
    assert [m["response"] for m in messages] == ["utter_kb_answer", "utter_offer_start"]
    assert "/request_records" not in [b["payload"] for b in messages[0]["buttons"]]
    assert slot_values(events) == {
        "offered_request": "records",
        "offer_pending": True,
        "last_article": messages[0]["custom"]["article"]["id"],
    }


def test_yes_to_shall_i_start_starts_the_offered_request(context: ActionContext) -> None:
    t = tracker(
        "question_en",
        slots={"offered_request": "directory_optout", "offer_pending": True},
        latest_message={"text": "yes", "intent": {"name": "affirm", "confidence": 0.99}},
    )
    messages, events = run(ActionAcceptOffer(), t)
    assert messages[0]["response"] == "utter_request_intro_directory_optout"
    values = slot_values(events)
    assert values["request_category"] == "directory_optout" and values["offer_pending"] is False


def test_in_the_middle_of_a_request_a_question_is_answered_without_offering_another(context: ActionContext) -> None:
    t = tracker(
        "request_records",
        slots={"request_category": "records", "requested_slot": "relationship"},
        active_loop={"name": "request_form"},
        latest_message={
            "text": "how long does the school have to let me see my son's records?",
            "intent": {"name": "ask_rights", "confidence": 0.9},
            "routing": {"offer": "records", "request_cue": "records"},
        },
    )
    messages, events = run(ActionAnswerQuestion(), t)
    assert "utter_offer_start" not in [m["response"] for m in messages]
    assert all(not b["payload"].startswith("/request_") for m in messages for b in m.get("buttons") or [])
    assert slot_values(events).get("offer_pending") is False


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("what is Connecticut's deadline for telling parents about a data breach", "en"),
        ("¿el vendedor de la aplicación puede vender los datos de mi hija?", "es"),
    ],
)
def test_a_question_about_student_data_is_never_out_of_scope(context: ActionContext, text: str, lang: str) -> None:
    t = tracker(
        "question_en",
        slots={"language": lang},
        latest_message={"text": text, "intent": {"name": "out_of_scope", "confidence": 0.6}},
    )
    messages, _ = run(ActionAnswerQuestion(), t)
    assert messages[0]["response"] in ("utter_kb_answer", "utter_kb_choose", "utter_kb_closest")
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    if messages[0]["response"] == "utter_kb_closest":
        assert "/human_handoff" in payloads and any(p.startswith("/ask_rights") for p in payloads)


@pytest.mark.parametrize(("text", "lang"), [("what's the weather today", "en"), ("qué hay de almuerzo", "es")])
def test_a_message_outside_the_domain_is_out_of_scope(context: ActionContext, text: str, lang: str) -> None:
    t = tracker(
        "question_en",
        slots={"language": lang},
        latest_message={"text": text, "intent": {"name": "out_of_scope", "confidence": 0.8}},
    )
    messages, _ = run(ActionAnswerQuestion(), t)
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


def test_asking_for_a_person_again_reuses_the_open_question_ticket(context: ActionContext) -> None:
    first, _ = run(ActionHandoff(), tracker("question_en"))
    second, _ = run(ActionHandoff(), tracker("question_en"))
    assert first[0]["response"] == "utter_handoff_opened"
    assert second[0]["response"] == "utter_handoff_already"
    assert second[0]["reference"] == first[0]["reference"]
    with context.session_factory() as db_session:
        assert len(db_session.scalars(select(Ticket)).all()) == 1


@pytest.mark.parametrize(
    ("status", "response"), [("locked", "utter_locked"), ("too_many_codes", "utter_too_many_codes")]
)
def test_a_code_typed_after_verification_paused_says_until_when_and_the_other_way(
    context: ActionContext, status: str, response: str
) -> None:
    t = tracker(
        "request_records",
        slots={"verification_status": status, "verification_retry": "4:15 PM"},
        latest_message={"text": "[code]", "intent": {"name": "inform", "confidence": 0.95}},
    )
    messages, _ = run(ActionStrayAnswer(), t)
    assert [m["response"] for m in messages] == [response]
    assert messages[0]["time"] == "4:15 PM"


def test_a_stray_answer_with_nothing_paused_is_not_understood(context: ActionContext) -> None:
    t = tracker("question_en", latest_message={"text": "Maria Lopez", "intent": {"name": "inform", "confidence": 0.9}})
    messages, _ = run(ActionStrayAnswer(), t)
    assert [m["response"] for m in messages] == ["utter_default"]


def test_a_question_read_as_more_detail_with_nothing_shown_yet_is_answered(context: ActionContext) -> None:
    t = tracker(
        "question_en",
        slots={"last_article": None},
        latest_message={"text": "what exactly is ferpa?", "intent": {"name": "ask_more_detail", "confidence": 0.7}},
    )
    messages, _ = run(ActionArticleDetail(), t)
    assert messages[0]["response"] in ("utter_kb_answer", "utter_kb_choose")
    bare = tracker("question_en", slots={"last_article": None}, latest_message={"text": "more"})
    assert [m["response"] for m in run(ActionArticleDetail(), bare)[0]] == ["utter_kb_no_article_yet"]


def test_when_a_request_cannot_be_opened_the_family_gets_the_offices_address(context: ActionContext) -> None:
    """Spanish review E40: "write to the privacy office" gave no address to write to."""
    from sqlalchemy.exc import OperationalError

    def broken() -> Any:
        raise OperationalError("insert", {}, Exception("database is down"))

    set_context(dataclasses.replace(context, session_factory=broken))
    messages, _ = run(ActionHandoff(), tracker("question_en"))
    assert messages[0]["response"] == "utter_request_failed"
    assert messages[0]["office_email"] == "privacy@maplevalley.example.org"
    template = DOMAIN["responses"]["utter_request_failed"]
    assert all("{office_email}" in variation["text"] for variation in template)
