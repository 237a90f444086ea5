"""Running one use case in one transaction, for callers that hold none (the Rasa actions).

The gateway already holds a transaction for each conversation turn and calls a use case inside it; an action
holds none, and never opens one itself (actions import no SQLAlchemy). It hands the use case, with its arguments
bound (``functools.partial``), to :func:`in_one_transaction`: one unit of work is opened, committed if the use
case returns, rolled back if it raises. A database failure becomes :class:`DeskUnavailable`, which the action
answers with "please write to the privacy office" — nothing was changed.
"""

from __future__ import annotations

import logging
from typing import Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work

log = logging.getLogger(__name__)
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class DeskUnavailable(RuntimeError):
    """The database failed during a use case; the transaction was rolled back, so nothing changed."""


class Flow(Protocol[T_co]):
    """A use case with every argument bound but the transaction's ``db_session``."""

    def __call__(self, *, db_session: Session) -> T_co:
        """Run the use case in ``db_session``'s transaction."""
        ...


def in_one_transaction(factory: sessionmaker[Session], flow: Flow[T]) -> T:
    """Run ``flow`` in one unit of work of ``factory``: committed if it returns, rolled back if it raises.

    Raises :class:`DeskUnavailable` when the database fails (logged here, with the cause); any other error of the
    use case passes through unchanged.
    """
    try:
        with unit_of_work(factory) as db_session:
            return flow(db_session=db_session)
    except SQLAlchemyError as exc:
        log.exception("a use case failed in the database; nothing was changed")
        raise DeskUnavailable("the help desk's database is unavailable") from exc
