import pytest

from ticketing.tickets.enums import TicketStatus as S
from ticketing.tickets.state import TRANSITIONS, IllegalTransition, check_transition


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
