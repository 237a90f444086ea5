"""Test-only: databases migrated once per test session, handed to each test in a state it cannot leak.

Alembic runs once per session per backend; no test migrates a database of its own except the ones that check
the migrations themselves (:func:`freshly_migrated`).

- **SQLite.** The migrated database is a template file; each test gets a copy of it (a file copy, no Alembic). A
  copy is a throwaway file in the test's own directory, so nothing a test commits can reach another test.
  (SQLite's Python driver begins transactions lazily, so an outer transaction + SAVEPOINT is not reliable there:
  releasing the first SAVEPOINT would commit.)
- **PostgreSQL.** One database is created and migrated for the session (a random name, dropped with ``FORCE`` at
  the end of the session, so nothing is left on the shared server).

  - :meth:`PostgresDatabases.rolled_back` hands a test a connection inside a transaction that is rolled back
    when the test ends; each unit of work the code under test opens is a SAVEPOINT inside it. This is the
    default ("a database test rolls back").
  - :meth:`PostgresDatabases.committed` is for a test that needs what is committed to be visible to other
    connections (an app started from the URL, a CLI, several workers racing): it gets the same database and,
    when it ends, every table is emptied (``TRUNCATE``, the audit log's append-only trigger bypassed as the
    owner) and any table the test created is dropped.
  - :meth:`PostgresDatabases.own` is for a test that changes the database itself (roles, grants): a copy of the
    template database (``CREATE DATABASE ... TEMPLATE``), dropped afterwards; :meth:`PostgresDatabases.empty`
    gives an empty one, for the tests of the migrations themselves.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine
from rightsdesk.migrate import upgrade

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SQLITE_PREFIX = "sqlite:///"


def postgres_available() -> bool:
    """Whether the shared PostgreSQL server answers."""
    try:
        engine = create_engine(POSTGRES_ADMIN_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def freshly_migrated(url: str) -> None:
    """Run every migration on ``url`` (only for the tests of the migrations themselves)."""
    upgrade(url)


class SqliteTemplate:
    """A SQLite database migrated once; :meth:`copy_to` gives a test its own copy."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"
        upgrade(SQLITE_PREFIX + str(self.path))
        # Fold the write-ahead log into the file, so a copy of the one file is the whole database.
        connection = sqlite3.connect(self.path)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()

    def copy_to(self, path: Path) -> str:
        """A migrated database at ``path`` (which must not exist yet); returns its URL."""
        if path.exists():
            raise FileExistsError(f"{path} exists: a test database must start from the migrated template")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, path)
        return SQLITE_PREFIX + str(path)

    def migrate(self, url: str) -> None:
        """Bring ``url`` to the latest schema: a copy of the template for a new SQLite file, else Alembic."""
        if url.startswith(SQLITE_PREFIX) and not Path(url.removeprefix(SQLITE_PREFIX)).exists():
            self.copy_to(Path(url.removeprefix(SQLITE_PREFIX)))
        else:
            upgrade(url)


class PostgresDatabases:
    """The session's PostgreSQL databases (see the module docstring); :meth:`close` drops every one."""

    def __init__(self) -> None:
        self.prefix = f"rightsdesk_test_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []
        self.template = self._create(f"{self.prefix}_template")
        upgrade(self.url(self.template))
        self._shared: Engine | None = None
        self._tables: set[str] = set()
        self._copies = 0

    def url(self, database: str) -> str:
        return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"

    def _create(self, name: str, template: str | None = None) -> str:
        clause = f' TEMPLATE "{template}"' if template else ""
        self.created.append(name)
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return name

    def _drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.remove(name)

    @property
    def shared(self) -> Engine:
        """The session's working database (a copy of the template, made on first use)."""
        if self._shared is None:
            name = self._create(f"{self.prefix}_shared", template=self.template)
            self._shared = make_engine(self.url(name))
            with self._shared.connect() as connection:
                self._tables = set(inspect(connection).get_table_names())
        return self._shared

    @contextmanager
    def rolled_back(self) -> Iterator[sessionmaker[Session]]:
        """Sessions whose every commit is a SAVEPOINT in one transaction, rolled back at the end."""
        connection = self.shared.connect()
        transaction = connection.begin()
        try:
            yield sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
        finally:
            transaction.rollback()
            connection.close()

    @contextmanager
    def committed(self) -> Iterator[Engine]:
        """The shared database for a test whose commits must be seen by other connections; emptied afterwards."""
        engine = self.shared
        try:
            yield engine
        finally:
            self._empty(engine)

    def _empty(self, engine: Engine) -> None:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            # As the owner, in replica mode: the audit log's append-only triggers do not fire for this clean-up.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            present = set(inspect(connection).get_table_names())
            for extra in sorted(present - self._tables):
                connection.execute(text(f'DROP TABLE "{extra}" CASCADE'))
            emptied = sorted(self._tables - {"alembic_version"})
            names = ", ".join(f'"{table}"' for table in emptied)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    @contextmanager
    def own(self) -> Iterator[Engine]:
        """A database of the test's own (a copy of the template), dropped when the test ends."""
        self._copies += 1
        name = self._create(f"{self.prefix}_{self._copies}", template=self.template)
        engine = make_engine(self.url(name))
        try:
            yield engine
        finally:
            engine.dispose()
            self._drop(name)

    @contextmanager
    def empty(self) -> Iterator[str]:
        """The URL of a new, empty database (no migration run), dropped when the test ends."""
        self._copies += 1
        name = self._create(f"{self.prefix}_{self._copies}")
        try:
            yield self.url(name)
        finally:
            self._drop(name)

    def close(self) -> None:
        if self._shared is not None:
            self._shared.dispose()
        for name in list(reversed(self.created)):
            self._drop(name)
        self.admin.dispose()
