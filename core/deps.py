"""Per-request dependencies every package shares: the settings and a database session.

``DB`` is the session committed before the response leaves.

The getters of a package's own app-wide service live beside that service (``knowledge.deps``, ``channels.deps``).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.settings import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """A database session for one request: committed when the handler returns, rolled back on error."""
    with unit_of_work(request.app.state.session_factory) as db_session:
        yield db_session


def committed_db(db_session: Session = Depends(get_db)) -> Iterator[Session]:
    """The request's one session (``get_db``, shared with every dependency), committed as soon as the handler returns.

    FastAPI ends request-scoped dependencies only *after* the response is sent, and a redirect must never reach the
    browser before the change it reports is stored. An exception skips the commit (``get_db`` rolls back).
    """
    yield db_session
    db_session.commit()


# Use ``db_session: Session = DB`` in a handler that redirects or answers after a change (the console, the family
# pages).
DB = Depends(committed_db, scope="function")
