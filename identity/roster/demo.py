"""The demo roster (``identity/demo_roster/``): imported by ``rightsdesk run`` into a new development database."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.orm import Session

from identity.roster.service import ImportSummary, import_roster, roster_is_empty

DEMO_ROSTER_DIR = Path(__file__).resolve().parent.parent / "demo_roster"


def ensure_demo_roster(*, db_session: Session, known_schools: Iterable[str]) -> ImportSummary | None:
    """Import the demo roster when no roster was ever imported; returns what was imported, or None."""
    if not roster_is_empty(db_session=db_session):
        return None
    result = import_roster(db_session=db_session, directory=DEMO_ROSTER_DIR, known_schools=known_schools)
    if not result.ok:
        raise RuntimeError("the demo roster is invalid: " + "; ".join(str(e) for e in result.errors))
    return result.summary
