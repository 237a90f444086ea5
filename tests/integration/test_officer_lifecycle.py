"""F2/F11: officer accounts a security officer would sign off — disable, enable, reset, role and schools from the
command line and the administrators' console page, sessions that end at once, a required second factor that
sign-in enrols, forced password changes, and every sign-in and account change in the audit log (no secret)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work, utcnow
from core.settings import Settings
from rightsdesk.cli import main
from tests.helpdesk_support import PASSWORD, Console, console_app, database_url, make_settings, officer, signed_in
from ticketing.audit.models import AuditEntry
from ticketing.audit.service import verify_chain
from ticketing.auth import totp
from ticketing.officers.models import Officer, OfficerRole, PasswordOrigin

ADMIN = "luis@maplevalley.example.org"
DANA = "dana@maplevalley.example.org"
GRACE = "grace@maplevalley.example.org"
TEMPORARY = "temporary password for grace"


@pytest.fixture
def app(sqlite_engine: Engine, tmp_path: Path) -> FastAPI:
    application = console_app(make_settings(tmp_path, database_url(sqlite_engine)))
    factory = application.state.session_factory
    officer(factory, ADMIN, "administrator", name="Luis Ortega")
    officer(factory, DANA, "district_officer", name="Dana Whitfield")
    officer(factory, GRACE, "school_contact", ["cedar"], name="Grace Kim")
    return application


def _officer(app: FastAPI, email: str) -> Officer:
    with unit_of_work(app.state.session_factory) as db_session:
        found = db_session.scalars(select(Officer).where(Officer.email == email)).one()
        db_session.expunge(found)
        return found


def _audit(app: FastAPI) -> list[AuditEntry]:
    with unit_of_work(app.state.session_factory) as db_session:
        rows = list(db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        for row in rows:
            db_session.expunge(row)
        return rows


def _signed_out(console: Console) -> bool:
    response = console.get("/console/queue")
    return response.status_code == 303 and response.headers["location"].startswith("/console/login")


def _cli(app: FastAPI, monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    settings: Settings = app.state.settings
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("RIGHTSDESK_SECRET_KEY", settings.secret_key)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(args))


def test_cli_disable_ends_sessions_at_once_and_enable_lets_them_back(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    dana = signed_in(app, DANA)
    assert _cli(app, monkeypatch, "officer", "disable", DANA) == 0
    assert _signed_out(dana)  # the open session ended, not only future sign-ins
    assert Console(TestClient(app)).login(DANA).status_code == 401
    assert _cli(app, monkeypatch, "officer", "disable", DANA) == 2  # already disabled
    assert _cli(app, monkeypatch, "officer", "enable", DANA) == 0
    assert Console(TestClient(app)).login(DANA).status_code == 303
    actions = [(e.action, e.detail.get("officer")) for e in _audit(app)]
    assert ("officer.disabled", DANA) in actions and ("officer.enabled", DANA) in actions
    entry = next(e for e in _audit(app) if e.action == "officer.disabled")
    assert entry.actor.startswith("command line (")


def test_cli_reset_password_forces_a_new_one_and_ends_sessions(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    dana = signed_in(app, DANA)
    assert _cli(app, monkeypatch, "officer", "reset-password", DANA, stdin="short\n") == 2
    assert _cli(app, monkeypatch, "officer", "reset-password", DANA, stdin=TEMPORARY + "\n") == 0
    assert _signed_out(dana)
    assert _officer(app, DANA).password_origin is PasswordOrigin.assigned
    console = Console(TestClient(app))
    first = console.login(DANA, TEMPORARY)
    assert first.headers["location"].startswith("/console/login/password")
    console.get(first.headers["location"])
    same = console.post("/console/login/password", {"password": TEMPORARY, "repeated": TEMPORARY})
    assert same.status_code == 400 and "different from the one you were given" in same.text
    mismatch = console.post("/console/login/password", {"password": "a" * 14, "repeated": "b" * 14})
    assert mismatch.status_code == 400
    done = console.post(
        "/console/login/password", {"password": "dana's new passphrase", "repeated": "dana's new passphrase"}
    )
    assert done.status_code == 303 and console.get("/console/queue").status_code == 200
    assert _officer(app, DANA).password_origin is PasswordOrigin.chosen
    audit_text = str([(e.actor, e.action, e.detail) for e in _audit(app)])
    assert TEMPORARY not in audit_text and "new passphrase" not in audit_text
    assert "officer.password_reset" in audit_text and "officer.password_changed" in audit_text


def test_cli_set_role_and_schools(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _cli(app, monkeypatch, "officer", "set-schools", GRACE, "--school", "cedar", "--school", "mvhs") == 0
    assert _officer(app, GRACE).school_ids == ["cedar", "mvhs"]
    assert _cli(app, monkeypatch, "officer", "set-schools", GRACE, "--school", "nowhere") == 2
    assert _cli(app, monkeypatch, "officer", "set-role", GRACE, "district_officer") == 0
    grace = _officer(app, GRACE)
    assert grace.role is OfficerRole.district_officer and grace.school_ids == []
    assert _cli(app, monkeypatch, "officer", "set-role", DANA, "school_contact") == 2  # needs a school
    assert _cli(app, monkeypatch, "officer", "set-role", DANA, "school_contact", "--school", "birch") == 0
    # The last administrator can be neither demoted nor disabled: someone must be able to manage accounts.
    assert _cli(app, monkeypatch, "officer", "set-role", ADMIN, "district_officer") == 2
    assert _cli(app, monkeypatch, "officer", "disable", ADMIN) == 2
    actions = [e.action for e in _audit(app)]
    assert actions.count("officer.role_changed") == 2 and "officer.schools_changed" in actions


def test_the_officers_page_is_for_administrators_only_and_every_form_needs_csrf(app: FastAPI) -> None:
    assert signed_in(app, DANA).get("/console/officers").status_code == 404
    grace = signed_in(app, GRACE)
    assert grace.get("/console/officers").status_code == 404
    dana_id = _officer(app, DANA).id
    admin = signed_in(app, ADMIN)
    page = admin.get("/console/officers")
    assert page.status_code == 200 and "Dana Whitfield" in page.text and "Officers</a>" in page.text
    forms = re.findall(r'<form method="post" action="(/console/officers/[^"]+)">', page.text)
    assert forms and all('name="csrf_token"' in chunk for chunk in page.text.split("<form")[1:])
    assert admin.post(f"/console/officers/{dana_id}/disable", csrf="forged").status_code == 403
    assert _officer(app, DANA).active
    # Non-administrators cannot post either (404, as for anything outside their scope).
    grace.get("/console/queue")
    assert grace.post(f"/console/officers/{dana_id}/disable").status_code == 404


def test_the_officers_page_changes_accounts(app: FastAPI) -> None:
    dana_session = signed_in(app, DANA)
    admin = signed_in(app, ADMIN)
    admin.get("/console/officers")
    dana, grace, luis = (_officer(app, e).id for e in (DANA, GRACE, ADMIN))
    done = admin.post(f"/console/officers/{dana}/disable")
    assert done.status_code == 303 and "done=disabled" in done.headers["location"]
    assert _signed_out(dana_session)
    assert "disabled" in admin.get("/console/officers").text
    assert admin.post(f"/console/officers/{dana}/enable").status_code == 303
    assert admin.post(f"/console/officers/{grace}/schools", {"school": ["cedar", "birch"]}).status_code == 303
    assert _officer(app, GRACE).school_ids == ["cedar", "birch"]
    assert admin.post(f"/console/officers/{grace}/role", {"role": "administrator"}).status_code == 303
    assert _officer(app, GRACE).role is OfficerRole.administrator
    refused = admin.post(f"/console/officers/{dana}/role", {"role": "school_contact"})
    assert refused.status_code == 400 and "needs at least one school" in refused.text
    short = admin.post(f"/console/officers/{dana}/reset-password", {"password": "short"})
    assert short.status_code == 400 and _officer(app, DANA).password_origin is PasswordOrigin.chosen
    assert admin.post(f"/console/officers/{dana}/reset-password", {"password": TEMPORARY}).status_code == 303
    assert _officer(app, DANA).password_origin is PasswordOrigin.assigned
    assert admin.post(f"/console/officers/{luis}/disable").status_code == 303  # Grace is an administrator now
    entries = [e for e in _audit(app) if e.action.startswith("officer.")]
    assert {e.actor for e in entries if e.seq > 3} == {ADMIN}
    assert TEMPORARY not in str([e.detail for e in entries])


def _login_to_step(app: FastAPI, email: str, password: str = PASSWORD) -> tuple[Console, str]:
    console = Console(TestClient(app))
    response = console.login(email, password)
    assert response.status_code == 303, response.text
    return console, response.headers["location"]


def test_required_totp_takes_an_officer_without_one_to_enrol(sqlite_engine: Engine, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url(sqlite_engine), RIGHTSDESK_REQUIRE_TOTP="true")
    app = console_app(settings)
    officer(app.state.session_factory, DANA, "district_officer")
    console, location = _login_to_step(app, DANA)
    assert location.startswith("/console/login/enrol")
    assert _signed_out(console)  # nothing else until the app is set up
    page = console.get(location)
    assert page.status_code == 200
    uri = unquote(re.search(r"otpauth://totp/[^<\"]+", page.text).group(0)).replace("&amp;", "&")  # type: ignore[union-attr]
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text and 'class="qr"' in page.text
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page.text
    assert console.post("/console/login/enrol", {"code": "000000"}).status_code == 401
    done = console.post("/console/login/enrol", {"code": totp.totp(secret, utcnow()), "next": "/console/queue"})
    assert done.status_code == 303 and done.headers["location"] == "/console/queue"
    assert console.get("/console/queue").status_code == 200
    assert _officer(app, DANA).totp_enabled
    # Next time the code is asked for, as for anyone enrolled.
    _again, step = _login_to_step(app, DANA)
    assert step.startswith("/console/login/code")
    audit_text = str([(e.actor, e.action, e.detail) for e in _audit(app)])
    assert "totp.enrolled" in audit_text and secret not in audit_text


def test_totp_is_required_by_default_in_production_only(tmp_path: Path) -> None:
    production = Settings(
        RIGHTSDESK_ENV="production",
        RIGHTSDESK_DATA_DIR=tmp_path,
        RIGHTSDESK_SECRET_KEY="k" * 40,
        RIGHTSDESK_RASA_TOKEN="t" * 40,
        RIGHTSDESK_PUBLIC_URL="https://desk.example.org",
    )
    assert production.require_totp
    assert not Settings(RIGHTSDESK_DATA_DIR=tmp_path).require_totp
    assert Settings(RIGHTSDESK_DATA_DIR=tmp_path, RIGHTSDESK_REQUIRE_TOTP="true").require_totp


def test_every_sign_in_success_and_failure_is_audited_without_secrets(app: FastAPI) -> None:
    Console(TestClient(app)).login(DANA, "a wrong password")
    Console(TestClient(app)).login("my secret passphrase typed in the email box", "x" * 12)
    signed_in(app, DANA)
    entries = [e for e in _audit(app) if e.action.startswith("sign_in.")]
    assert [(e.actor, e.action, e.detail["reason"] if "reason" in e.detail else "") for e in entries] == [
        (DANA, "sign_in.failed", "wrong password"),
        ("unknown account", "sign_in.failed", "unknown account"),
        (DANA, "sign_in.succeeded", ""),
    ]
    assert all(e.detail["address"] == "testclient" for e in entries)
    text = str([(e.actor, e.detail) for e in _audit(app)])
    assert "a wrong password" not in text and "typed in the email box" not in text and PASSWORD not in text
    with unit_of_work(app.state.session_factory) as db_session:
        assert verify_chain(db_session=db_session).ok


def test_totp_removed_on_the_page_ends_sessions_and_is_audited(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _cli(app, monkeypatch, "officer", "totp", DANA) == 0
    admin = signed_in(app, ADMIN)
    page = admin.get("/console/officers")
    assert "Remove second factor" in page.text
    dana = _officer(app, DANA).id
    assert admin.post(f"/console/officers/{dana}/remove-totp").status_code == 303
    assert not _officer(app, DANA).totp_enabled
    actions = [(e.action, e.actor) for e in _audit(app) if e.action.startswith("totp.")]
    assert actions[0][0] == "totp.enrolled" and actions[0][1].startswith("command line (")
    assert actions[1] == ("totp.removed", ADMIN)


def _factory(app: FastAPI) -> sessionmaker[Session]:
    return app.state.session_factory  # type: ignore[no-any-return]
