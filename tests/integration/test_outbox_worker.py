"""The outbox on SQLite and PostgreSQL: retries with backoff, permanent failures, one send per message, order."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from core import contacts
from core.contacts import BadContact
from core.db import unit_of_work
from core.settings import Settings
from outbox.models import OutboxMessage, OutboxStatus
from outbox.service import (
    SENSITIVE_REMOVED,
    OutboxError,
    backoff,
    claim_due,
    enqueue,
    failed_messages,
    requeue,
)
from outbox.worker import OutboxWorker
from tests.fakes import fixtures
from tests.fakes.fixtures import channel_settings
from tests.fakes.twilio_server import FakeTwilio

fake_twilio = fixtures.fake_twilio
PARENT = "+15557654321"


@pytest.fixture
def outbox_settings(settings: Settings, fake_twilio: FakeTwilio) -> Settings:
    configured = channel_settings(settings, fake_twilio)
    contacts.configure(configured.secret_key)
    return configured


def queue(factory: sessionmaker[Session], body: str, to: str = PARENT) -> int:
    with unit_of_work(factory) as db_session:
        return enqueue(db_session=db_session, kind="sms", to=to, body=body).id


def message(factory: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with factory() as db_session:
        return db_session.get_one(OutboxMessage, message_id)


def test_a_failed_try_is_retried_after_a_backoff_then_sent(
    session_factory: sessionmaker[Session], outbox_settings: Settings, fake_twilio: FakeTwilio
) -> None:
    worker = OutboxWorker(outbox_settings, session_factory)
    message_id = queue(session_factory, "Your request RD-2345-6789 was received.")
    fake_twilio.fail_next(2, status=503)
    assert worker.run_once() == 1
    first = message(session_factory, message_id)
    assert first.status is OutboxStatus.queued and first.attempts == 1
    assert "503" in (first.last_error or "")
    assert first.next_attempt_at > first.updated_at  # waits before the next try
    assert worker.run_once() == 0  # not due yet
    time.sleep(0.1)
    assert worker.run_once() == 1
    assert message(session_factory, message_id).attempts == 2
    time.sleep(0.2)
    assert worker.run_once() == 1
    sent = message(session_factory, message_id)
    assert sent.status is OutboxStatus.sent and sent.attempts == 3 and sent.last_error is None
    (accepted,) = fake_twilio.messages
    assert sent.provider_id == accepted["sid"] and accepted["body"] == "Your request RD-2345-6789 was received."
    assert fake_twilio.requests == 3


def test_a_refused_message_fails_for_good_and_is_listed(
    session_factory: sessionmaker[Session], outbox_settings: Settings, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_to(PARENT, status=400, code=21211)
    message_id = queue(session_factory, "hello")
    OutboxWorker(outbox_settings, session_factory).run_once()
    with session_factory() as db_session:
        (failed,) = failed_messages(db_session=db_session)
        assert failed.id == message_id and failed.status is OutboxStatus.failed
        assert "21211" in (failed.last_error or "") and failed.attempts == 1
    # An officer fixes the cause and sends it again.
    fake_twilio.clear_failures()
    with unit_of_work(session_factory) as db_session:
        requeue(db_session=db_session, message_id=message_id)
    OutboxWorker(outbox_settings, session_factory).run_once()
    assert message(session_factory, message_id).status is OutboxStatus.sent


def test_a_sensitive_message_goes_out_retried_but_is_never_stored_in_clear_nor_sent_again(
    session_factory: sessionmaker[Session], outbox_settings: Settings, fake_twilio: FakeTwilio
) -> None:
    code_text = "Your verification code is 482913. It expires in 10 minutes."
    with unit_of_work(session_factory) as db_session:
        message_id = enqueue(db_session=db_session, kind="sms", to=PARENT, body=code_text, sensitive=True).id
    assert "482913" not in message(session_factory, message_id).body
    fake_twilio.fail_next(1, status=503)  # a try that may pass: the text is still needed and still readable
    worker = OutboxWorker(outbox_settings, session_factory)
    worker.run_once()
    assert message(session_factory, message_id).status is OutboxStatus.queued
    time.sleep(0.2)
    worker.run_once()
    (accepted,) = fake_twilio.messages
    assert accepted["body"] == code_text  # the family gets the code ...
    sent = message(session_factory, message_id)
    assert sent.status is OutboxStatus.sent and sent.body == SENSITIVE_REMOVED  # ... the database keeps none of it
    fake_twilio.fail_to(PARENT, status=400, code=21211)
    with unit_of_work(session_factory) as db_session:
        failed_id = enqueue(db_session=db_session, kind="sms", to=PARENT, body=code_text, sensitive=True).id
    worker.run_once()
    assert message(session_factory, failed_id).body == SENSITIVE_REMOVED
    with unit_of_work(session_factory) as db_session, pytest.raises(OutboxError, match="asks the assistant for a new"):
        requeue(db_session=db_session, message_id=failed_id)


def test_the_worker_gives_up_after_the_last_try(
    session_factory: sessionmaker[Session], outbox_settings: Settings, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(10, status=500, code=20500, message="Internal Server Error")
    message_id = queue(session_factory, "hello")
    worker = OutboxWorker(outbox_settings, session_factory)
    deadline = time.monotonic() + 10
    while message(session_factory, message_id).status is not OutboxStatus.failed and time.monotonic() < deadline:
        worker.run_once()
        time.sleep(0.05)
    failed = message(session_factory, message_id)
    assert failed.status is OutboxStatus.failed and failed.attempts == outbox_settings.outbox_max_attempts
    assert (failed.last_error or "").startswith("gave up after 3 tries")


def test_an_unconfigured_channel_is_a_clear_permanent_failure(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    contacts.configure(settings.secret_key)
    message_id = queue(session_factory, "hello")
    OutboxWorker(settings, session_factory).run_once()
    failed = message(session_factory, message_id)
    assert failed.status is OutboxStatus.failed and "TWILIO_ACCOUNT_SID" in (failed.last_error or "")


def test_messages_to_one_recipient_keep_their_order_while_one_is_retried(
    session_factory: sessionmaker[Session], outbox_settings: Settings, fake_twilio: FakeTwilio
) -> None:
    first = queue(session_factory, "first")
    queue(session_factory, "second")
    queue(session_factory, "to someone else", to="+15550002222")
    fake_twilio.fail_next(1)
    worker = OutboxWorker(outbox_settings, session_factory)
    worker.run_once()
    # "first" waits for its retry; "second" must not overtake it, another recipient is not held up.
    assert fake_twilio.sent_to(PARENT) == []
    assert fake_twilio.sent_to("+15550002222") == ["to someone else"]
    time.sleep(0.1)
    worker.run_once()
    worker.run_once()
    assert fake_twilio.sent_to(PARENT) == ["first", "second"]
    assert message(session_factory, first).attempts == 2


def test_two_workers_send_each_message_exactly_once(
    session_factory: sessionmaker[Session], outbox_settings: Settings, fake_twilio: FakeTwilio
) -> None:
    numbers = [f"+1555000{i:04d}" for i in range(30)]
    for number in numbers:
        queue(session_factory, f"hello {number}", to=number)
    workers = [OutboxWorker(outbox_settings, session_factory, batch_size=3) for _ in range(3)]

    def drain(worker: OutboxWorker) -> None:
        while worker.run_once():
            pass

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(m["to"] for m in fake_twilio.messages) == sorted(numbers)
    with session_factory() as db_session:
        statuses = set(db_session.scalars(select(OutboxMessage.status)).all())
    assert statuses == {OutboxStatus.sent}


def test_claiming_uses_skip_locked_on_postgresql(postgres_engine: Engine, settings: Settings) -> None:
    """A row locked by one worker's claim is skipped by another (not waited for)."""
    from core.db import make_session_factory

    contacts.configure(settings.secret_key)
    factory = make_session_factory(postgres_engine)
    queue(factory, "one", to="+15550000001")
    queue(factory, "two", to="+15550000002")
    holder = factory()
    try:
        holder.execute(text("SELECT id FROM outbox_messages WHERE body = 'one' FOR UPDATE"))
        started = time.monotonic()
        with unit_of_work(factory) as db_session:
            claimed = claim_due(db_session=db_session)
        assert time.monotonic() - started < 2
        assert [message(factory, i).body for i in claimed] == ["two"]
    finally:
        holder.rollback()
        holder.close()


def test_recipients_are_encrypted_at_rest(session_factory: sessionmaker[Session], outbox_settings: Settings) -> None:
    queue(session_factory, "hello")
    with unit_of_work(session_factory) as db_session:
        enqueue(db_session=db_session, kind="email", to="Parent@Example.ORG", subject="Your code", body="123456")
    with session_factory() as db_session:
        raw = " ".join(str(v) for row in db_session.execute(text("SELECT * FROM outbox_messages")) for v in row)
        sms, email = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert "5557654321" not in raw and "example.org" not in raw.lower()
    assert contacts.decrypt(sms.recipient_encrypted) == PARENT
    assert contacts.decrypt(email.recipient_encrypted) == "Parent@example.org"


@pytest.mark.parametrize(
    ("kind", "to", "body", "subject", "error"),
    [
        ("fax", PARENT, "hi", None, OutboxError),
        ("sms", "12", "hi", None, BadContact),
        ("sms", PARENT, "   ", None, OutboxError),
        ("sms", PARENT, "x" * 1601, None, OutboxError),
        ("email", "not-an-address", "hi", "Subject", BadContact),
        ("email", "a@example.org", "hi", None, OutboxError),
        ("email", "a@example.org", "hi", "two\nlines", OutboxError),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_queued(
    session_factory: sessionmaker[Session],
    outbox_settings: Settings,
    kind: str,
    to: str,
    body: str,
    subject: str | None,
    error: type[Exception],
) -> None:
    with pytest.raises(error), unit_of_work(session_factory) as db_session:
        enqueue(db_session=db_session, kind=kind, to=to, body=body, subject=subject)
    with session_factory() as db_session:
        assert db_session.scalars(select(OutboxMessage)).all() == []


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    for attempts, ceiling in ((1, 10.0), (2, 20.0), (3, 40.0), (10, 60.0)):
        waits = [backoff(attempts, 10.0, 60.0).total_seconds() for _ in range(50)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 1


def test_a_worker_started_with_the_cli_stops_on_sigterm(tmp_path: Path, outbox_settings: Settings) -> None:
    import os
    import signal
    import subprocess

    from core.settings import REPO_ROOT
    from rightsdesk.migrate import upgrade

    upgrade(outbox_settings.database_url)
    env = {
        **os.environ,
        "RIGHTSDESK_DATA_DIR": str(outbox_settings.data_dir),
        "TWILIO_ACCOUNT_SID": outbox_settings.twilio_account_sid or "",
        "TWILIO_AUTH_TOKEN": outbox_settings.twilio_auth_token or "",
        "TWILIO_FROM_NUMBER": outbox_settings.twilio_from_number or "",
        "TWILIO_API_BASE": outbox_settings.twilio_api_base,
    }
    env.pop("RIGHTSDESK_DATABASE_URL", None)
    from core.db import make_engine, make_session_factory

    engine = make_engine(outbox_settings.database_url)
    queue(make_session_factory(engine), "from the real worker process")
    process = subprocess.Popen(
        [str(REPO_ROOT / ".venv" / "bin" / "rightsdesk"), "outbox-worker"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with make_session_factory(engine)() as db_session:
                if db_session.scalars(select(OutboxMessage.status)).one() is OutboxStatus.sent:
                    break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
        engine.dispose()
    output = (process.stdout.read() if process.stdout else b"").decode()
    assert "outbox 1: sent (sms)" in output
    assert "5557654321" not in output and "from the real worker" not in output


def test_twilio_errors_are_kept_and_logged_by_code_only(
    session_factory: sessionmaker[Session],
    outbox_settings: Settings,
    fake_twilio: FakeTwilio,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """F15: Twilio's error text can quote the number; only the status and the code are kept and logged."""
    fake_twilio.fail_to(
        PARENT, status=400, code=21211, message=f"The 'To' number {PARENT} is not a valid phone number."
    )
    message_id = queue(session_factory, "hello")
    with caplog.at_level("INFO"):
        OutboxWorker(outbox_settings, session_factory).run_once()
    failed = message(session_factory, message_id)
    assert "21211" in (failed.last_error or "") and "400" in (failed.last_error or "")
    assert PARENT not in (failed.last_error or "") and PARENT[-7:] not in caplog.text
    assert "21211" in caplog.text
