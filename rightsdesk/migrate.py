"""Bring a database to the latest schema with Alembic (used by ``rightsdesk run``, ``migrate`` and tests).

On PostgreSQL the migrations run as the tables' owner (``RIGHTSDESK_MIGRATION_DATABASE_URL``) and the application
connects as another role (``RIGHTSDESK_DATABASE_URL``): :func:`grant_application_role` gives that role what the
desk needs and no more. It may read and write every table but the audit log, where it may only INSERT and SELECT;
not being the owner, it cannot drop or disable the audit log's triggers either.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from core.settings import REPO_ROOT

APPEND_ONLY_TABLES = frozenset({"audit_log"})
READ_ONLY_TABLES = frozenset({"alembic_version"})


def alembic_config(database_url: str, secret_key: str | None = None) -> Config:
    """Alembic's configuration for ``database_url`` (``secret_key``: for migrations that seal with it)."""
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    if secret_key:
        config.attributes["secret_key"] = secret_key
    return config


def upgrade(database_url: str, secret_key: str | None = None) -> None:
    """Apply every migration not yet applied."""
    command.upgrade(alembic_config(database_url, secret_key), "head")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_application_role(owner_url: str, application_url: str) -> str | None:
    """On PostgreSQL, give the application's role its rights (when it is not the owner); returns the role granted."""
    owner, application = make_url(owner_url), make_url(application_url)
    if owner.get_backend_name() != "postgresql" or not application.username:
        return None
    if application.username == owner.username:
        return None
    role = _quote(application.username)
    engine = create_engine(owner, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
            for table in tables:
                name = _quote(table)
                connection.execute(text(f"REVOKE ALL ON TABLE {name} FROM {role}"))
                if table in APPEND_ONLY_TABLES:
                    rights = "SELECT, INSERT"
                elif table in READ_ONLY_TABLES:
                    rights = "SELECT"
                else:
                    rights = "SELECT, INSERT, UPDATE, DELETE"
                connection.execute(text(f"GRANT {rights} ON TABLE {name} TO {role}"))
            connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    finally:
        engine.dispose()
    return application.username
