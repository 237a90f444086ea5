"""Console sign-in through the ASGI client: one message for unknown email and wrong password, cookie flags,
CSRF on the sign-in form, a sign-in delay stored in the database (so it holds across workers), TOTP, the idle
timeout and sign-out."""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work, utcnow
from rightsdesk.cli import main
from tests.factories import PASSWORD, database_url, make_officer, settings_for
from tests.support.console import Console, console_app
from ticketing.auth import totp
from ticketing.auth.models import OfficerSession
from ticketing.auth.service import LoginLimits, enrol_totp, record_failure, retry_at
from ticketing.officers.models import Officer


@pytest.fixture
def app(sqlite_engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = settings_for(
        tmp_path,
        database_url(sqlite_engine),
        RIGHTSDESK_LOGIN_MAX_FAILURES_PER_ACCOUNT=3,
        RIGHTSDESK_LOGIN_MAX_FAILURES_PER_IP=5,
    )
    application = console_app(settings)
    make_officer(application.state.session_factory, "dana@maplevalley.example.org", "district_officer")
    return application


def _error(response_text: str) -> str:
    found = re.search(r'<p class="error" role="alert"[^>]*>([^<]+)</p>', response_text)
    return found.group(1) if found else ""


def test_unknown_email_and_wrong_password_get_the_same_answer(app) -> None:  # type: ignore[no-untyped-def]
    console = Console(TestClient(app))
    wrong = console.login("dana@maplevalley.example.org", "not the password at all")
    unknown = console.login("nobody@maplevalley.example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert _error(wrong.text) == _error(unknown.text) == "The email or password is not correct."
    assert "rd_console=" not in wrong.headers.get("set-cookie", "")
    assert console.get("/console/queue").status_code == 303


def test_signing_in_sets_a_signed_httponly_lax_cookie_and_shows_the_queue(app) -> None:  # type: ignore[no-untyped-def]
    console = Console(TestClient(app))
    response = console.login("Dana@MapleValley.example.org")
    assert response.status_code == 303 and response.headers["location"] == "/console/queue"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("rd_console="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    with unit_of_work(app.state.session_factory) as db_session:
        stored = db_session.scalars(select(OfficerSession.token_hash)).one()
    assert value.split(".")[0] not in stored  # only the hash is kept
    queue = console.get("/console/queue")
    assert queue.status_code == 200 and "<h1>Queue</h1>" in queue.text
    assert queue.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in queue.headers["content-security-policy"]
    assert "strict-transport-security" not in queue.headers  # plain http in development: no HSTS


def test_cookies_are_secure_when_the_public_url_is_https(sqlite_engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, database_url(sqlite_engine), RIGHTSDESK_PUBLIC_URL="https://desk.example.org")
    app = console_app(settings)
    make_officer(app.state.session_factory, "dana@maplevalley.example.org", "district_officer")
    console = Console(TestClient(app, base_url="https://testserver"))
    response = console.login("dana@maplevalley.example.org")
    cookies = response.headers.get_list("set-cookie")
    # F17: over https every console cookie is Secure and __Host- (path /, no domain: no other host can set it).
    cookie = next(c for c in cookies if c.startswith("__Host-rd_console="))
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    device = next(c for c in cookies if c.startswith("__Host-rd_device="))
    assert "Secure" in device and "HttpOnly" in device and "SameSite=strict" in device
    assert not any(c.startswith("rd_console=") for c in cookies)
    page = console.get("/console/queue")
    assert page.status_code == 200
    assert page.headers["strict-transport-security"].startswith("max-age=")


def test_a_tampered_cookie_is_no_session(app) -> None:  # type: ignore[no-untyped-def]
    console = Console(TestClient(app))
    console.login("dana@maplevalley.example.org")
    token = console.client.cookies["rd_console"]
    console.client.cookies.clear()
    console.client.cookies.set("rd_console", token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    response = console.get("/console/queue")
    assert response.status_code == 303 and response.headers["location"].startswith("/console/login")


def test_the_sign_in_form_needs_its_csrf_token(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    response = client.post(
        "/console/login",
        data={"email": "dana@maplevalley.example.org", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403 and "nothing was changed" in response.text
    with unit_of_work(app.state.session_factory) as db_session:
        assert db_session.scalars(select(OfficerSession)).all() == []


def test_rate_limit_per_account_holds_across_workers(app) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        assert Console(TestClient(app)).login("dana@maplevalley.example.org", "wrong password!!").status_code == 401
    blocked = Console(TestClient(app)).login("dana@maplevalley.example.org")
    assert blocked.status_code == 429 and "Too many failed sign-in attempts" in _error(blocked.text)
    # A second gateway worker on the same database refuses too.
    other_worker = console_app(app.state.settings)
    assert Console(TestClient(other_worker)).login("dana@maplevalley.example.org").status_code == 429
    # The same refusal for an account that does not exist (nothing to learn from the limit).
    for _ in range(3):
        Console(TestClient(app)).login("ghost@maplevalley.example.org", "wrong password!!")
    ghost = Console(TestClient(app)).login("ghost@maplevalley.example.org")
    assert ghost.status_code == 429 and _error(ghost.text).split(" Wait")[0] == _error(blocked.text).split(" Wait")[0]


def test_rate_limit_per_address(app) -> None:  # type: ignore[no-untyped-def]
    make_officer(app.state.session_factory, "luis@maplevalley.example.org", "administrator")
    for n in range(5):
        Console(TestClient(app)).login(f"guess{n}@maplevalley.example.org", "wrong password!!")
    response = Console(TestClient(app)).login("luis@maplevalley.example.org")
    assert response.status_code == 429


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_failures_expire_after_the_window(backend: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    from core.db import make_session_factory

    factory = make_session_factory(engine)
    limits = LoginLimits(max_per_account=2, max_per_ip=10, window_minutes=15)
    now = utcnow()
    with unit_of_work(factory) as db_session:
        for _ in range(2):
            record_failure(db_session=db_session, email="a@x.org", ip="10.0.0.1", secret_key="k", now=now)
        assert retry_at(db_session=db_session, email="A@x.org ", ip="10.0.0.2", secret_key="k", limits=limits, now=now)
        later = now + timedelta(minutes=16)
        assert (
            retry_at(db_session=db_session, email="a@x.org", ip="10.0.0.2", secret_key="k", limits=limits, now=later)
            is None
        )


DANA = "dana@maplevalley.example.org"


def _enrol(app) -> str:  # type: ignore[no-untyped-def]
    """Enrol Dana; the secret her authenticator app gets (from the otpauth URI)."""
    with unit_of_work(app.state.session_factory) as db_session:
        enrolled = enrol_totp(db_session=db_session, email="dana@maplevalley.example.org")
        assert enrolled is not None
        secret = parse_qs(urlparse(enrolled[1]).query)["secret"][0]
        assert secret not in (enrolled[0].totp_secret or "")  # stored sealed, never in clear
        return secret


def _sign_in_with_code(app, secret: str) -> int:  # type: ignore[no-untyped-def]
    console = Console(TestClient(app))
    location = console.login("dana@maplevalley.example.org").headers["location"]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', console.client.get(location).text).group(1)  # type: ignore[union-attr]
    code = totp.totp(secret, utcnow())
    response = console.client.post(
        "/console/login/code", data={"code": code, "csrf_token": csrf}, follow_redirects=False
    )
    return response.status_code


def test_a_secret_enrolled_before_sealing_still_works_and_is_sealed_on_use(app) -> None:  # type: ignore[no-untyped-def]
    legacy = totp.new_secret()
    with unit_of_work(app.state.session_factory) as db_session:
        db_session.execute(update(Officer).where(Officer.email == DANA).values(totp_secret=legacy))
    assert _sign_in_with_code(app, legacy) == 303  # signed in
    with app.state.session_factory() as db_session:
        stored = db_session.scalars(select(Officer.totp_secret).where(Officer.email == DANA)).one()
    assert stored.startswith("v1.") and legacy not in stored


def test_totp_second_factor(app) -> None:  # type: ignore[no-untyped-def]
    secret = _enrol(app)
    console = Console(TestClient(app))
    first = console.login("dana@maplevalley.example.org")
    assert first.status_code == 303 and first.headers["location"].startswith("/console/login/code")
    # Password alone is not a session.
    assert console.get("/console/queue").headers["location"].startswith("/console/login")
    form = console.client.get(first.headers["location"])
    assert 'autocomplete="one-time-code"' in form.text and '<label for="code">' in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    bad = console.client.post("/console/login/code", data={"code": "000000", "csrf_token": csrf})
    assert bad.status_code == 401 and "not correct" in bad.text
    code = totp.totp(secret, utcnow())
    # A right code on a form that did not come from this page is refused, and signs nobody in.
    forged = console.client.post("/console/login/code", data={"code": code, "csrf_token": "forged"})
    assert forged.status_code == 403 and 'autocomplete="one-time-code"' in forged.text
    assert console.get("/console/queue").headers["location"].startswith("/console/login")
    good = console.client.post(
        "/console/login/code", data={"code": code, "csrf_token": csrf, "next": "/console/queue"}, follow_redirects=False
    )
    assert good.status_code == 303 and good.headers["location"] == "/console/queue"
    assert console.get("/console/queue").status_code == 200
    # The same code cannot be used again.
    again = Console(TestClient(app))
    location = again.login("dana@maplevalley.example.org").headers["location"]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', again.client.get(location).text).group(1)  # type: ignore[union-attr]
    replay = again.client.post("/console/login/code", data={"code": code, "csrf_token": csrf})
    assert replay.status_code == 401


def test_officer_totp_cli_prints_the_otpauth_uri(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", database_url(sqlite_engine))
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(tmp_path / "var"))
    from core.db import make_session_factory

    factory = make_session_factory(sqlite_engine)
    make_officer(factory, "grace@maplevalley.example.org", "school_contact", ["cedar"])
    assert main(["officer", "totp", "grace@maplevalley.example.org"]) == 0
    out = capsys.readouterr().out
    uri = re.search(r"otpauth://totp/\S+", out).group(0)  # type: ignore[union-attr]
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    with unit_of_work(factory) as db_session:
        stored = db_session.scalars(select(Officer.totp_secret)).one()
    assert stored.startswith("v1.") and secret not in stored and "grace@maplevalley.example.org" in uri
    assert main(["officer", "totp", "nobody@maplevalley.example.org"]) == 2
    assert main(["officer", "totp", "grace@maplevalley.example.org", "--disable"]) == 0
    with unit_of_work(factory) as db_session:
        assert db_session.scalars(select(Officer.totp_secret)).one() is None


def test_an_idle_session_ends(app) -> None:  # type: ignore[no-untyped-def]
    console = Console(TestClient(app))
    console.login("dana@maplevalley.example.org")
    factory: sessionmaker[Session] = app.state.session_factory
    with unit_of_work(factory) as db_session:
        db_session.execute(update(OfficerSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    response = console.get("/console/queue")
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    assert "30 minutes without activity" in console.client.get(response.headers["location"]).text
    with unit_of_work(factory) as db_session:
        assert db_session.scalars(select(OfficerSession)).all() == []


def test_sign_out_ends_the_session_on_the_server(app) -> None:  # type: ignore[no-untyped-def]
    console = Console(TestClient(app))
    console.login("dana@maplevalley.example.org")
    cookie = console.client.cookies["rd_console"]
    assert console.post("/console/logout", csrf="wrong").status_code == 403
    response = console.post("/console/logout")
    assert response.status_code == 303 and response.headers["location"] == "/console/login?signed_out=1"
    replayed = TestClient(app)
    replayed.cookies.set("rd_console", cookie)
    assert replayed.get("/console/queue", follow_redirects=False).status_code == 303


def test_an_officer_added_with_the_cli_can_sign_in(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    settings = settings_for(tmp_path, database_url(sqlite_engine))
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", database_url(sqlite_engine))
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    args = ["officer", "add", "--email", "ana@maplevalley.example.org", "--name", "Ana Flores"]
    assert main([*args, "--role", "school_contact", "--school", "birch"]) == 0
    assert "created school_contact ana@maplevalley.example.org" in capsys.readouterr().out
    console = Console(TestClient(console_app(settings)))
    # The password an administrator typed is temporary: Ana chooses her own before anything else.
    first = console.login("ana@maplevalley.example.org")
    assert first.status_code == 303 and first.headers["location"].startswith("/console/login/password")
    assert console.get("/console/queue").headers["location"].startswith("/console/login/password")
    form = console.get(first.headers["location"])
    mine = "ana's own long passphrase"
    done = console.post("/console/login/password", {"password": mine, "repeated": mine, "next": "/console/queue"})
    assert done.status_code == 303 and done.headers["location"] == "/console/queue", form.text
    assert "Ana Flores · school contact" in console.get("/console/queue").text
    assert Console(TestClient(console_app(settings))).login("ana@maplevalley.example.org", mine).status_code == 303
