"""The allowed status transitions of a ticket (pure; the service enforces it)."""

from __future__ import annotations

from ticketing.tickets.enums import TicketStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.new: frozenset({S.acknowledged, S.in_progress, S.waiting_on_family, S.resolved, S.rejected}),
    S.acknowledged: frozenset({S.in_progress, S.waiting_on_family, S.resolved, S.rejected}),
    S.in_progress: frozenset({S.waiting_on_family, S.resolved, S.rejected}),
    S.waiting_on_family: frozenset({S.in_progress, S.resolved, S.rejected}),
    S.resolved: frozenset({S.closed, S.in_progress}),
    S.closed: frozenset({S.in_progress}),
    S.rejected: frozenset({S.in_progress}),
}


class IllegalTransition(ValueError):
    """A status change the state machine does not allow."""


def check_transition(current: S, new: S) -> None:
    """Raise ``IllegalTransition`` unless ``current -> new`` is allowed."""
    if new not in TRANSITIONS[current]:
        raise IllegalTransition(f"a ticket cannot go from {current.value} to {new.value}")
