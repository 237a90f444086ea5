"""F9: records reach only the verified person. When the office confirms identity another way (a call-back, ID
in person, a signed form), the officer names the roster person, the console shows how and through which channel,
and the records link goes to that person's contact on file — never to whoever holds the conversation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from core.secrets import vault
from identity.roster.models import RosterLink, RosterPerson, RosterRole
from knowledge.district import District
from outbox.models import OutboxMessage
from outbox.service import body_of, recipient_of
from tests.helpdesk_support import (
    console_app,
    database_url,
    family_messages,
    make_settings,
    officer,
    signed_in,
    web_ticket,
)
from ticketing.audit.models import AuditEntry
from ticketing.tickets.models import Ticket

OFFICER = "privacy@maplevalley.example.org"
CEDAR = "grace@maplevalley.example.org"
PARENT_NUMBER = "+15555550187"


@pytest.fixture
def app(sqlite_engine: Engine, tmp_path: Path) -> FastAPI:
    application = console_app(make_settings(tmp_path, database_url(sqlite_engine)))
    officer(application.state.session_factory, OFFICER, "district_officer")
    officer(application.state.session_factory, CEDAR, "school_contact", ["cedar"])
    return application


def _roster(factory: sessionmaker[Session]) -> int:
    """A parent with an SMS number on file and her son at Maple Valley High."""
    with unit_of_work(factory) as db_session:
        parent = RosterPerson(
            sourced_id="p-1", role=RosterRole.parent, given_name="Marisol", family_name="Quintanilla",
            sms_sealed=vault().seal(PARENT_NUMBER, "sms"), row_hash="x",
        )  # fmt: skip
        student = RosterPerson(
            sourced_id="s-1", role=RosterRole.student, given_name="Tomás", family_name="Quintanilla",
            school_sourced_id="mvhs", row_hash="y",
        )  # fmt: skip
        db_session.add_all([parent, student])
        db_session.flush()
        db_session.add(RosterLink(agent_id=parent.id, student_id=student.id, relationship=RosterRole.parent))
        return parent.id


def test_records_of_an_office_verified_request_go_to_the_contact_on_file(app: FastAPI, district: District) -> None:
    factory: sessionmaker[Session] = app.state.session_factory
    parent_id = _roster(factory)
    opened = web_ticket(factory, district, summary="I want my son's records (verify another way)")
    console = signed_in(app, OFFICER)
    path = f"/console/tickets/{opened.reference}"
    page = console.get(f"{path}?find=quintanilla")
    assert "Marisol Quintanilla (parent, of Tomás Quintanilla; on file: sms)" in page.text
    assert PARENT_NUMBER not in page.text  # which contacts exist, never their values
    verified = console.post(f"{path}/verify", {"method": "callback_on_file", "person": parent_id, "note": "called"})
    assert verified.status_code == 303
    page = console.get(path)
    assert "call-back to the phone number on file, by telephone, calling the number on file" in page.text
    assert "Marisol Quintanilla" in page.text and "never to the conversation" in page.text
    upload = console.client.post(
        f"{path}/attachments",
        data={"csrf_token": console.csrf},
        files={"file": ("records.pdf", b"%PDF-1.4 Tomas attendance", "application/pdf")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    with unit_of_work(factory) as db_session:
        attachment_id = (
            db_session.scalars(select(Ticket).where(Ticket.reference == opened.reference)).one().attachments[0].id
        )
    console.get(path)
    sent = console.post(f"{path}/records-links", {"attachment_id": attachment_id})
    assert sent.status_code == 303 and "records_link_sms" in sent.headers["location"]
    # The conversation (whoever holds it) is told where the link went, and gets no link.
    told = family_messages(factory, opened.conversation_id)[-1]
    assert "contact we have on file" in told and "/records/" not in told
    with unit_of_work(factory) as db_session:
        (message,) = db_session.scalars(select(OutboxMessage)).all()
        assert recipient_of(message) == PARENT_NUMBER and message.sensitive
        assert re.search(r"/records/\S+", body_of(message))
        assert "/records/" not in message.body  # at rest the link is encrypted
        delivered = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "records_link.delivered")).one()
        assert delivered.detail["to"] == "sms"


def test_a_school_contact_may_confirm_only_families_of_their_schools(app: FastAPI, district: District) -> None:
    factory: sessionmaker[Session] = app.state.session_factory
    parent_id = _roster(factory)
    opened = web_ticket(factory, district, school_id="cedar")
    grace = signed_in(app, CEDAR)
    path = f"/console/tickets/{opened.reference}"
    assert "Nobody in the roster matches" in grace.get(f"{path}?find=quintanilla").text
    refused = grace.post(f"{path}/verify", {"method": "in_person_id", "person": parent_id})
    assert refused.status_code == 400 and "choose the person from the roster search" in refused.text
    with unit_of_work(factory) as db_session:
        assert not db_session.scalars(select(Ticket).where(Ticket.reference == opened.reference)).one().verified


def test_without_a_contact_on_file_nothing_is_sent(app: FastAPI, district: District) -> None:
    factory: sessionmaker[Session] = app.state.session_factory
    parent_id = _roster(factory)
    with unit_of_work(factory) as db_session:
        db_session.get_one(RosterPerson, parent_id).sms_sealed = None
    opened = web_ticket(factory, district)
    console = signed_in(app, OFFICER)
    path = f"/console/tickets/{opened.reference}"
    console.get(f"{path}?find=Marisol Quintanilla")
    assert console.post(f"{path}/verify", {"method": "in_person_id", "person": parent_id}).status_code == 303
    console.get(path)
    console.client.post(
        f"{path}/attachments",
        data={"csrf_token": console.csrf},
        files={"file": ("r.pdf", b"%PDF-1.4 x", "application/pdf")},
    )
    with unit_of_work(factory) as db_session:
        attachment_id = (
            db_session.scalars(select(Ticket).where(Ticket.reference == opened.reference)).one().attachments[0].id
        )
    console.get(path)
    refused = console.post(f"{path}/records-links", {"attachment_id": attachment_id})
    assert refused.status_code == 400 and "no contact on file" in refused.text
    assert not any("/records/" in m for m in family_messages(factory, opened.conversation_id))
