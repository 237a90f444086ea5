"""The permission matrix on SQLite and PostgreSQL: every role against every scope, through the console.

Scopes: a ticket of the school contact's own school, one of another school, one with no school assigned to the
school contact, and a district-wide one (no school, with the district officer). Outside one's scope the answer
is 404 — the same page as for a reference that does not exist — never 403, and nothing changes.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from knowledge.district import District
from tests.helpdesk_support import Console, console_app, database_url, make_settings, officer, signed_in, web_ticket
from ticketing.audit.models import AuditEntry
from ticketing.tickets.enums import TicketCategory
from ticketing.tickets.models import Ticket, TicketEvent

CONTACT = "records.mvhs@maplevalley.example.org"  # the designated records contact of mvhs in the demo district
OTHER_CONTACT = "office.cedar@maplevalley.example.org"

ROLES = {
    "administrator": ("admin@maplevalley.example.org", []),
    "district_officer": ("privacy@maplevalley.example.org", []),
    "school_contact": (CONTACT, ["mvhs"]),
}
SCOPES = ("own_school", "other_school", "no_school_assigned_to_contact", "district_wide")
VISIBLE = {
    "administrator": set(SCOPES),
    "district_officer": set(SCOPES),
    "school_contact": {"own_school", "no_school_assigned_to_contact"},
}


@dataclass
class World:
    app: object
    refs: dict[str, str]
    factory: sessionmaker[Session]


@pytest.fixture
def world(engine: Engine, district: District, tmp_path: Path) -> World:
    app = console_app(make_settings(tmp_path, database_url(engine)))
    factory: sessionmaker[Session] = app.state.session_factory  # type: ignore[attr-defined]
    for email, (address, schools) in ROLES.items():
        officer(factory, address, email, schools)
    officer(factory, OTHER_CONTACT, "school_contact", ["cedar"])
    refs = {
        "own_school": web_ticket(factory, district, school_id="mvhs").reference,
        "other_school": web_ticket(factory, district, school_id="cedar").reference,
        "no_school_assigned_to_contact": web_ticket(factory, district, school_id=None).reference,
        "district_wide": web_ticket(factory, district, category=TicketCategory.misuse, school_id=None).reference,
    }
    with unit_of_work(factory) as db_session:
        mine = db_session.scalars(select(Ticket).where(Ticket.reference == refs["no_school_assigned_to_contact"])).one()
        mine.assignee_email = CONTACT
    return World(app, refs, factory)


def _count(factory: sessionmaker[Session], model: type, reference: str) -> int:
    with unit_of_work(factory) as db_session:
        ticket_id = db_session.scalars(select(Ticket.id).where(Ticket.reference == reference)).one()
        column = model.ticket_id  # type: ignore[attr-defined]
        return int(db_session.scalar(select(func.count()).select_from(model).where(column == ticket_id)) or 0)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_against_every_scope(world: World, role: str) -> None:
    console = signed_in(world.app, ROLES[role][0])  # type: ignore[arg-type]
    missing = console.get("/console/tickets/RD-ZZZZ-ZZZZ")
    assert missing.status_code == 404
    for scope in SCOPES:
        reference = world.refs[scope]
        allowed = scope in VISIBLE[role]
        page = console.get(f"/console/tickets/{reference}")
        assert page.status_code == (200 if allowed else 404), (role, scope)
        if not allowed:
            assert reference not in page.text
            assert page.text.replace(reference, "") == missing.text.replace("RD-ZZZZ-ZZZZ", "")
        events_before = _count(world.factory, TicketEvent, reference)
        audit_before = _count(world.factory, AuditEntry, reference)
        note = console.post(f"/console/tickets/{reference}/note", {"body": f"{role} was here"})
        assert note.status_code == (303 if allowed else 404), (role, scope)
        assert _count(world.factory, TicketEvent, reference) == events_before + (1 if allowed else 0)
        assert _count(world.factory, AuditEntry, reference) == audit_before + (1 if allowed else 0)
        status = console.post(f"/console/tickets/{reference}/status", {"status": "acknowledged"})
        assert status.status_code == (303 if allowed else 404), (role, scope)
        download = console.get(f"/console/tickets/{reference}/attachments/1")
        assert download.status_code == 404


@pytest.mark.parametrize("role", list(ROLES))
def test_the_queue_export_and_dashboard_hold_only_what_the_role_may_see(world: World, role: str) -> None:
    console = signed_in(world.app, ROLES[role][0])  # type: ignore[arg-type]
    expected = {world.refs[s] for s in VISIBLE[role]}
    queue = console.get("/console/queue")
    assert {r for r in world.refs.values() if r in queue.text} == expected
    export = console.post("/console/queue.csv")
    assert export.status_code == 200
    assert {line.split(",")[0] for line in export.text.splitlines()[1:]} == expected
    dashboard = console.get("/console/dashboard")
    assert f"<dt>Tickets</dt><dd>{len(expected)}</dd>" in dashboard.text


@pytest.mark.parametrize("role", list(ROLES))
def test_only_administrators_see_the_audit_log(world: World, role: str) -> None:
    console = signed_in(world.app, ROLES[role][0])  # type: ignore[arg-type]
    expected = 200 if role == "administrator" else 404
    assert console.get("/console/audit").status_code == expected
    assert console.post("/console/audit.csv").status_code == expected
    assert ("Audit log</a>" in console.get("/console/queue").text) == (role == "administrator")


def test_a_school_contact_of_another_school_sees_none_of_these(world: World) -> None:
    console: Console = signed_in(world.app, OTHER_CONTACT)  # type: ignore[arg-type]
    for scope in SCOPES:
        expected = 200 if scope == "other_school" else 404
        assert console.get(f"/console/tickets/{world.refs[scope]}").status_code == expected


def test_without_a_session_everything_goes_to_sign_in(world: World) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(world.app)  # type: ignore[arg-type]
    reference = world.refs["own_school"]
    for path in ("/console/queue", f"/console/tickets/{reference}", "/console/dashboard", "/console/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/console/login?next=")
    posted = client.post(f"/console/tickets/{reference}/note", data={"body": "x"}, follow_redirects=False)
    assert posted.status_code == 303
    assert _count(world.factory, TicketEvent, reference) == 1
