"""Rasa's tracker store, seen from the help desk: destroying the events of conversations past retention.

Rasa keeps every event of a conversation (redacted messages, and slots such as the names a family gave or the
roster names a verification set) in its SQL tracker store, table ``events``, keyed by ``sender_id`` (the
conversation's pseudonym, ``Conversation.rasa_sender``). :func:`purge` deletes, by ``sender_id``:

- every conversation whose messages the help desk has just destroyed (``senders``), and
- any other conversation whose last event is older than ``idle_before`` and which is not still alive in the help
  desk (``keep``: conversations active since then, or with a ticket not yet purged) — so a run that failed half
  way is made good by the next one.

Rasa reads a tracker from the store at each message, so a deleted conversation simply starts afresh.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Engine, bindparam, create_engine, inspect, text
from sqlalchemy.engine import make_url

CHUNK = 500


def database_url(tracker_store_url: str | None, default_sqlite_path: str) -> str:
    """The SQLAlchemy URL of the tracker store (PostgreSQL through psycopg 3, as the rest of the desk)."""
    if not tracker_store_url:
        return f"sqlite:///{default_sqlite_path}"
    url = make_url(tracker_store_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _engine(url: str) -> Engine | None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        from pathlib import Path

        if not parsed.database or not Path(parsed.database).exists():
            return None  # Rasa never wrote anything
    return create_engine(url)


def purge(
    *,
    tracker_url: str,
    senders: Collection[str],
    keep: Collection[str],
    idle_before: datetime,
    dry_run: bool = False,
) -> dict[str, int]:
    """Delete the events of destroyed or idle conversations; returns ``{"conversations", "events"}``."""
    engine = _engine(tracker_url)
    if engine is None:
        return {"conversations": 0, "events": 0}
    try:
        with engine.begin() as connection:
            if not inspect(connection).has_table("events"):
                return {"conversations": 0, "events": 0}
            rows = connection.execute(
                text("SELECT sender_id, max(timestamp), count(*) FROM events GROUP BY sender_id")
            ).all()
            cutoff = idle_before.timestamp()
            destroyed, kept = set(senders), set(keep)
            doomed: dict[str, int] = {}
            for sender_id, last, count in rows:
                idle = last is None or float(last) < cutoff
                if sender_id in destroyed or (idle and sender_id not in kept):
                    doomed[str(sender_id)] = int(count)
            if not dry_run and doomed:
                names = list(doomed)
                statement = text("DELETE FROM events WHERE sender_id IN :senders").bindparams(
                    bindparam("senders", expanding=True)
                )
                for start in range(0, len(names), CHUNK):
                    connection.execute(statement, {"senders": names[start : start + CHUNK]})
            return {"conversations": len(doomed), "events": sum(doomed.values())}
    finally:
        engine.dispose()
