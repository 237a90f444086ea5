"""Who holds the rights over a student's records (pure): the parents until 18, then the student (34 CFR 99.5)."""

from __future__ import annotations

from datetime import date

ELIGIBLE_AGE = 18


def age_on(born: date, today: date) -> int:
    """Completed years of someone born on ``born`` (a February 29 birthday counts from March 1)."""
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years


def is_eligible_student(born: date, today: date) -> bool:
    """Whether the rights have passed to the student (they are 18 or older today)."""
    return age_on(born, today) >= ELIGIBLE_AGE
