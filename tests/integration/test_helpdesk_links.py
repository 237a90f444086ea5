"""Secure links on SQLite and PostgreSQL: records links (verified requests only, 5 days, every opening audited,
revocable) and follow links (short-lived once opened); tokens are stored only as hashes."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from knowledge.district import District
from ticketing.audit.models import AuditEntry
from ticketing.links.models import RecordsLink
from ticketing.links.service import (
    FOLLOW_LINK_DAYS,
    FOLLOW_LINK_VIEW_MINUTES,
    LinkError,
    LinkGone,
    create_follow_link,
    create_records_link,
    open_follow_link,
    open_records_link,
    revoke_records_link,
)
from ticketing.tickets.enums import Channel, TicketCategory
from ticketing.tickets.models import Ticket, TicketAttachment
from ticketing.tickets.service import mark_verified, open_ticket, save_attachment

T0 = datetime(2026, 12, 1, 15, tzinfo=timezone.utc)


def _ticket_with_file(factory: sessionmaker[Session], district: District, storage: Path) -> tuple[int, int]:
    with unit_of_work(factory) as db_session:
        ticket = open_ticket(
            db_session=db_session,
            district=district,
            category=TicketCategory.records,
            channel=Channel.web,
            language="en",
            requester_ref="c-links",
            school_id="mvhs",
        )
        attachment = save_attachment(
            db_session=db_session,
            ticket=ticket,
            actor="o@x.org",
            filename="records.pdf",
            declared_type="application/pdf",
            data=b"%PDF-1.4 records",
            storage_dir=storage,
            max_bytes=1000,
        )
        return ticket.id, attachment.id


def _audit(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with unit_of_work(factory) as db_session:
        rows = db_session.execute(select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.seq)).all()
        return [(actor, action) for actor, action in rows]


def test_records_links_only_for_verified_requests_expire_after_five_days_and_every_open_is_audited(
    session_factory: sessionmaker[Session], district: District, tmp_path: Path
) -> None:
    ticket_id, attachment_id = _ticket_with_file(session_factory, district, tmp_path)
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.get_one(Ticket, ticket_id)
        attachment = db_session.get_one(TicketAttachment, attachment_id)
        with pytest.raises(LinkError, match="identity"):
            create_records_link(db_session=db_session, ticket=ticket, attachment=attachment, actor="o@x.org", days=5)
        mark_verified(
            db_session=db_session, ticket=ticket, actor="o@x.org", method="callback_on_file", requester_person_id=7
        )
        link, token = create_records_link(
            db_session=db_session, ticket=ticket, attachment=attachment, actor="o@x.org", days=5, now=T0
        )
        assert link.expires_at == T0 + timedelta(days=5)
        assert ticket.events[-1].kind == "records_link" and ticket.events[-1].body == "records.pdf"
    with unit_of_work(session_factory) as db_session:
        stored = db_session.execute(text("SELECT token_hash FROM records_links")).scalar_one()
        assert token not in stored and len(stored) == 64
    for minutes in (1, 60, 60 * 24 * 5 - 1):
        with unit_of_work(session_factory) as db_session:
            opened = open_records_link(db_session=db_session, token=token, now=T0 + timedelta(minutes=minutes))
            assert opened is not None and opened.attachment.filename == "records.pdf"
    with unit_of_work(session_factory) as db_session:
        with pytest.raises(LinkGone):
            open_records_link(db_session=db_session, token=token, now=T0 + timedelta(days=5, seconds=1))
    with unit_of_work(session_factory) as db_session:
        assert open_records_link(db_session=db_session, token="not-a-real-token") is None
        assert db_session.scalars(select(RecordsLink)).one().open_count == 3
    actions = [a for a in _audit(session_factory) if a[1].startswith("records_link")]
    assert actions == [
        ("o@x.org", "records_link.created"),
        ("family (records link)", "records_link.opened"),
        ("family (records link)", "records_link.opened"),
        ("family (records link)", "records_link.opened"),
        ("family (records link)", "records_link.refused"),
    ]


def test_a_revoked_link_stops_working(
    session_factory: sessionmaker[Session], district: District, tmp_path: Path
) -> None:
    ticket_id, attachment_id = _ticket_with_file(session_factory, district, tmp_path)
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.get_one(Ticket, ticket_id)
        mark_verified(
            db_session=db_session, ticket=ticket, actor="o@x.org", method="in_person_id", requester_person_id=7
        )
        link, token = create_records_link(
            db_session=db_session,
            ticket=ticket,
            attachment=db_session.get_one(TicketAttachment, attachment_id),
            actor="o@x.org",
            days=5,
        )
        revoke_records_link(db_session=db_session, ticket=ticket, link_id=link.id, actor="o@x.org")
        with pytest.raises(LinkError, match="already"):
            revoke_records_link(db_session=db_session, ticket=ticket, link_id=link.id, actor="o@x.org")
    with unit_of_work(session_factory) as db_session, pytest.raises(LinkGone):
        open_records_link(db_session=db_session, token=token)


def test_follow_links_are_short_lived_once_opened(
    session_factory: sessionmaker[Session], district: District, tmp_path: Path
) -> None:
    ticket_id, _ = _ticket_with_file(session_factory, district, tmp_path)
    with unit_of_work(session_factory) as db_session:
        ticket = db_session.get_one(Ticket, ticket_id)
        token = create_follow_link(db_session=db_session, ticket=ticket, now=T0)
        unused = create_follow_link(db_session=db_session, ticket=ticket, now=T0)
    opened_at = T0 + timedelta(hours=5)
    with unit_of_work(session_factory) as db_session:
        assert open_follow_link(db_session=db_session, token=token, now=opened_at).id == ticket_id  # type: ignore[union-attr]
    with unit_of_work(session_factory) as db_session:  # a reload a few minutes later still works
        assert open_follow_link(db_session=db_session, token=token, now=opened_at + timedelta(minutes=10)) is not None
    with unit_of_work(session_factory) as db_session, pytest.raises(LinkGone):
        open_follow_link(
            db_session=db_session, token=token, now=opened_at + timedelta(minutes=FOLLOW_LINK_VIEW_MINUTES)
        )
    with unit_of_work(session_factory) as db_session, pytest.raises(LinkGone):
        open_follow_link(db_session=db_session, token=unused, now=T0 + timedelta(days=FOLLOW_LINK_DAYS))
    views = [a for a in _audit(session_factory) if a[1] == "ticket.viewed_by_family"]
    assert views == [("family (follow link)", "ticket.viewed_by_family")] * 2
