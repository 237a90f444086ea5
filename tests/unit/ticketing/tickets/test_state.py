"""The ticket state machine: every status has its row, allowed and illegal moves, reopen, rejection with a reason,
what a form may offer."""

import pytest

from ticketing.tickets.enums import TicketStatus as S
from ticketing.tickets.state import (
    ANSWERED,
    AWAITING_ANSWER,
    TERMINAL,
    TRANSITIONS,
    IllegalTransition,
    check_transition,
    is_reopen,
    next_statuses,
)


def test_a_rejection_needs_a_reason() -> None:
    with pytest.raises(IllegalTransition, match="reason"):
        check_transition(S.in_progress, S.rejected)
    with pytest.raises(IllegalTransition, match="reason"):
        check_transition(S.in_progress, S.rejected, "   ")
    check_transition(S.in_progress, S.rejected, "We do not hold records for this student.")


def test_an_overlong_reason_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="longer"):
        check_transition(S.new, S.rejected, "x" * 1001)


@pytest.mark.parametrize("current", [S.resolved, S.closed, S.rejected])
def test_answered_or_finished_tickets_reopen_to_in_progress(current: S) -> None:
    check_transition(current, S.in_progress)
    assert is_reopen(current, S.in_progress)


def test_moving_forward_is_not_a_reopen() -> None:
    assert not is_reopen(S.new, S.in_progress)
    assert not is_reopen(S.waiting_on_family, S.in_progress)


def test_nothing_leaves_closed_except_a_reopen_and_nothing_skips_to_closed() -> None:
    assert TRANSITIONS[S.closed] == {S.in_progress}
    assert all(S.closed not in TRANSITIONS[s] for s in S if s is not S.resolved)


def test_status_groups() -> None:
    assert ANSWERED == {S.resolved, S.rejected}
    assert TERMINAL == {S.closed, S.rejected}
    assert S.resolved not in AWAITING_ANSWER and S.waiting_on_family in AWAITING_ANSWER


def test_next_statuses_are_the_allowed_ones_in_enum_order() -> None:
    assert next_statuses(S.new) == [S.acknowledged, S.in_progress, S.waiting_on_family, S.resolved, S.rejected]
    assert next_statuses(S.resolved) == [S.in_progress, S.closed]


def test_every_status_has_a_row() -> None:
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize(
    ("current", "new"), [(S.new, S.acknowledged), (S.resolved, S.closed), (S.closed, S.in_progress)]
)
def test_allowed(current: S, new: S) -> None:
    check_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"), [(S.new, S.closed), (S.closed, S.resolved), (S.rejected, S.closed), (S.new, S.new)]
)
def test_illegal_transitions_raise(current: S, new: S) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(current, new)
