"""Per-request dependencies every package shares: the settings and a database session.

The getters of a package's own app-wide service live beside that service (``knowledge.deps``, ``channels.deps``).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from core.settings import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """A database session for one request: committed when the handler returns, rolled back on error."""
    db_session: Session = request.app.state.session_factory()
    try:
        yield db_session
        db_session.commit()
    except BaseException:
        db_session.rollback()
        raise
    finally:
        db_session.close()
