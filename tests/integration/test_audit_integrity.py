"""F3: the audit log is tamper-evident against someone who can write the database but does not hold the secret
key — keyed links, a keyed head, signed checkpoints kept outside the database, triggers on both databases, an
application role on PostgreSQL that may only add entries, and entries written before links were keyed sealed by
the migration so they still verify."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory, unit_of_work
from rightsdesk.cli import main
from rightsdesk.migrate import alembic_config, grant_application_role, upgrade
from tests.conftest import POSTGRES_ADMIN_URL
from tests.helpdesk_support import database_url
from tests.integration.test_helpdesk_audit import SECRET, _tamper, _write
from ticketing.audit.service import (
    SEAL_ACTION,
    CheckpointError,
    configure,
    make_checkpoint,
    read_checkpoints,
    record,
    verify_chain,
)


@pytest.fixture(autouse=True)
def _audit_key() -> None:
    configure(SECRET)


def _report(factory: sessionmaker[Session], checkpoints: list = ()):  # type: ignore[no-untyped-def,assignment]
    with factory() as db_session:
        return verify_chain(db_session=db_session, checkpoints=checkpoints)


def test_the_database_refuses_update_and_delete(engine: Engine, session_factory: sessionmaker[Session]) -> None:
    _write(session_factory, 2)
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(sql))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 2


def test_cutting_the_tail_and_rewriting_the_head_is_caught(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    """The review's repro: delete the last entries and point the head at the new last one."""
    _write(session_factory, 5)
    with engine.connect() as connection:
        seq3 = connection.execute(text("SELECT hash FROM audit_log WHERE seq = 3")).scalar()
    _tamper(engine, "DELETE FROM audit_log WHERE seq > 3")
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_head SET seq = 3, last_hash = :h"), {"h": seq3})
    report = _report(session_factory)
    assert not report.ok and "head was rewritten" in report.problem


def test_a_missing_or_rewound_head_is_broken(engine: Engine, session_factory: sessionmaker[Session]) -> None:
    _write(session_factory, 3)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_head SET seq = 2"))
    assert "rewound" in _report(session_factory).problem
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_head"))
    report = _report(session_factory)
    assert not report.ok and "head is missing" in report.problem


def test_relinking_without_the_key_is_caught(engine: Engine, session_factory: sessionmaker[Session]) -> None:
    """Someone who edits entry 2 and recomputes every later link with plain SHA-256 (no key) is still caught."""
    _write(session_factory, 4)
    _tamper(engine, "UPDATE audit_log SET actor = 'innocent@x.org' WHERE seq = 2")
    report = _report(session_factory)
    assert report.broken_seq == 2 and "changed after it was written" in report.problem
    _tamper(engine, "UPDATE audit_log SET key_version = 0 WHERE seq = 2")
    report = _report(session_factory)
    assert report.broken_seq == 2 and not report.ok


def test_a_checkpoint_catches_a_rewind_to_an_old_genuine_head(
    engine: Engine, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """An insider who kept an old head (seq, hash, mac) can rewind the database; the checkpoint outside cannot be."""
    _write(session_factory, 3)
    with engine.connect() as connection:
        old_head = connection.execute(text("SELECT seq, last_hash, mac FROM audit_head")).one()
    _write(session_factory, 2, actor="late@x.org")
    with session_factory() as db_session:
        checkpoint = make_checkpoint(db_session=db_session)
    assert checkpoint.seq == 5
    _tamper(engine, "DELETE FROM audit_log WHERE seq > 3")
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_head SET seq = :s, last_hash = :h, mac = :m"),
            {"s": old_head.seq, "h": old_head.last_hash, "m": old_head.mac},
        )
    assert _report(session_factory).ok  # the database alone cannot tell…
    report = _report(session_factory, [checkpoint])
    assert not report.ok and "removed after the checkpoint" in report.problem  # …the checkpoint can


def test_a_checkpoint_catches_a_rewrite_by_someone_with_the_key(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    _write(session_factory, 4)
    with session_factory() as db_session:
        checkpoint = make_checkpoint(db_session=db_session)
    # Rebuild the whole log with the key, entry 2 changed: links, hashes and head are all "right".
    with session_factory() as db_session:
        rows = db_session.execute(text("SELECT seq, actor, action, ticket_id, ticket_reference FROM audit_log")).all()
    _tamper(engine, "DELETE FROM audit_log")
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_head SET seq = 0, last_hash = :g, mac = NULL"), {"g": "0" * 64})
    with unit_of_work(session_factory) as db_session:
        for row in rows:
            actor = "innocent@x.org" if row.seq == 2 else row.actor
            record(db_session=db_session, actor=actor, action=row.action, ticket_id=row.ticket_id)
    assert _report(session_factory).ok
    report = _report(session_factory, [checkpoint])
    assert not report.ok and report.broken_seq == 4 and "rewritten" in report.problem


def test_a_forged_checkpoint_is_refused() -> None:
    configure(SECRET)
    line = '{"hash": "' + "a" * 64 + '", "mac": "' + "b" * 64 + '", "seq": 9, "time": "2026-12-01T00:00:00Z"}'
    with pytest.raises(CheckpointError, match="not signed"):
        read_checkpoints([line])
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        read_checkpoints(["hello"])


def test_rightsdesk_audit_checkpoint_and_verify_against_it(
    engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", database_url(engine))
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RIGHTSDESK_SECRET_KEY", SECRET)
    _write(session_factory, 4)
    checkpoints = tmp_path / "audit.checkpoints"
    assert main(["audit", "checkpoint", "--file", str(checkpoints)]) == 0
    assert checkpoints.stat().st_mode & 0o077 == 0
    assert '"seq": 4' in checkpoints.read_text()
    _write(session_factory, 1)
    assert main(["audit", "verify", "--checkpoint", str(checkpoints)]) == 0
    assert "1 checkpoint(s) match" in capsys.readouterr().out
    _tamper(engine, "DELETE FROM audit_log WHERE seq >= 3")
    with engine.connect() as connection:
        seq2 = connection.execute(text("SELECT hash FROM audit_log WHERE seq = 2")).scalar()
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_head SET seq = 2, last_hash = :h"), {"h": seq2})
    assert main(["audit", "verify", "--checkpoint", str(checkpoints)]) == 1
    assert "BROKEN" in capsys.readouterr().err
    assert main(["audit", "checkpoint"]) == 1  # no checkpoint of a broken chain
    # Another deployment's key does not sign these checkpoints.
    monkeypatch.setenv("RIGHTSDESK_SECRET_KEY", "another-deployment-another-key-0123456789")
    assert main(["audit", "verify", "--checkpoint", str(checkpoints)]) == 1
    assert "not signed with this deployment's key" in capsys.readouterr().err


def _legacy_write(engine: Engine, count: int) -> None:
    """Entries as the desk wrote them before links were keyed (plain SHA-256)."""
    from datetime import datetime, timezone

    from ticketing.audit.service import GENESIS, canonical_json

    prev = GENESIS
    with engine.begin() as connection:
        for seq in range(1, count + 1):
            at = datetime(2026, 11, 30, 12, 0, seq, tzinfo=timezone.utc)
            detail = {"n": seq}
            canonical = canonical_json(
                seq=seq, created_at=at, actor="o@x.org", action="ticket.viewed", ticket_id=seq,
                ticket_reference=f"RD-OLD-{seq}", detail=detail,
            )  # fmt: skip
            digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
            connection.execute(
                text(
                    "INSERT INTO audit_log (seq, created_at, actor, action, ticket_id, ticket_reference, detail, "
                    "prev_hash, hash) VALUES (:seq, :at, 'o@x.org', 'ticket.viewed', :seq, :ref, :detail, :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "at": at,
                    "ref": f"RD-OLD-{seq}",
                    "detail": f'{{"n": {seq}}}',
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest
        connection.execute(text("UPDATE audit_head SET seq = :s, last_hash = :h"), {"s": count, "h": prev})


def test_entries_written_before_keyed_links_verify_after_the_migration(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    command.upgrade(alembic_config(url), "0007")
    engine = make_engine(url)
    try:
        _legacy_write(engine, 3)
        with pytest.raises(RuntimeError, match="rightsdesk migrate"):
            upgrade(url)  # a database with entries to seal cannot be upgraded without the key
        upgrade(url, SECRET)
        factory = make_session_factory(engine)
        report = _report(factory)
        assert report.ok and report.checked == 4, report.problem
        with factory() as db_session:
            seal = db_session.execute(text("SELECT action, key_version FROM audit_log WHERE seq = 4")).one()
        assert tuple(seal) == (SEAL_ACTION, 1)
        _write(factory, 2)
        assert _report(factory).ok
        # A legacy entry changed afterwards is still caught (its plain link no longer holds).
        _tamper(engine, "UPDATE audit_log SET actor = 'x@x.org' WHERE seq = 2")
        assert _report(factory).broken_seq == 2
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_application_role_may_add_and_read_but_not_change_the_log(postgres_engine: Engine) -> None:
    """On PostgreSQL the desk connects as a role with INSERT and SELECT only on the audit log."""
    role = f"rightsdesk_app_{uuid.uuid4().hex[:10]}"
    owner_url = database_url(postgres_engine)
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    app_url = owner_url.replace("postgres@", f"{role}@", 1)
    app_engine = make_engine(app_url)
    try:
        assert grant_application_role(owner_url, app_url) == role
        factory = make_session_factory(app_engine)
        _write(factory, 3)  # the desk's own writes work
        assert _report(factory).ok
        for sql in (
            "UPDATE audit_log SET actor = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "DROP TRIGGER audit_log_no_update_delete ON audit_log",
        ):
            with pytest.raises(DBAPIError, match=r"permission denied|must be owner"), app_engine.begin() as connection:
                connection.execute(text(sql))
        with app_engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 3
    finally:
        app_engine.dispose()
        postgres_engine.dispose()
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"), {"r": role}
            )
            database = postgres_engine.url.database
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
