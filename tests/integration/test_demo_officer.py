"""F2: the demo officer exists only in development on the embedded database; its generated password is printed,
never stored in clear, and must be changed at the first sign-in; production refuses to start while any account
still has a generated password. F16: the data directory and secret files are private from the first byte."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from core.db import make_engine, make_session_factory, unit_of_work
from core.files import write_private
from core.settings import Settings
from rightsdesk.app import create_app
from rightsdesk.cli import main
from rightsdesk.launcher import DEMO_OFFICER_EMAIL, ensure_demo_officer, generated_password_refusal, write_endpoints
from rightsdesk.migrate import upgrade
from tests.helpdesk_support import Console, database_url, make_settings
from ticketing.officers.models import Officer, PasswordOrigin

PRODUCTION = {
    "RIGHTSDESK_ENV": "production",
    "RIGHTSDESK_SECRET_KEY": "p" * 40,
    "RIGHTSDESK_RASA_TOKEN": "t" * 40,
    "RIGHTSDESK_PUBLIC_URL": "https://desk.example.org",
}


def _officers(url: str) -> list[Officer]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as db_session:
            return list(db_session.scalars(select(Officer)))
    finally:
        engine.dispose()


def _files_containing(directory: Path, text: str) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_development_on_the_embedded_database_prints_a_password_it_never_stores(tmp_path: Path) -> None:
    settings = Settings(RIGHTSDESK_DATA_DIR=tmp_path / "var")
    (settings.data_dir).mkdir(parents=True)
    (settings.data_dir / "demo-officer.json").write_text('{"password": "left by an older version"}')
    upgrade(settings.database_url)
    email, password = ensure_demo_officer(settings)  # type: ignore[misc]
    assert email == DEMO_OFFICER_EMAIL and password
    assert not (settings.data_dir / "demo-officer.json").exists()
    assert _files_containing(settings.data_dir, password) == []
    (demo,) = _officers(settings.database_url)
    assert demo.password_origin is PasswordOrigin.generated
    # The first sign-in asks for a new password before anything else.
    app = create_app(make_settings(tmp_path, settings.database_url))
    console = Console(TestClient(app))
    first = console.login(DEMO_OFFICER_EMAIL, password)
    assert first.status_code == 303 and first.headers["location"].startswith("/console/login/password")
    # A second start, password never changed: a new one is printed (the old one no longer works).
    _email, second = ensure_demo_officer(settings)  # type: ignore[misc]
    assert second and second != password
    assert Console(TestClient(app)).login(DEMO_OFFICER_EMAIL, password).status_code == 401
    # Once the officer chose their own, nothing is printed any more.
    console = Console(TestClient(app))
    location = console.login(DEMO_OFFICER_EMAIL, second).headers["location"]
    console.get(location)
    mine = "the demo officer's own passphrase"
    assert console.post("/console/login/password", {"password": mine, "repeated": mine}).status_code == 303
    assert ensure_demo_officer(settings) == (DEMO_OFFICER_EMAIL, None)


def test_no_demo_officer_in_production_or_on_postgresql(postgres_engine: Engine, tmp_path: Path) -> None:
    production = Settings(RIGHTSDESK_DATA_DIR=tmp_path / "prod", **PRODUCTION)  # type: ignore[arg-type]
    production.data_dir.mkdir(parents=True)
    upgrade(production.database_url)
    assert ensure_demo_officer(production) is None
    assert _officers(production.database_url) == []
    scale = Settings(RIGHTSDESK_DATA_DIR=tmp_path / "pg", RIGHTSDESK_DATABASE_URL=database_url(postgres_engine))
    assert ensure_demo_officer(scale) is None
    assert _officers(scale.database_url) == []


def test_production_refuses_to_start_with_a_generated_password(tmp_path: Path) -> None:
    development = Settings(RIGHTSDESK_DATA_DIR=tmp_path / "var")
    development.data_dir.mkdir(parents=True)
    upgrade(development.database_url)
    ensure_demo_officer(development)
    production = Settings(
        RIGHTSDESK_DATA_DIR=tmp_path / "var",
        RIGHTSDESK_DATABASE_URL=development.database_url,
        **PRODUCTION,  # type: ignore[arg-type]
    )
    refusal = generated_password_refusal(production)
    assert refusal and DEMO_OFFICER_EMAIL in refusal
    with pytest.raises(RuntimeError, match="refuses to start"), TestClient(create_app(production)):
        pass
    engine = make_engine(development.database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as db_session:
            db_session.scalars(select(Officer)).one().active = False
    finally:
        engine.dispose()
    assert generated_password_refusal(production) is None
    with TestClient(create_app(production)) as client:
        assert client.get("/console/login").status_code == 200


def test_production_needs_an_https_public_url(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="https"):
        Settings(RIGHTSDESK_DATA_DIR=tmp_path, **{**PRODUCTION, "RIGHTSDESK_PUBLIC_URL": "http://desk.example.org"})  # type: ignore[arg-type]


def test_secret_files_are_private_from_the_first_byte(tmp_path: Path) -> None:
    old = os.umask(0)  # even with a careless umask
    try:
        target = tmp_path / "data" / "secret.json"
        write_private(target, "{}")
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
        settings = Settings(RIGHTSDESK_DATA_DIR=tmp_path / "var")
        assert settings.secret_key
        assert stat.S_IMODE((tmp_path / "var" / "secrets.json").stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
        endpoints = write_endpoints(settings)
        assert stat.S_IMODE(endpoints.stat().st_mode) == 0o600
        assert [p.name for p in (tmp_path / "data").iterdir()] == ["secret.json"]  # no temporary file left
    finally:
        os.umask(old)


def test_every_command_creates_files_for_their_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("RIGHTSDESK_DATABASE_URL", raising=False)
    old = os.umask(0o022)
    try:
        assert main(["migrate"]) == 0
        assert os.umask(0o022) == 0o077  # the command set it for itself and what it starts
    finally:
        os.umask(old)
    database = tmp_path / "var" / "rightsdesk.db"
    assert stat.S_IMODE(database.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
