"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL.

This test does not use the session's migrated template (``tests/support/database.py``): it runs every migration
on an empty database of its own, the way ``rightsdesk migrate`` does on a new deployment.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from core.db import make_engine
from rightsdesk.tables import Base
from tests.support.database import PostgresDatabases, freshly_migrated


@pytest.fixture(params=["sqlite", "postgres"])
def freshly_migrated_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on which every migration has just run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        freshly_migrated(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    with databases.empty() as url:
        freshly_migrated(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_migrated_database_matches_the_models(freshly_migrated_engine: Engine) -> None:
    with freshly_migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
