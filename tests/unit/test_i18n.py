"""The bilingual toolkit (core.i18n): one language type, one way to write a date, one fold."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from core.i18n import (
    MONTH_WORDS,
    as_language,
    day_in_words,
    fold,
    local_time,
    long_date,
    month_name,
    other_language,
)

FRIDAY = date(2026, 12, 4)


@pytest.mark.parametrize(("value", "expected"), [("es", "es"), ("en", "en"), (None, "en"), ("fr", "en"), ("ES", "en")])
def test_anything_but_es_is_english(value: object, expected: str) -> None:
    assert as_language(value) == expected


def test_the_other_language_is_the_toggle() -> None:
    assert other_language("en") == "es" and other_language("es") == "en" and other_language(None) == "es"


def test_one_long_date_in_each_language() -> None:
    # The glossary's form: no comma after the Spanish weekday.
    assert long_date(FRIDAY, "es") == "viernes 4 de diciembre de 2026"
    assert long_date(FRIDAY, "en") == "Friday, December 4, 2026"
    assert long_date(date(2027, 3, 3), "es") == "miércoles 3 de marzo de 2027"


def test_a_day_without_its_weekday_and_a_month_name() -> None:
    assert day_in_words(date(2026, 11, 28), "es") == "28 de noviembre de 2026"
    assert day_in_words(date(2026, 11, 28), "en") == "November 28, 2026"
    assert month_name(FRIDAY, "es") == "diciembre" and month_name(FRIDAY, "en") == "December"


def test_times_are_on_the_12_hour_clock_in_the_district_zone() -> None:
    afternoon = datetime(2026, 12, 4, 21, 45, tzinfo=timezone.utc)  # 3:45 PM in Chicago
    assert local_time(afternoon, "es", "America/Chicago") == "3:45 p. m."
    assert local_time(afternoon, "en", "America/Chicago") == "3:45 PM"
    assert local_time(datetime(2026, 12, 4, 18, 0, tzinfo=timezone.utc), "en", "America/Chicago") == "12:00 PM"
    assert local_time(None, "en", "America/Chicago") == ""


def test_month_words_cover_both_languages_and_abbreviations() -> None:
    assert MONTH_WORDS["abril"] == MONTH_WORDS["april"] == MONTH_WORDS["apr"] == MONTH_WORDS["abr"] == 4
    assert MONTH_WORDS["setiembre"] == MONTH_WORDS["sept"] == 9 and MONTH_WORDS["mayo"] == MONTH_WORDS["may"] == 5
    assert len(set(MONTH_WORDS.values())) == 12


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Niño", "nino"), ("QUÉ", "que"), ("don’t", "don't"), ("Ñandú", "nandu"), ("plain ascii", "plain ascii")],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded
