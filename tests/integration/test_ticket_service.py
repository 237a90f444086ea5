"""Ticket service on a real database: SQLite and PostgreSQL."""

from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from knowledge.district import District
from ticketing.tickets.enums import Channel, TicketCategory, TicketStatus
from ticketing.tickets.service import change_status, open_ticket, queue, tickets_for_requester
from ticketing.tickets.state import IllegalTransition


def test_open_route_and_find_tickets(session_factory: sessionmaker[Session], district: District) -> None:
    now = datetime(2026, 11, 30, 15, tzinfo=timezone.utc)
    with unit_of_work(session_factory) as db_session:
        first = open_ticket(
            db_session=db_session,
            district=district,
            category=TicketCategory.records,
            channel=Channel.web,
            language="es",
            requester_ref="c1",
            school_id="mvhs",
            now=now,
        )
        open_ticket(
            db_session=db_session,
            district=district,
            category=TicketCategory.misuse,
            channel=Channel.sms,
            language="en",
            requester_ref="c2",
            now=now,
        )
        reference = first.reference
    with unit_of_work(session_factory) as db_session:
        (mine,) = tickets_for_requester(db_session=db_session, requester_ref="c1")
        assert mine.reference == reference and mine.assignee_email == "records.mvhs@maplevalley.example.org"
        assert mine.created_at.tzinfo is not None and mine.due_on.isoformat() == "2026-12-14"
        assert [t.category for t in queue(db_session=db_session)] == [
            TicketCategory.misuse,
            TicketCategory.records,
        ]
        assert len(queue(db_session=db_session, assignee_email="records.mvhs@maplevalley.example.org")) == 1


def test_status_changes_follow_the_state_machine_and_are_recorded(
    session_factory: sessionmaker[Session], district: District
) -> None:
    with unit_of_work(session_factory) as db_session:
        ticket = open_ticket(
            db_session=db_session,
            district=district,
            category=TicketCategory.question,
            channel=Channel.web,
            language="en",
            requester_ref="c3",
        )
        change_status(db_session=db_session, ticket=ticket, status=TicketStatus.in_progress, actor="officer@x")
        with pytest.raises(IllegalTransition):
            change_status(db_session=db_session, ticket=ticket, status=TicketStatus.new, actor="officer@x")
        assert [e.kind for e in ticket.events] == ["opened", "status"]
        assert ticket.status is TicketStatus.in_progress


def test_references_are_unique_and_unguessable(session_factory: sessionmaker[Session], district: District) -> None:
    with unit_of_work(session_factory) as db_session:
        refs = {
            open_ticket(
                db_session=db_session,
                district=district,
                category=TicketCategory.question,
                channel=Channel.web,
                language="en",
                requester_ref=f"c{i}",
            ).reference
            for i in range(50)
        }
    assert len(refs) == 50
    assert all(len(r) == 12 and r.startswith("RD-") for r in refs)


def test_hand_back_only_from_the_ticket_the_conversation_was_taken_for(
    session_factory: sessionmaker[Session], district: District
) -> None:
    """F22: an officer who sees another request of the same conversation cannot end a colleague's take-over."""
    from channels.handoff import HandoffError, hand_back, take_over
    from conversations.service import start_conversation
    from ticketing.tickets.enums import Channel, TicketCategory
    from ticketing.tickets.service import open_ticket

    with unit_of_work(session_factory) as db_session:
        conversation, _ = start_conversation(db_session=db_session, channel="web")
        tickets = [
            open_ticket(
                db_session=db_session,
                district=district,
                category=TicketCategory.question,
                channel=Channel.web,
                language="en",
                requester_ref=conversation.rasa_sender,
                school_id=school,
            )
            for school in ("mvhs", "cedar")
        ]
        take_over(db_session=db_session, ticket=tickets[0], officer_email="a@x.org", officer_name="A")
        with pytest.raises(HandoffError, match="another request"):
            hand_back(db_session=db_session, ticket=tickets[1], officer_email="b@x.org")
        assert conversation.handoff_officer == "a@x.org" and conversation.handoff_ticket_id == tickets[0].id
        hand_back(db_session=db_session, ticket=tickets[0], officer_email="a@x.org")
        assert conversation.handoff_officer is None
