"""Shared fixtures: settings for a throwaway data directory, migrated databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory
from core.settings import REPO_ROOT, Settings
from knowledge.district import District, load_district
from rightsdesk.migrate import upgrade
from tests.services import service_missing

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a stack whose data lives in a temporary directory (no Rasa running)."""
    return Settings(
        RIGHTSDESK_DATA_DIR=tmp_path / "var",
        RIGHTSDESK_PORT=18000,
        RIGHTSDESK_RASA_PORT=1,  # nothing listens there: Rasa is "down" unless a test starts it
        RIGHTSDESK_ACTIONS_PORT=2,
    )


@pytest.fixture
def district() -> District:
    return load_district(REPO_ROOT / "knowledge" / "district" / "demo.yml")


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """A fresh PostgreSQL database, migrated, dropped afterwards (nothing is left for a later run)."""
    if not _postgres_available():
        service_missing("PostgreSQL is not running on 127.0.0.1:5432")
    name = f"rightsdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on PostgreSQL."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    return request.getfixturevalue(fixture)  # type: ignore[no-any-return]


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
