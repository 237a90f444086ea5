"""How typed answers in the request form are read (actions.answers): choices and "change ..." messages."""

from __future__ import annotations

import pytest

from actions import slots as s
from actions.answers import choice, slot_named_in


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("i put the wrong birthday", s.STUDENT_DOB),
        ("fix the dob", s.STUDENT_DOB),
        ("la fecha esta mal", s.STUDENT_DOB),
        ("me equivoque en el cumple", s.STUDENT_DOB),
        ("change my kid's name", s.STUDENT_NAME),  # "kid" is the student, though "my" is there too
        ("el nombre del niño esta mal", s.STUDENT_NAME),
        ("cambiar el nombre de mi nieta", s.STUDENT_NAME),
        ("who i am to him is wrong", s.RELATIONSHIP),
        ("change my name", s.REQUESTER_NAME),
        ("mi nombre esta mal escrito", s.REQUESTER_NAME),
        ("something is off", None),
    ],
)
def test_a_change_message_names_the_answer_to_change(text: str, slot: str | None) -> None:
    assert slot_named_in(text) == slot


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("quiero darlo", "give"),
        ("lo otorgo", "give"),
        ("i'll give it", "give"),
        ("quiero retirarlo", "withdraw"),
        ("cancel my consent", "withdraw"),
        ("ya no doy permiso", "withdraw"),  # a negated "give" is a withdrawal, never a consent
        ("i don't give permission anymore", "withdraw"),
        ("no autorizo nada", "withdraw"),
        ("no, i give my consent", "give"),  # the "no" answers something else; it does not negate "give"
        ("i don't want to withdraw it", "give"),
    ],
)
def test_giving_or_withdrawing_consent_is_understood_in_both_languages(text: str, value: str) -> None:
    assert choice(s.CONSENT_ACTION, text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("sin nombre por favor", "yes"),
        ("no quiero dar mi nombre", "yes"),  # negated "name": stay anonymous, never attach the name
        ("prefiero no dar mi nombre", "yes"),
        ("i dont want to give my name", "yes"),
        ("i do not want to be anonymous", "no"),
        ("no, use my name", "no"),
    ],
)
def test_staying_anonymous_is_read_with_its_negations(text: str, value: str) -> None:
    assert choice(s.MISUSE_ANONYMOUS, text) == value
