"""Fixtures shared by every tier: settings for a throwaway data directory, the demo district, and databases.

Databases are migrated once per session per backend (``tests/support/database.py``) and every test gets one it
cannot leak from:

- ``session_factory`` (SQLite and PostgreSQL): the default. On PostgreSQL its sessions are SAVEPOINTs inside a
  transaction that is rolled back when the test ends; on SQLite it is on the test's own copy of the template.
- ``engine`` (SQLite and PostgreSQL): for a test whose commits must be seen by other connections (an app started
  from the URL, a CLI, raw SQL next to sessions, racing workers). On PostgreSQL the shared database is emptied when
  the test ends. A test that takes both gets sessions on that engine.
- ``sqlite_engine``, ``postgres_engine``: the same, on one backend; ``postgres_own_engine``: a database of the
  test's own, for a test that changes the database itself (roles, grants).
- ``migrate``: brings a settings' database URL to the latest schema (a copy of the template for a new SQLite file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory
from core.settings import REPO_ROOT, Settings
from knowledge.district import District, load_district
from tests.services import service_missing
from tests.support.database import PostgresDatabases, SqliteTemplate, postgres_available


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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture
def migrate(sqlite_template: SqliteTemplate) -> Callable[[str], None]:
    """``migrate(url)``: the latest schema at ``url`` (a new SQLite file is a copy of the migrated template)."""
    return sqlite_template.migrate


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    if not postgres_available():
        service_missing("PostgreSQL is not running on 127.0.0.1:5432")
    databases = PostgresDatabases()
    yield databases
    databases.close()


@pytest.fixture
def sqlite_engine(sqlite_template: SqliteTemplate, tmp_path: Path) -> Iterator[Engine]:
    """The test's own copy of the migrated SQLite database."""
    engine = make_engine(sqlite_template.copy_to(tmp_path / "test.db"))
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_databases: PostgresDatabases) -> Iterator[Engine]:
    """The session's PostgreSQL database; what the test commits is emptied when it ends."""
    with postgres_databases.committed() as engine:
        yield engine


@pytest.fixture
def postgres_own_engine(postgres_databases: PostgresDatabases) -> Iterator[Engine]:
    """A migrated PostgreSQL database of the test's own, dropped when it ends."""
    with postgres_databases.own() as engine:
        yield engine


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite and on PostgreSQL."""
    return str(request.param)


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{backend}_engine")  # type: ignore[no-any-return]


@pytest.fixture
def session_factory(backend: str, request: pytest.FixtureRequest) -> Iterator[sessionmaker[Session]]:
    if backend == "sqlite" or "engine" in request.fixturenames:
        yield make_session_factory(request.getfixturevalue(f"{backend}_engine"))
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    with databases.rolled_back() as factory:
        yield factory
