"""The one call every process makes first: :func:`bootstrap`.

The gateway (``rightsdesk.app.create_app``), the action server (``actions.context``), the outbox worker and every
``rightsdesk`` command call ``bootstrap(settings)`` once. It gives every key holder of the process the
deployment's secret key (contacts, identity seals, code hashes, the audit chain: :func:`core.keyring.configure`)
and builds the database engine and its session factory. :meth:`Kernel.close` (or leaving a ``with`` block)
disposes of the engine; a long-lived process keeps its kernel until it stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import keyring
from core.db import make_engine, make_session_factory
from core.settings import Settings


@dataclass(frozen=True)
class Kernel:
    """What a process works with: its settings, the database engine and the factory of its sessions."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]

    def close(self) -> None:
        """Close the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def bootstrap(settings: Settings) -> Kernel:
    """Configure this process's keys from ``settings`` and open its database (see the module)."""
    keyring.configure(settings.secret_key)
    engine = make_engine(settings.database_url)
    return Kernel(settings=settings, engine=engine, session_factory=make_session_factory(engine))
