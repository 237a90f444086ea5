"""Custom actions, driven by tracker fixtures and a CollectingDispatcher, on a real (SQLite) database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import (
    ActionAnswerQuestion,
    ActionArticleDetail,
    ActionHandoff,
    ActionOpenRequest,
    ActionStartRequest,
)
from actions.context import ActionContext, set_context
from knowledge.service import KnowledgeService
from rightsdesk.migrate import upgrade
from rightsdesk.settings import REPO_ROOT, Settings
from ticketing.database import make_engine, make_session_factory
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


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


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
    assert events == []


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
