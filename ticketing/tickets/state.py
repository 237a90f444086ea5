"""The allowed status transitions of a ticket (pure; the service enforces it).

A ticket is *answered* once it is resolved or rejected; it is *terminal* once closed or rejected (retention counts
from then). Going back to ``in_progress`` from resolved, closed or rejected is a *reopen*. A rejection always
carries a reason, which the family is told.
"""

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

ANSWERED = frozenset({S.resolved, S.rejected})
TERMINAL = frozenset({S.closed, S.rejected})
OPEN = frozenset(set(S) - TERMINAL)
# Open and still waiting for the district's answer: these have a running deadline.
AWAITING_ANSWER = frozenset({S.new, S.acknowledged, S.in_progress, S.waiting_on_family})
REOPENABLE = frozenset({S.resolved, S.closed, S.rejected})
REJECTION_REASON_MAX = 1000


class IllegalTransition(ValueError):
    """A status change the state machine does not allow."""


def check_transition(current: S, new: S, reason: str = "") -> None:
    """Raise ``IllegalTransition`` unless ``current -> new`` is allowed (a rejection needs a reason)."""
    if new not in TRANSITIONS[current]:
        raise IllegalTransition(f"a ticket cannot go from {current.value} to {new.value}")
    if new is S.rejected and not reason.strip():
        raise IllegalTransition("a rejection needs a reason the family will be told")
    if len(reason) > REJECTION_REASON_MAX:
        raise IllegalTransition(f"the reason is longer than {REJECTION_REASON_MAX} characters")


def is_reopen(current: S, new: S) -> bool:
    """Whether ``current -> new`` reopens an answered or finished ticket."""
    return current in REOPENABLE and new is S.in_progress


def next_statuses(current: S) -> list[S]:
    """The statuses ``current`` may move to, in the order of the enum (for forms)."""
    return [s for s in S if s in TRANSITIONS[current]]
