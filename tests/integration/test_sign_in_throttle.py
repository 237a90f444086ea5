"""F10: sign-in slows guessing down and cannot be turned against the office — progressive delays per account and
per device instead of a lock, client addresses read through the trusted proxies only, and 100 failures from one
address that do not stop a known officer on another device."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.client_address import forwarded_client
from core.db import unit_of_work, utcnow
from core.settings import Settings
from tests.helpdesk_support import PASSWORD, Console, console_app, database_url, make_settings, officer
from ticketing.auth.service import LoginLimits, new_device, record_failure, retry_at, sign_in

DANA = "dana@maplevalley.example.org"
PROXY = "10.9.0.1"
ATTACKER = "203.0.113.7"
DANA_HOME = "198.51.100.20"


@pytest.fixture
def app(sqlite_engine: Engine, tmp_path: Path) -> FastAPI:
    settings = make_settings(tmp_path, database_url(sqlite_engine), RIGHTSDESK_TRUSTED_PROXIES=f"{PROXY}/32, ::1")
    application = console_app(settings)
    officer(application.state.session_factory, DANA, "district_officer")
    return application


def _through_proxy(app: FastAPI, address: str, client: TestClient | None = None) -> Console:
    """A browser at ``address`` behind the district's TLS proxy."""
    test_client = client or TestClient(app, client=(PROXY, 40000))
    test_client.headers["X-Forwarded-For"] = address
    return Console(test_client)


def test_a_hundred_failures_from_one_address_do_not_stop_a_known_officer_on_another_device(app: FastAPI) -> None:
    dana_laptop = _through_proxy(app, DANA_HOME)
    assert dana_laptop.login(DANA).status_code == 303  # her laptop becomes a known device
    dana_laptop.post("/console/logout")
    statuses = [_through_proxy(app, ATTACKER).login(DANA, f"guess number {n}").status_code for n in range(100)]
    assert statuses.count(401) >= 5 and statuses[-1] == 429  # the guesser is slowed down…
    # …and the officer on her own laptop is not, although every request came through the same proxy.
    again = _through_proxy(app, DANA_HOME, dana_laptop.client)
    response = again.login(DANA)
    assert response.status_code == 303 and response.headers["location"] == "/console/queue"
    # A new browser for the same account is slowed (the account is under attack), never locked for good.
    assert _through_proxy(app, "192.0.2.99").login(DANA).status_code == 429


def test_a_forged_forwarded_header_from_a_client_is_ignored(app: FastAPI) -> None:
    """Only the trusted proxy's header counts: a client cannot pick a fresh address for each guess."""
    for n in range(25):
        client = TestClient(app, client=(ATTACKER, 40000 + n))
        client.headers["X-Forwarded-For"] = f"192.0.2.{n}"
        Console(client).login(f"someone{n}@maplevalley.example.org", "wrong wrong wrong")
    client = TestClient(app, client=(ATTACKER, 41000))
    assert Console(client).login("another@maplevalley.example.org").status_code == 429


def test_delays_grow_and_pass(sqlite_engine: Engine) -> None:
    """Past the free failures each try waits 1, 2, 4 … seconds (capped), then sign-in works again."""
    from core.db import make_session_factory

    factory: sessionmaker[Session] = make_session_factory(sqlite_engine)
    limits = LoginLimits(max_per_account=3, max_per_ip=100, window_minutes=15, max_delay_seconds=60)
    now = utcnow()
    waits = []
    with unit_of_work(factory) as db_session:
        for _ in range(10):
            record_failure(db_session=db_session, email="a@x.org", ip="192.0.2.1", secret_key="k", now=now)
            until = retry_at(
                db_session=db_session, email="a@x.org", ip="192.0.2.1", secret_key="k", limits=limits, now=now
            )
            waits.append(0 if until is None else round((until - now).total_seconds()))
        later = now + timedelta(seconds=61)
        assert (
            retry_at(db_session=db_session, email="a@x.org", ip="192.0.2.1", secret_key="k", limits=limits, now=later)
            is None
        )
        # The known device of the account is not delayed at all.
        device = new_device("k", "a@x.org")
        assert (
            retry_at(
                db_session=db_session,
                email="a@x.org",
                ip="192.0.2.1",
                secret_key="k",
                limits=limits,
                device=device,
                now=now,
            )
            is None
        )
        # A device cookie of another account is a new device here.
        other = new_device("k", "b@x.org")
        assert retry_at(
            db_session=db_session, email="a@x.org", ip="192.0.2.1", secret_key="k", limits=limits, device=other, now=now
        )
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_sign_in_while_delayed_says_how_long(sqlite_engine: Engine) -> None:
    from core.db import make_session_factory

    factory = make_session_factory(sqlite_engine)
    officer(factory, DANA, "district_officer")
    limits = LoginLimits(max_per_account=1, max_per_ip=100)
    now = utcnow()
    with unit_of_work(factory) as db_session:
        sign_in(
            db_session=db_session,
            email=DANA,
            password="nope nope nope",
            ip="192.0.2.1",
            secret_key="k",
            limits=limits,
            now=now,
        )
        refused = sign_in(
            db_session=db_session, email=DANA, password=PASSWORD, ip="192.0.2.1", secret_key="k", limits=limits, now=now
        )
        assert refused.token is None and refused.error and "Wait 1 second" in refused.error
        later = sign_in(
            db_session=db_session, email=DANA, password=PASSWORD, ip="192.0.2.1", secret_key="k", limits=limits,
            now=now + timedelta(seconds=2),
        )  # fmt: skip
        assert later.token is not None


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("203.0.113.7", "192.0.2.1", "203.0.113.7"),  # not a proxy: its header is ignored
        ("10.9.0.1", "192.0.2.1", "192.0.2.1"),
        ("10.9.0.1", "192.0.2.1, 10.9.0.2", "192.0.2.1"),  # two trusted proxies in a row
        ("10.9.0.1", "198.51.100.1, 192.0.2.1", "192.0.2.1"),  # the client cannot prepend a fake hop
        ("10.9.0.1", "", "10.9.0.1"),
    ],
)
def test_the_client_address_through_trusted_proxies(peer: str, header: str, expected: str) -> None:
    proxies = Settings(RIGHTSDESK_TRUSTED_PROXIES="10.9.0.0/24").trusted_proxies
    assert forwarded_client(peer, header, proxies) == expected


def test_a_bad_trusted_proxy_setting_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RIGHTSDESK_TRUSTED_PROXIES"):
        Settings(RIGHTSDESK_DATA_DIR=tmp_path, RIGHTSDESK_TRUSTED_PROXIES="10.0.0.0/8, proxy.example.org")
