"""Bring a database to the latest schema with Alembic (used by ``rightsdesk run``, ``migrate`` and tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from rightsdesk.settings import REPO_ROOT


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration for ``database_url``."""
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    """Apply every migration not yet applied."""
    command.upgrade(alembic_config(database_url), "head")
