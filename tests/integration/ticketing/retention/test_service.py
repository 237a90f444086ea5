"""Retention on SQLite and PostgreSQL: `rightsdesk purge --dry-run` shows and changes nothing; the real purge
destroys a closed ticket's personal data and files (the tickets' purge) and the conversation it came from (the
conversations' purge), keeps de-identified counts, and is audited."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from conversations import service as conversations
from conversations.models import Conversation, ConversationMessage
from conversations.service import ConversationsPurged, record_inbound, record_outbound, start_conversation
from core.db import unit_of_work, utcnow
from knowledge.district import District
from rightsdesk.cli import main
from tests.factories import database_url
from ticketing.audit.models import AuditEntry
from ticketing.audit.service import verify_chain
from ticketing.links.models import RecordsLink
from ticketing.links.service import create_records_link
from ticketing.officers.models import Officer, OfficerRole
from ticketing.reports.service import dashboard
from ticketing.retention.service import PurgeReport, purge
from ticketing.routing import local_today
from ticketing.tickets.enums import Channel, TicketCategory, TicketStatus
from ticketing.tickets.models import Ticket, TicketAttachment
from ticketing.tickets.service import add_note, change_status, mark_verified, open_ticket, save_attachment

LONG_AGO = timedelta(days=400)


def _conversation(db_session: Session, idle_for: timedelta = timedelta(0)) -> Conversation:
    conversation, _ = start_conversation(db_session=db_session, channel="web")
    record_inbound(db_session=db_session, conversation=conversation, text="I want my daughter's records")
    record_outbound(db_session=db_session, conversation=conversation, text="Your reference is RD-....")
    conversation.last_active_at = utcnow() - idle_for
    return conversation


def _closed_ticket(
    db_session: Session, district: District, conversation: Conversation, closed_ago: timedelta, storage: Path
) -> Ticket:
    ticket = open_ticket(
        db_session=db_session,
        district=district,
        category=TicketCategory.records,
        channel=Channel.web,
        language="es",
        requester_ref=conversation.rasa_sender,
        summary="Mi hija Ana Pérez, 7.º grado, pide su expediente",
        school_id="mvhs",
        requester_person_id=7,
        student_person_id=8,
    )
    add_note(db_session=db_session, ticket=ticket, actor="o@x.org", body="Called the mother; ID checked.")
    mark_verified(db_session=db_session, ticket=ticket, actor="o@x.org", method="in_person_id")
    attachment = save_attachment(
        db_session=db_session,
        ticket=ticket,
        actor="o@x.org",
        filename="expediente.pdf",
        declared_type="application/pdf",
        data=b"%PDF-1.4 Ana Perez record",
        storage_dir=storage,
        max_bytes=10_000,
    )
    create_records_link(db_session=db_session, ticket=ticket, attachment=attachment, actor="o@x.org", days=5)
    change_status(db_session=db_session, ticket=ticket, status=TicketStatus.resolved, actor="o@x.org")
    change_status(db_session=db_session, ticket=ticket, status=TicketStatus.closed, actor="o@x.org")
    ticket.closed_at = utcnow() - closed_ago
    db_session.flush()
    return ticket


@pytest.fixture
def world(session_factory: sessionmaker[Session], district: District, tmp_path: Path) -> dict[str, object]:
    storage = tmp_path / "attachments"
    with unit_of_work(session_factory) as db_session:
        old_conv = _conversation(db_session)
        shared_conv = _conversation(db_session)
        idle_conv = _conversation(db_session, idle_for=LONG_AGO)
        recent_conv = _conversation(db_session)
        old = _closed_ticket(db_session, district, old_conv, LONG_AGO, storage)
        shared_old = _closed_ticket(db_session, district, shared_conv, LONG_AGO, storage)
        open_ticket(
            db_session=db_session,
            district=district,
            category=TicketCategory.question,
            channel=Channel.web,
            language="en",
            requester_ref=shared_conv.rasa_sender,
        )
        recent = _closed_ticket(db_session, district, recent_conv, timedelta(days=10), storage)
        return {
            "storage": storage,
            "old": old.id,
            "shared_old": shared_old.id,
            "recent": recent.id,
            "old_conv": old_conv.id,
            "shared_conv": shared_conv.id,
            "idle_conv": idle_conv.id,
            "recent_conv": recent_conv.id,
            "old_ref": old.reference,
            "old_sender": old_conv.rasa_sender,
            "shared_sender": shared_conv.rasa_sender,
        }


def _purge(
    db_session: Session, district: District, storage: Path, dry_run: bool = False
) -> tuple[PurgeReport, ConversationsPurged]:
    """The tickets' purge, then the conversations' (as ``rightsdesk purge`` runs them)."""
    now = utcnow()
    report = purge(db_session=db_session, now=now, policy=district.retention, attachments_dir=storage, dry_run=dry_run)
    gone = conversations.purge(
        db_session=db_session, now=now, policy=district.retention, dry_run=dry_run, ended=report.ended
    )
    return report, gone


def _messages(db_session: Session, conversation_id: object) -> int:
    return int(
        db_session.scalar(
            select(func.count())
            .select_from(ConversationMessage)
            .where(ConversationMessage.conversation_id == conversation_id)
        )
        or 0
    )


def _snapshot(factory: sessionmaker[Session], world: dict[str, object]) -> dict[str, object]:
    with unit_of_work(factory) as db_session:
        return {
            "summaries": [db_session.get_one(Ticket, world[k]).summary for k in ("old", "shared_old", "recent")],
            "messages": [
                _messages(db_session, world[k]) for k in ("old_conv", "shared_conv", "idle_conv", "recent_conv")
            ],
            "files": sorted(p.name for p in Path(str(world["storage"])).iterdir()),
            "audit": db_session.scalar(select(func.count()).select_from(AuditEntry)),
            "links": db_session.scalar(select(func.count()).select_from(RecordsLink)),
        }


def test_dry_run_reports_everything_and_changes_nothing(
    session_factory: sessionmaker[Session], district: District, world: dict[str, object]
) -> None:
    before = _snapshot(session_factory, world)
    with session_factory() as db_session:
        report, gone = _purge(db_session, district, Path(str(world["storage"])), dry_run=True)
        db_session.rollback()
    assert [t.reference for t in report.tickets] == [
        _reference(session_factory, world["old"]),
        _reference(session_factory, world["shared_old"]),
    ]
    first = report.tickets[0]
    assert first.attachments == 1
    assert first.timeline_entries >= 4
    # The old ticket's conversation goes with it; the shared one still has a live ticket.
    assert report.ended == {world["old_sender"]}
    # Its 2 messages, and the idle conversation's 2.
    assert (gone.conversations, gone.messages) == (2, 4)
    assert "dry run, nothing changed" in report.lines()[-1]
    assert _snapshot(session_factory, world) == before


def _reference(factory: sessionmaker[Session], ticket_id: object) -> str:
    with unit_of_work(factory) as db_session:
        return db_session.get_one(Ticket, ticket_id).reference


def test_purge_destroys_personal_data_keeps_counts_and_audits(
    session_factory: sessionmaker[Session], district: District, world: dict[str, object]
) -> None:
    storage = Path(str(world["storage"]))
    with unit_of_work(session_factory) as db_session:
        kept_file = db_session.scalars(
            select(TicketAttachment.storage_name).where(TicketAttachment.ticket_id == world["recent"])
        ).one()
        report, gone = _purge(db_session, district, storage)
    assert len(report.tickets) == 2 and (gone.conversations, gone.messages) == (2, 4)
    with unit_of_work(session_factory) as db_session:
        old = db_session.get_one(Ticket, world["old"])
        assert old.summary == "" and old.requester_ref == "purged" and old.purged_at is not None
        assert old.requester_person_id is None and old.student_person_id is None
        assert all(e.body == "" and not e.data for e in old.events)
        assert old.events[-1].kind == "purged"
        # What reports need survives.
        assert (old.category, old.status, old.school_id, old.language) == (
            TicketCategory.records,
            TicketStatus.closed,
            "mvhs",
            "es",
        )
        assert old.created_at and old.resolved_at and old.closed_at and old.due_on
        assert old.attachments == []
        assert (
            db_session.scalar(select(func.count()).select_from(RecordsLink).where(RecordsLink.ticket_id == old.id)) == 0
        )
        assert _messages(db_session, world["old_conv"]) == 0
        assert _messages(db_session, world["shared_conv"]) == 2
        assert _messages(db_session, world["idle_conv"]) == 0
        assert _messages(db_session, world["recent_conv"]) == 2
        recent = db_session.get_one(Ticket, world["recent"])
        assert recent.summary.startswith("Mi hija") and recent.purged_at is None
        assert sorted(p.name for p in storage.iterdir()) == [kept_file]
        purged = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ticket.purged").order_by(AuditEntry.seq)
        ).all()
        assert purged[0].ticket_reference == world["old_ref"]
        assert purged[0].detail["attachments"] == 1 and purged[0].detail["timeline_entries"] >= 4
        assert "Ana" not in str([e.detail for e in purged])
        assert verify_chain(db_session=db_session).ok
        admin = Officer(email="a@x.org", name="A", role=OfficerRole.administrator, schools="", password_hash="x")
        figures = dashboard(db_session=db_session, officer=admin, district=district, today=local_today(district))
        assert figures.total == 4 and figures.answered == 3
    with unit_of_work(session_factory) as db_session:
        again, gone_again = _purge(db_session, district, storage)
    assert again.tickets == [] and gone_again.conversations == 0


def test_rightsdesk_purge_cli(
    engine: Engine,
    session_factory: sessionmaker[Session],
    world: dict[str, object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", database_url(engine))
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(tmp_path / "var"))
    before = _snapshot(session_factory, world)
    assert main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"{world['old_ref']} (closed " in out and "would destroy the summary" in out and "nothing changed" in out
    assert _snapshot(session_factory, world) == before
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "destroyed the summary" in out and "2 ticket(s) closed before" in out
    assert "sign-in: destroyed" in out and "tracker: destroyed" in out and "outbox: destroyed" in out
    assert "conversations: destroyed 2 conversations, 4 messages" in out
    with unit_of_work(session_factory) as db_session:
        assert db_session.get_one(Ticket, world["old"]).purged_at is not None


def test_purge_uses_the_district_period(
    session_factory: sessionmaker[Session], district: District, world: dict[str, object]
) -> None:
    longer = district.model_copy(
        update={"retention": district.retention.model_copy(update={"closed_ticket_days": 500})}
    )
    with session_factory() as db_session:
        report = purge(
            db_session=db_session,
            now=utcnow(),
            policy=longer.retention,
            attachments_dir=Path(str(world["storage"])),
            dry_run=True,
        )
    assert report.tickets == []
    assert report.closed_before < datetime.now(timezone.utc) - timedelta(days=499)
