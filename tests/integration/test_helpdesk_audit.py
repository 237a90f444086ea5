"""The audit log on SQLite and PostgreSQL: a keyed hash chain that concurrent writers keep intact, tampering that
`rightsdesk audit verify` catches and names (even with a rewritten head, or after a signed checkpoint), both
databases refusing UPDATE/DELETE outright, and on PostgreSQL an application role that may only add entries."""

import itertools
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from rightsdesk.cli import main
from tests.helpdesk_support import database_url
from ticketing.audit.service import GENESIS, configure, entries, record, verify_chain

SECRET = "audit-test-secret-key-audit-test-secret-key"


@pytest.fixture(autouse=True)
def _audit_key() -> None:
    configure(SECRET)


def _write(factory: sessionmaker[Session], count: int, actor: str = "officer@x.org") -> None:
    for i in range(count):
        with unit_of_work(factory) as db_session:
            record(
                db_session=db_session,
                actor=actor,
                action="ticket.viewed",
                ticket_id=i,
                ticket_reference=f"RD-TEST-{i:04d}",
                detail={"n": i, "note": "vista — ñ"},
            )


def test_entries_chain_from_genesis_and_verify(session_factory: sessionmaker[Session]) -> None:
    _write(session_factory, 5)
    with unit_of_work(session_factory) as db_session:
        rows, total = entries(db_session=db_session)
        assert total == 5 and [r.seq for r in rows] == [5, 4, 3, 2, 1]
        oldest = rows[-1]
        assert oldest.prev_hash == GENESIS
        assert all(newer.prev_hash == older.hash for newer, older in itertools.pairwise(rows))
        report = verify_chain(db_session=db_session)
        assert report.ok and report.checked == 5


def test_concurrent_writers_keep_one_unbroken_chain(engine: Engine, session_factory: sessionmaker[Session]) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            _write(session_factory, 8, actor=f"worker{n}@x.org")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with unit_of_work(session_factory) as db_session:
        report = verify_chain(db_session=db_session)
        assert report.ok, report.problem
        assert report.checked == 48


def _tamper(engine: Engine, sql: str) -> None:
    """What someone with the database owner's rights can do: lift the triggers, change rows, put them back."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            for name in ("audit_log_no_update", "audit_log_no_delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        connection.execute(text(sql))
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))


def test_a_changed_entry_is_named(engine: Engine, session_factory: sessionmaker[Session]) -> None:
    _write(session_factory, 6)
    _tamper(engine, "UPDATE audit_log SET actor = 'someone-else@x.org' WHERE seq = 4")
    with unit_of_work(session_factory) as db_session:
        report = verify_chain(db_session=db_session)
    assert not report.ok and report.broken_seq == 4 and report.checked == 3
    assert "changed" in report.problem


def test_a_removed_entry_and_a_cut_tail_are_detected(engine: Engine, session_factory: sessionmaker[Session]) -> None:
    _write(session_factory, 6)
    _tamper(engine, "DELETE FROM audit_log WHERE seq = 6")
    with unit_of_work(session_factory) as db_session:
        report = verify_chain(db_session=db_session)
    assert not report.ok and report.broken_seq == 6 and "removed from the end" in report.problem
    _tamper(engine, "DELETE FROM audit_log WHERE seq = 2")
    with unit_of_work(session_factory) as db_session:
        report = verify_chain(db_session=db_session)
    assert not report.ok and report.broken_seq == 2 and "missing" in report.problem


def test_a_rewritten_entry_with_a_recomputed_hash_still_breaks_the_next_link(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    _write(session_factory, 4)
    _tamper(engine, "UPDATE audit_log SET hash = '" + "a" * 64 + "' WHERE seq = 2")
    with unit_of_work(session_factory) as db_session:
        report = verify_chain(db_session=db_session)
    assert report.broken_seq == 2


@pytest.mark.postgres
def test_postgresql_refuses_update_delete_and_truncate(postgres_engine: Engine) -> None:
    from core.db import make_session_factory

    _write(make_session_factory(postgres_engine), 2)
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), postgres_engine.begin() as connection:
            connection.execute(text(sql))
    with postgres_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 2


def test_rightsdesk_audit_verify_exits_nonzero_naming_the_first_broken_entry(
    engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", database_url(engine))
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RIGHTSDESK_SECRET_KEY", SECRET)
    configure(SECRET)
    _write(session_factory, 5)
    assert main(["audit", "verify"]) == 0
    assert "audit log intact: 5 entries" in capsys.readouterr().out
    _tamper(engine, "UPDATE audit_log SET detail = '{\"n\": 99}' WHERE seq = 3")
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "BROKEN at entry #3" in err and "changed after it was written" in err
