"""The family's use cases (flows.family) on SQLite and PostgreSQL: each in one transaction, the same whoever runs
them — above all, bringing in a person reuses one open question ticket whether the family asked ("talk to a
person", the action) or the assistant failed to understand twice (the gateway)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from actions.context import ActionContext, set_context
from actions.handoff import ActionHandoff
from channels.chat import ChatService
from channels.rasa_client import RasaClient
from conversations.service import start_conversation
from core.db import unit_of_work
from core.settings import REPO_ROOT, Settings
from flows.family import (
    RESTRICTED_NOTE,
    PersonAsked,
    RosterNames,
    bring_in_a_person,
    list_requests_for,
    open_family_request,
)
from flows.transaction import DeskUnavailable, in_one_transaction
from identity.verification import service as verification
from identity.verification.models import VerificationSession
from knowledge.district import District
from knowledge.service import KnowledgeService
from tests.fakes.rasa import ScriptedRasa
from ticketing.tickets.enums import Channel, TicketCategory, TicketStatus
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import change_status


@pytest.fixture
def actions(session_factory: sessionmaker[Session], tmp_path: Path) -> Iterator[ActionContext]:
    """The action server's context on the test database."""
    context = ActionContext(
        settings=Settings(RIGHTSDESK_DATA_DIR=tmp_path),
        knowledge=KnowledgeService(REPO_ROOT / "knowledge" / "district" / "demo.yml", "https://desk.example.org"),
        session_factory=session_factory,
    )
    set_context(context)
    yield context
    set_context(None)


def _question_tickets(factory: sessionmaker[Session]) -> list[Ticket]:
    with factory() as db_session:
        return list(db_session.scalars(select(Ticket).where(Ticket.category == TicketCategory.question)))


def _talk_to_a_person(sender: str) -> list[dict[str, Any]]:
    tracker = Tracker(
        sender,
        {"language": "en"},
        {"text": "talk to a person", "intent": {"name": "human_handoff"}, "metadata": {"channel": "web"}},
        [],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionHandoff().run(dispatcher, tracker, {"responses": {}}))
    return dispatcher.messages


def test_asking_for_a_person_and_not_being_understood_share_one_ticket(
    session_factory: sessionmaker[Session], district: District, actions: ActionContext
) -> None:
    with unit_of_work(session_factory) as db_session:
        conversation, _ = start_conversation(db_session=db_session, channel="web")
        conversation_id, sender = conversation.id, conversation.rasa_sender
    # The family asks for a person (the Rasa action) ...
    (asked,) = _talk_to_a_person(sender)
    assert asked["response"] == "utter_handoff_opened"
    # ... then the assistant fails to understand them twice (the gateway).
    rasa = RasaClient(["http://rasa"], token="t")
    rasa.http = httpx.AsyncClient(transport=ScriptedRasa().transport())
    chat = ChatService(session_factory, rasa, district=lambda: district)
    asyncio.run(chat.handle(conversation_id, "zzz one"))
    reply = asyncio.run(chat.handle(conversation_id, "zzz two"))
    told = reply.messages[-1].text
    assert "already has your request" in told and asked["reference"] in told
    (ticket,) = _question_tickets(session_factory)
    assert ticket.reference == asked["reference"] and ticket.summary == PersonAsked.asked.value
    # Asking again reuses it too.
    (again,) = _talk_to_a_person(sender)
    assert again["response"] == "utter_handoff_already" and again["reference"] == asked["reference"]
    assert len(_question_tickets(session_factory)) == 1


def test_a_person_is_brought_in_anew_once_the_question_is_answered(
    session_factory: sessionmaker[Session], district: District
) -> None:
    bring = partial(bring_in_a_person, district=district, sender_id="c-1", channel=Channel.sms, language="es")
    first = in_one_transaction(session_factory, partial(bring, why=PersonAsked.not_understood))
    second = in_one_transaction(session_factory, partial(bring, why=PersonAsked.asked))
    assert (first.reused, second.reused, second.reference) == (False, True, first.reference)
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.scalars(select(Ticket).where(Ticket.reference == first.reference)).one()
        assert (ticket.channel, ticket.language, ticket.summary) == (
            Channel.sms,
            "es",
            PersonAsked.not_understood.value,
        )
        change_status(db_session=db_session, ticket=ticket, status=TicketStatus.resolved, actor="o@x.org")
    third = in_one_transaction(session_factory, partial(bring, why=PersonAsked.asked))
    assert not third.reused and third.reference != first.reference


def _held_birth_date(factory: sessionmaker[Session], sender: str) -> None:
    with unit_of_work(factory) as db_session:
        verification.expect_answer(db_session=db_session, sender_id=sender, kind=verification.BIRTH_DATE)
    with unit_of_work(factory) as db_session:
        verification.hold_answer(db_session=db_session, sender_id=sender, text="4/17/2013", language="en")


def _awaiting(factory: sessionmaker[Session], sender: str) -> str | None:
    with factory() as db_session:
        return db_session.scalars(
            select(VerificationSession.awaiting).where(VerificationSession.sender_id == sender)
        ).one()


def test_opening_a_request_is_one_transaction(session_factory: sessionmaker[Session], district: District) -> None:
    _held_birth_date(session_factory, "c-2")
    assert _awaiting(session_factory, "c-2") == verification.BIRTH_DATE

    def failing_summary(names: RosterNames | None) -> str:
        raise OperationalError("INSERT INTO tickets", {}, Exception("the database went away"))

    opening = partial(
        open_family_request,
        district=district,
        sender_id="c-2",
        category=TicketCategory.records,
        channel=Channel.web,
        language="en",
        code_verified=False,
    )
    with pytest.raises(DeskUnavailable):
        in_one_transaction(session_factory, partial(opening, summary=failing_summary))
    # Nothing happened: no ticket, and the answers held during the form are still held.
    assert _awaiting(session_factory, "c-2") == verification.BIRTH_DATE
    with session_factory() as db_session:
        assert db_session.scalars(select(Ticket)).all() == []
    opened = in_one_transaction(session_factory, partial(opening, summary=lambda names: f"- records ({names})"))
    assert (opened.verified, opened.awaiting_identity) == (False, True)
    assert _awaiting(session_factory, "c-2") is None
    with session_factory() as db_session:
        ticket = db_session.scalars(select(Ticket)).one()
        assert (ticket.reference, ticket.summary, ticket.verified) == (opened.reference, "- records (None)", False)
        assert ticket.due_on == opened.due_on
        assert RESTRICTED_NOTE not in [event.body for event in ticket.events]


def test_a_complaint_needs_no_identity_and_an_unverified_family_lists_nothing(
    session_factory: sessionmaker[Session], district: District
) -> None:
    opened = in_one_transaction(
        session_factory,
        partial(
            open_family_request,
            district=district,
            sender_id="c-3",
            category=TicketCategory.complaint,
            channel=Channel.web,
            language="en",
            code_verified=True,  # said by the conversation, but a complaint never reads an identity
            summary=lambda names: "- a complaint" if names is None else "- named",
        ),
    )
    assert (opened.verified, opened.awaiting_identity) == (False, False)
    # Following requests needs the verified identity: this conversation never verified.
    assert in_one_transaction(session_factory, partial(list_requests_for, sender_id="c-3")) is None
