"""F7: `rightsdesk purge` means gone. Every table of the help desk and Rasa's tracker store is filled with one
family's personal details, purge runs, and every row of every table (and the attachment files) is scanned for
them; what is still alive is kept, and each domain's destruction is in the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from conversations.models import Conversation
from conversations.service import record_inbound, record_outbound, start_conversation
from core import keyring
from core.contacts import contact_hash, encrypt
from core.db import unit_of_work, utcnow
from core.secrets import vault
from core.settings import Settings
from identity.verification.models import VerificationSession
from knowledge.district import District
from outbox.models import OutboxMessage, OutboxStatus
from outbox.service import enqueue
from rightsdesk.cli import main
from rightsdesk.retention import tracker_url
from tests.factories import database_url, make_officer, settings_for
from ticketing.audit.models import AuditEntry
from ticketing.auth.models import LoginFailure, OfficerSession
from ticketing.links.service import create_follow_link, create_records_link
from ticketing.tickets.enums import Channel, TicketCategory, TicketStatus
from ticketing.tickets.service import add_note, change_status, open_ticket, save_attachment

NAME = "Ximena Quetzalcoatl-Orozco"
HEALTH = "she has asthma and an IEP for dyslexia"
PHONE = "+15555550199"
EMAIL = "ximena.family@example.org"
ALIVE = "KEEP-THIS-LIVE-CONVERSATION"
SECRETS = (NAME, HEALTH, PHONE, EMAIL)
LONG_AGO = timedelta(days=400)
EVENTS_DDL = (
    "CREATE TABLE events (id {id} PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, "
    "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


def _tracker(settings: Settings, engine: Engine) -> Engine:
    tracker = create_engine(tracker_url(settings))
    with tracker.begin() as connection:
        connection.execute(text(EVENTS_DDL.format(id="SERIAL" if engine.dialect.name == "postgresql" else "INTEGER")))
    return tracker


def _events(tracker: Engine, sender: str, when: float, *values: str) -> None:
    with tracker.begin() as connection:
        for value in values:
            connection.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'slot', :t, :d)"),
                {"s": sender, "t": when, "d": json.dumps({"event": "slot", "name": "requester_name", "value": value})},
            )


def _conversation(db_session: Session, *texts: str, channel: str = "web", idle: timedelta = LONG_AGO) -> Conversation:
    conversation, _ = start_conversation(db_session=db_session, channel=channel)
    for line in texts:
        record_inbound(db_session=db_session, conversation=conversation, text=line)
        record_outbound(db_session=db_session, conversation=conversation, text=f"Thank you. {line}")
    conversation.last_active_at = utcnow() - idle
    db_session.flush()
    return conversation


@pytest.fixture
def world(
    engine: Engine, tmp_path: Path, district: District
) -> Iterator[tuple[Settings, sessionmaker[Session], Engine]]:
    settings = settings_for(tmp_path, database_url(engine))
    if engine.dialect.name == "postgresql":  # the tracker store in PostgreSQL as Rasa is configured at scale
        settings = settings.model_copy(
            update={"tracker_store_url": database_url(engine).replace("postgresql+psycopg://", "postgresql://")}
        )
    keyring.configure(settings.secret_key)
    from core.db import make_session_factory

    factory = make_session_factory(engine)
    tracker = _tracker(settings, engine)
    make_officer(factory, "dana@maplevalley.example.org", "district_officer")
    old = (utcnow() - LONG_AGO).timestamp()
    with unit_of_work(factory) as db_session:
        idle = _conversation(db_session, f"I am {NAME}'s mother", f"Also {HEALTH}")
        sms = _conversation(db_session, f"This is {NAME}", channel="sms")
        sms.contact_hash = contact_hash(PHONE)
        sms.contact_encrypted = encrypt(PHONE)
        sms.sms_options = {"1": {"payload": "/x", "title": NAME}}
        closed_from = _conversation(db_session, f"records for {NAME}", idle=timedelta(days=10))
        alive = _conversation(db_session, ALIVE, idle=timedelta(days=1))
        ticket = open_ticket(
            db_session=db_session, district=district, category=TicketCategory.records, channel=Channel.web,
            language="en", requester_ref=closed_from.rasa_sender, summary=f"Records of {NAME}: {HEALTH}",
            school_id="mvhs",
        )  # fmt: skip
        add_note(db_session=db_session, ticket=ticket, actor="dana@maplevalley.example.org", body=f"Called {PHONE}")
        attachment = save_attachment(
            db_session=db_session, ticket=ticket, actor="dana@maplevalley.example.org", filename="records.pdf",
            declared_type="application/pdf", data=f"%PDF-1.4 {NAME}".encode(), storage_dir=settings.attachments_dir,
            max_bytes=10_000,
        )  # fmt: skip
        ticket.verified, ticket.verification_method = True, "code_to_contact_on_file"
        create_records_link(
            db_session=db_session, ticket=ticket, attachment=attachment, actor="dana@maplevalley.example.org", days=5
        )
        create_follow_link(db_session=db_session, ticket=ticket)
        for status in (TicketStatus.resolved, TicketStatus.closed):
            change_status(db_session=db_session, ticket=ticket, status=status, actor="dana@maplevalley.example.org")
        ticket.closed_at = utcnow() - LONG_AGO
        enqueue(db_session=db_session, kind="sms", to=PHONE, body=f"Hello {NAME}", conversation_id=sms.id)
        enqueue(db_session=db_session, kind="email", to=EMAIL, subject="Your request", body=f"Dear {NAME}")
        db_session.execute(update(OutboxMessage).values(status=OutboxStatus.sent, updated_at=utcnow() - LONG_AGO))
        db_session.add(
            VerificationSession(
                sender_id=idle.rasa_sender, held_kind="birth_date", held_sealed=vault().seal("2010-04-17", "held x"),
                code_requests=[], wrong_tries=0, created_at=utcnow() - timedelta(days=2),
                updated_at=utcnow() - timedelta(days=2),
            )
        )  # fmt: skip
        db_session.add(LoginFailure(scope="account", key_hash="k" * 64, created_at=utcnow() - timedelta(days=1)))
        senders = (idle.rasa_sender, sms.rasa_sender, closed_from.rasa_sender, alive.rasa_sender)
    for sender in senders[:2]:
        _events(tracker, sender, old, NAME, HEALTH)
    _events(tracker, senders[2], utcnow().timestamp() - 86400 * 10, NAME, EMAIL)  # recent in Rasa, but its ticket went
    _events(tracker, senders[3], utcnow().timestamp() - 3600, ALIVE)
    _events(tracker, "a-sender-the-desk-no-longer-knows", old, PHONE)
    yield settings, factory, tracker
    tracker.dispose()


def _everything(engine: Engine, tracker: Engine, settings: Settings) -> str:
    """Every row of every table the purge is responsible for, and the attachment files, as text."""
    dump = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            if table.startswith("roster_") or table in {"officers", "alembic_version"}:
                continue  # the district's roster and the staff accounts are not family data past retention
            dump.extend(str(tuple(row)) for row in connection.execute(text(f"SELECT * FROM {table}")))
    with tracker.connect() as connection:
        dump.extend(str(tuple(row)) for row in connection.execute(text("SELECT * FROM events")))
    for path in settings.attachments_dir.glob("*"):
        dump.append(path.read_bytes().decode(errors="replace"))
    return "\n".join(dump)


def test_purge_leaves_no_personal_value_anywhere(
    engine: Engine,
    world: tuple[Settings, sessionmaker[Session], Engine],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings, factory, tracker = world
    before = _everything(engine, tracker, settings)
    assert all(value in before for value in (NAME, HEALTH, ALIVE))  # the scan sees them while they are there
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("RIGHTSDESK_SECRET_KEY", settings.secret_key)
    if settings.tracker_store_url:
        monkeypatch.setenv("RIGHTSDESK_TRACKER_STORE_URL", settings.tracker_store_url)
    assert main(["purge", "--dry-run"]) == 0
    assert _everything(engine, tracker, settings) == before  # the dry run changes nothing
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "tracker: destroyed 4 conversations" in out and "outbox: destroyed 2 messages" in out
    after = _everything(engine, tracker, settings)
    for value in SECRETS:
        assert value not in after, value
    assert ALIVE in after  # a live conversation (messages and Rasa's events) is untouched
    with unit_of_work(factory) as db_session:
        assert db_session.scalars(select(VerificationSession)).all() == []
        assert db_session.scalars(select(OfficerSession)).all() == []
        assert db_session.scalars(select(LoginFailure)).all() == []
        contacts = db_session.execute(select(Conversation.contact_hash, Conversation.contact_encrypted)).all()
        assert all(row == (None, None) for row in contacts)
        purged = {
            e.action: e.detail for e in db_session.scalars(select(AuditEntry)) if e.action.startswith("retention.")
        }
    domains = ("tickets", "conversations", "outbox", "verification", "sign_in", "tracker")
    assert set(purged) == {f"retention.{d}_purged" for d in domains}
    # One audit entry per domain, naming what went (never what it was).
    assert purged["retention.tickets_purged"] == {"tickets": 1, "timeline_entries": 6, "attachments": 1}
    assert purged["retention.conversations_purged"] == {"conversations": 3, "messages": 8, "contacts": 1}
    assert purged["retention.outbox_purged"] == {"messages": 2}
    assert purged["retention.verification_purged"] == {"sessions": 1}
    assert purged["retention.sign_in_purged"]["failed_sign_ins"] == 1
    assert purged["retention.tracker_purged"] == {"conversations": 4, "events": 7}
    # A second run finds nothing more.
    assert main(["purge"]) == 0
    assert "tracker: destroyed 0 conversations" in capsys.readouterr().out
