"""Ticket service on a real database: SQLite and PostgreSQL."""

from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session, sessionmaker

from knowledge.district import District
from ticketing.database import unit_of_work
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
