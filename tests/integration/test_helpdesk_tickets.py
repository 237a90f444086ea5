"""Ticket services on SQLite and PostgreSQL: lifecycle, timeline, reassignment, scope, queue filters."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from knowledge.district import District
from tests.helpdesk_support import officer
from ticketing.audit.models import AuditEntry
from ticketing.officers.models import Officer
from ticketing.officers.service import officers_for_ticket
from ticketing.tickets.enums import Channel, TicketCategory, TicketPriority, TicketStatus
from ticketing.tickets.models import Ticket
from ticketing.tickets.scope import can_see
from ticketing.tickets.service import (
    QueueFilter,
    TicketError,
    add_timeline_event,
    change_status,
    find_ticket_by_requester,
    mark_verified,
    open_ticket,
    reassign,
    search,
    ticket_in_scope,
)
from ticketing.tickets.state import IllegalTransition

NOW = datetime(2026, 11, 30, 15, tzinfo=timezone.utc)


def _open(db_session: Session, district: District, **kwargs: object) -> Ticket:
    values: dict[str, object] = {
        "category": TicketCategory.records,
        "channel": Channel.web,
        "language": "en",
        "requester_ref": "c-one",
        "school_id": "mvhs",
        "now": NOW,
    }
    values.update(kwargs)
    return open_ticket(db_session=db_session, district=district, **values)  # type: ignore[arg-type]


def _actions(db_session: Session, ticket: Ticket) -> list[str]:
    return list(
        db_session.scalars(select(AuditEntry.action).where(AuditEntry.ticket_id == ticket.id).order_by(AuditEntry.seq))
    )


def test_a_ticket_carries_requester_student_language_and_its_opening_is_audited(
    session_factory: sessionmaker[Session], district: District
) -> None:
    with unit_of_work(session_factory) as db_session:
        ticket = _open(db_session, district, language="es", requester_person_id=41, student_person_id=42, verified=True)
        ticket_id = ticket.id
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.get_one(Ticket, ticket_id)
        assert (ticket.requester_person_id, ticket.student_person_id, ticket.language) == (41, 42, "es")
        assert ticket.verified and ticket.verification_method == "code_to_contact_on_file"
        assert ticket.status_changed_at == NOW and ticket.reopened_count == 0
        assert _actions(db_session, ticket) == ["ticket.opened"]


def test_status_changes_stamp_times_and_are_audited_reopen_clears_the_answer(
    session_factory: sessionmaker[Session], district: District
) -> None:
    with unit_of_work(session_factory) as db_session:
        ticket = _open(db_session, district)
        change_status(db_session=db_session, ticket=ticket, status=TicketStatus.acknowledged, actor="a@x.org")
        change_status(db_session=db_session, ticket=ticket, status=TicketStatus.resolved, actor="a@x.org")
        assert ticket.resolved_at is not None and ticket.closed_at is None
        change_status(db_session=db_session, ticket=ticket, status=TicketStatus.closed, actor="a@x.org")
        assert ticket.closed_at is not None
        change_status(db_session=db_session, ticket=ticket, status=TicketStatus.in_progress, actor="b@x.org")
        ticket_id = ticket.id
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.get_one(Ticket, ticket_id)
        assert ticket.status is TicketStatus.in_progress
        assert ticket.resolved_at is None and ticket.closed_at is None and ticket.reopened_count == 1
        statuses = [(e.data["from"], e.data["to"], e.data["reopened"]) for e in ticket.events if e.kind == "status"]
        assert statuses == [
            ("new", "acknowledged", False),
            ("acknowledged", "resolved", False),
            ("resolved", "closed", False),
            ("closed", "in_progress", True),
        ]
        assert _actions(db_session, ticket) == [
            "ticket.opened",
            "ticket.status_changed",
            "ticket.status_changed",
            "ticket.status_changed",
            "ticket.reopened",
        ]


def test_an_illegal_move_or_a_rejection_without_reason_changes_nothing(
    session_factory: sessionmaker[Session], district: District
) -> None:
    with unit_of_work(session_factory) as db_session:
        ticket = _open(db_session, district)
        ticket_id = ticket.id
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.get_one(Ticket, ticket_id)
        with pytest.raises(IllegalTransition):
            change_status(db_session=db_session, ticket=ticket, status=TicketStatus.closed, actor="a@x.org")
        with pytest.raises(IllegalTransition, match="reason"):
            change_status(db_session=db_session, ticket=ticket, status=TicketStatus.rejected, actor="a@x.org")
        assert ticket.status is TicketStatus.new and [e.kind for e in ticket.events] == ["opened"]
        change_status(
            db_session=db_session,
            ticket=ticket,
            status=TicketStatus.rejected,
            actor="a@x.org",
            reason="The student was never enrolled in the district.",
        )
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.get_one(Ticket, ticket_id)
        assert ticket.status is TicketStatus.rejected
        assert ticket.rejection_reason == "The student was never enrolled in the district."
        assert ticket.resolved_at is not None and ticket.closed_at is not None


def test_timeline_events_from_other_modules_and_the_latest_open_ticket_of_a_conversation(
    session_factory: sessionmaker[Session], district: District
) -> None:
    with unit_of_work(session_factory) as db_session:
        older = _open(db_session, district, requester_ref="c-two")
        newer = _open(db_session, district, requester_ref="c-two", category=TicketCategory.question)
        assert find_ticket_by_requester(db_session=db_session, requester_ref="c-two") is newer
        change_status(db_session=db_session, ticket=newer, status=TicketStatus.rejected, actor="a@x.org", reason="dup")
        assert find_ticket_by_requester(db_session=db_session, requester_ref="c-two") is older
        assert find_ticket_by_requester(db_session=db_session, requester_ref="nobody") is None
        event = add_timeline_event(
            db_session=db_session, ticket=older, kind="family_message", actor="family", body="Any news?"
        )
        assert event.id is not None and older.events[-1].body == "Any news?"
        with pytest.raises(ValueError, match="timeline kind"):
            add_timeline_event(db_session=db_session, ticket=older, kind="Bad Kind!", actor="x", body="")
        assert _actions(db_session, older)[-1] == "ticket.timeline_added"


def test_reassignment_only_to_officers_who_can_see_the_ticket(
    session_factory: sessionmaker[Session], district: District
) -> None:
    officer(session_factory, "officer@x.org", "district_officer")
    officer(session_factory, "mvhs@x.org", "school_contact", ["mvhs"])
    officer(session_factory, "cedar@x.org", "school_contact", ["cedar"])
    with unit_of_work(session_factory) as db_session:
        ticket = _open(db_session, district)
        by_email = {o.email: o for o in db_session.scalars(select(Officer))}
        assert [o.email for o in officers_for_ticket(db_session=db_session, ticket=ticket)] == [
            "mvhs@x.org",
            "officer@x.org",
        ]
        with pytest.raises(TicketError, match="cannot see"):
            reassign(db_session=db_session, ticket=ticket, assignee=by_email["cedar@x.org"], actor="officer@x.org")
        reassign(db_session=db_session, ticket=ticket, assignee=by_email["mvhs@x.org"], actor="officer@x.org")
        assert ticket.assignee_email == "mvhs@x.org"
        with pytest.raises(TicketError, match="already"):
            reassign(db_session=db_session, ticket=ticket, assignee=by_email["mvhs@x.org"], actor="officer@x.org")
        assert ticket.events[-1].kind == "assigned" and ticket.events[-1].data["to"] == "mvhs@x.org"
        assert _actions(db_session, ticket)[-1] == "ticket.assigned"


def test_verification_records_how_and_by_whom(session_factory: sessionmaker[Session], district: District) -> None:
    with unit_of_work(session_factory) as db_session:
        ticket = _open(db_session, district)
        with pytest.raises(TicketError, match="choose how"):
            mark_verified(db_session=db_session, ticket=ticket, actor="a@x.org", method="looked trustworthy")
        mark_verified(
            db_session=db_session,
            ticket=ticket,
            actor="a@x.org",
            method="in_person_id",
            note="ID seen",
            requester_person_id=3,
        )
        assert ticket.verified and ticket.verified_by == "a@x.org" and ticket.verification_method == "in_person_id"
        with pytest.raises(TicketError, match="already"):
            mark_verified(db_session=db_session, ticket=ticket, actor="a@x.org", method="in_person_id")
        assert _actions(db_session, ticket)[-1] == "ticket.verified"


def test_scope_and_queue_filters(session_factory: sessionmaker[Session], district: District) -> None:
    officer(session_factory, "admin@x.org", "administrator")
    officer(session_factory, "records.mvhs@maplevalley.example.org", "school_contact", ["mvhs"])
    with unit_of_work(session_factory) as db_session:
        mvhs = _open(db_session, district, requester_ref="a")
        cedar = _open(db_session, district, requester_ref="b", school_id="cedar")
        breach = _open(db_session, district, requester_ref="c", category=TicketCategory.misuse, school_id=None)
        mine_no_school = _open(db_session, district, requester_ref="d", school_id=None)
        mine_no_school.assignee_email = "records.mvhs@maplevalley.example.org"
        old = _open(db_session, district, requester_ref="e", now=NOW - timedelta(days=40))
        db_session.flush()
        admin, contact = (
            db_session.scalars(select(Officer).where(Officer.email == e)).one()
            for e in ("admin@x.org", "records.mvhs@maplevalley.example.org")
        )
        today = date(2026, 12, 1)

        def refs(who: Officer, **f: object) -> set[str]:
            found = search(db_session=db_session, officer=who, filters=QueueFilter(**f), today=today)  # type: ignore[arg-type]
            return {t.reference for t in found}

        everything = {t.reference for t in (mvhs, cedar, breach, mine_no_school, old)}
        assert refs(admin) == everything
        assert refs(contact) == {mvhs.reference, mine_no_school.reference, old.reference}
        assert refs(admin, school="none") == {breach.reference, mine_no_school.reference}
        assert refs(admin, category="misuse") == {breach.reference}
        assert refs(admin, overdue=True) == {old.reference}
        assert refs(contact, mine=True) == {mvhs.reference, old.reference, mine_no_school.reference}
        first = search(db_session=db_session, officer=admin, filters=QueueFilter(), today=today)[0]
        assert first.priority is TicketPriority.urgent
        assert can_see(contact, mvhs) and not can_see(contact, cedar) and not can_see(contact, breach)
        assert ticket_in_scope(db_session=db_session, officer=contact, reference=cedar.reference) is None
        assert ticket_in_scope(db_session=db_session, officer=contact, reference=mvhs.reference) is mvhs
        change_status(db_session=db_session, ticket=mvhs, status=TicketStatus.rejected, actor="x", reason="r")
        assert mvhs.reference not in refs(admin)
        assert mvhs.reference in refs(admin, status="all") and refs(admin, status="rejected") == {mvhs.reference}
