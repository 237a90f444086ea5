"""Deadline reminders and escalation on SQLite and PostgreSQL: the configured points, once each; escalation to the
district officer once overdue; emails through the real outbox; `rightsdesk sla run`."""

import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core import contacts
from core.db import unit_of_work
from core.settings import REPO_ROOT
from knowledge.district import District
from outbox import service as outbox_service
from outbox.models import OutboxMessage
from outbox.service import OutboxError
from rightsdesk.cli import main
from tests.helpdesk_support import database_url
from ticketing.helpdesk import HelpdeskConfig, load_helpdesk
from ticketing.officers.models import Officer, OfficerRole
from ticketing.sla import service as sla
from ticketing.sla.models import SlaNotice
from ticketing.sla.service import notices_for, run_sla
from ticketing.tickets.enums import Channel, TicketCategory, TicketStatus
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import change_status, open_ticket

CONFIG = load_helpdesk(REPO_ROOT / "ticketing" / "helpdesk.yml")
OPENED = datetime(2026, 11, 30, 15, tzinfo=timezone.utc)  # a records request: due 2026-12-14 (10 business days)
DISTRICT_OFFICER = "privacy@maplevalley.example.org"
MVHS_RECORDS = "records.mvhs@maplevalley.example.org"


@pytest.fixture(autouse=True)
def _contact_key() -> None:
    contacts.configure("sla-test-secret-key-sla-test-secret-key")


def at(day: int, hour: int = 16) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=timezone.utc)


def _open(factory: sessionmaker[Session], district: District, **kwargs: object) -> int:
    values: dict[str, object] = {
        "category": TicketCategory.records,
        "channel": Channel.web,
        "language": "en",
        "requester_ref": "c-sla",
        "school_id": "mvhs",
        "now": OPENED,
    }
    values.update(kwargs)
    with unit_of_work(factory) as db_session:
        ticket = open_ticket(db_session=db_session, district=district, **values)  # type: ignore[arg-type]
        return ticket.id


def _run(
    factory: sessionmaker[Session], district: District, now: datetime, config: HelpdeskConfig = CONFIG
) -> sla.SlaRun:
    with unit_of_work(factory) as db_session:
        return run_sla(
            db_session=db_session, district=district, config=config, public_url="https://desk.example.org", now=now
        )


def _notices(factory: sessionmaker[Session]) -> list[tuple[str, int, str]]:
    with unit_of_work(factory) as db_session:
        return [
            (n.kind, n.days_before, n.recipient_email)
            for n in db_session.scalars(select(SlaNotice).order_by(SlaNotice.id))
        ]


def test_reminders_at_each_point_once_then_one_escalation(
    session_factory: sessionmaker[Session], district: District
) -> None:
    ticket_id = _open(session_factory, district)
    assert _run(session_factory, district, at(8)).reminders == 0  # 6 days left
    assert _run(session_factory, district, at(9)).reminders == 1  # 5 days left
    assert _run(session_factory, district, at(9, 20)).reminders == 0  # same day again: nothing new
    assert _run(session_factory, district, at(12)).reminders == 1  # 2 days left
    assert _run(session_factory, district, at(13)).reminders == 1  # 1 day left
    assert _run(session_factory, district, at(14)) == sla.SlaRun()  # due today: the 1-day reminder was sent
    overdue = _run(session_factory, district, at(15))
    assert (overdue.reminders, overdue.escalations) == (0, 1)
    assert _run(session_factory, district, at(16)).escalations == 0
    assert _notices(session_factory) == [
        ("reminder", 5, MVHS_RECORDS),
        ("reminder", 2, MVHS_RECORDS),
        ("reminder", 1, MVHS_RECORDS),
        ("escalation", -1, DISTRICT_OFFICER),
    ]
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.get_one(Ticket, ticket_id)
        assert ticket.escalated_at == at(15)
        assert ticket.events[-1].kind == "escalated"


def test_reminders_and_escalations_are_emailed_through_the_outbox(
    session_factory: sessionmaker[Session], district: District
) -> None:
    ticket_id = _open(session_factory, district)
    result = _run(session_factory, district, at(9))
    assert (result.emailed, result.not_emailed) == (1, 0)
    _run(session_factory, district, at(15))
    with unit_of_work(session_factory) as db_session:
        emails = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.kind.value, m.ticket_id) for m in emails] == [("email", ticket_id), ("email", ticket_id)]
        assert [contacts.decrypt(m.recipient_encrypted) for m in emails] == [MVHS_RECORDS, DISTRICT_OFFICER]
        reference = db_session.get_one(Ticket, ticket_id).reference
        assert emails[0].subject == f"Reminder: {reference} (see records) is due in 5 days"
        assert emails[1].subject.startswith(f"OVERDUE: {reference}")
        assert f"https://desk.example.org/console/tickets/{reference}" in emails[0].body
        assert all(n.emailed for n in db_session.scalars(select(SlaNotice)))


def test_when_the_outbox_refuses_a_notice_it_stays_in_the_console_and_a_warning_is_logged(
    session_factory: sessionmaker[Session],
    district: District,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(**_: object) -> None:
        raise OutboxError("an email needs a one-line subject")

    monkeypatch.setattr(outbox_service, "enqueue", refuse)
    _open(session_factory, district)
    with caplog.at_level(logging.WARNING, logger="ticketing.sla.service"):
        result = _run(session_factory, district, at(9))
    assert (result.reminders, result.emailed, result.not_emailed) == (1, 0, 1)
    assert "not emailed" in caplog.text
    with unit_of_work(session_factory) as db_session:
        assert db_session.scalars(select(OutboxMessage)).all() == []
        admin = Officer(email="a@x.org", name="A", role=OfficerRole.administrator, schools="", password_hash="x")
        (notice,) = notices_for(db_session=db_session, officer=admin)
        assert (notice.kind, notice.days_before) == ("reminder", 5)


def test_a_late_ticket_gets_only_the_nearest_reminder_and_answered_tickets_none(
    session_factory: sessionmaker[Session], district: District
) -> None:
    # A question is due in 2 business days: opened Monday Dec 7, due Wednesday Dec 9.
    _open(session_factory, district, category=TicketCategory.question, now=at(7, 15), requester_ref="c-q")
    answered = _open(session_factory, district, now=at(1), requester_ref="c-done")
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.get_one(Ticket, answered)
        change_status(db_session=db_session, ticket=ticket, status=TicketStatus.resolved, actor="a@x.org")
    _run(session_factory, district, at(7, 16))
    assert _notices(session_factory) == [("reminder", 2, DISTRICT_OFFICER)]
    _run(session_factory, district, at(30))
    assert _notices(session_factory)[-1] == ("escalation", -1, DISTRICT_OFFICER)
    assert len(_notices(session_factory)) == 2  # the resolved ticket never produced a notice


def test_points_come_from_the_configuration(session_factory: sessionmaker[Session], district: District) -> None:
    _open(session_factory, district)
    config = HelpdeskConfig.model_validate({"reminders": {"days_before_due": [3], "escalate_when_overdue": False}})
    assert _run(session_factory, district, at(9), config).reminders == 0
    assert _run(session_factory, district, at(11), config).reminders == 1
    assert _run(session_factory, district, at(20), config).escalations == 0


def test_rightsdesk_sla_run_is_idempotent(
    engine: Engine,
    session_factory: sessionmaker[Session],
    district: District,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", database_url(engine))
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(tmp_path / "var"))
    # Overdue as of any real "today" after the demo's dates.
    _open(session_factory, district, now=datetime(2020, 1, 6, 15, tzinfo=timezone.utc))
    assert main(["sla", "run"]) == 0
    assert "0 reminder(s), 1 escalation(s)" in capsys.readouterr().out
    assert main(["sla", "run"]) == 0
    assert "0 reminder(s), 0 escalation(s)" in capsys.readouterr().out


def test_the_gateway_runs_the_deadline_check_periodically(
    sqlite_engine: Engine, district: District, tmp_path: Path
) -> None:
    import time

    from fastapi.testclient import TestClient

    from tests.helpdesk_support import console_app, make_settings

    settings = make_settings(tmp_path, database_url(sqlite_engine), RIGHTSDESK_SLA_INTERVAL_SECONDS=0.2)
    app = console_app(settings)
    factory = app.state.session_factory
    _open(factory, district, now=datetime(2020, 1, 6, 15, tzinfo=timezone.utc))
    with TestClient(app):  # runs the lifespan, which starts the periodic check
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not _notices(factory):
            time.sleep(0.1)
    assert _notices(factory) == [("escalation", -1, DISTRICT_OFFICER)]
