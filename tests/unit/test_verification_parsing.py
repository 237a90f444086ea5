"""Names and dates the way families type them (pure)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from identity.names import looks_like_full_name, name_matches
from identity.verification.dates import parse_date

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("typed", "lang", "expected"),
    [
        ("4/17/2010", "en", date(2010, 4, 17)),
        ("04-17-2010", "en", date(2010, 4, 17)),
        ("4/17/10", "en", date(2010, 4, 17)),
        ("2010-04-17", "es", date(2010, 4, 17)),
        ("April 17 2010", "en", date(2010, 4, 17)),
        ("april 17th, 2010", "en", date(2010, 4, 17)),
        ("Apr. 17, 2010", "en", date(2010, 4, 17)),
        ("17 April 2010", "en", date(2010, 4, 17)),
        ("he was born on April 17, 2010", "en", date(2010, 4, 17)),
        ("17/04/2010", "es", date(2010, 4, 17)),
        ("17.4.2010", "es", date(2010, 4, 17)),
        ("17 de abril de 2010", "es", date(2010, 4, 17)),
        ("17 de Abril del 2010", "es", date(2010, 4, 17)),
        ("abril 17 de 2010", "es", date(2010, 4, 17)),
        ("nació el 17 de abril de 2010", "es", date(2010, 4, 17)),
        ("1ro de septiembre de 2012", "es", date(2012, 9, 1)),
        ("primero de setiembre 2012", "es", date(2012, 9, 1)),
        ("17 DE ABRIL DE 2010", "es", date(2010, 4, 17)),
        # Day and month both 12 or less: English reads month first, Spanish day first.
        ("4/5/2010", "en", date(2010, 4, 5)),
        ("4/5/2010", "es", date(2010, 5, 4)),
        # One number over 12 can only be the day, whatever the language.
        ("17/04/2010", "en", date(2010, 4, 17)),
        ("4/17/2010", "es", date(2010, 4, 17)),
    ],
)
def test_dates_are_read_as_written(typed: str, lang: str, expected: date) -> None:
    assert parse_date(typed, lang, TODAY) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "April 2010",
        "17 April",
        "31/02/2010",
        "4/17/2030",
        "13/13/2010",
        "cancel",
        "",
        "4/17/2010 or 4/18/2010",
        "1/1/1890",
    ],
)
def test_what_is_not_one_real_past_date_is_not_a_date(typed: str) -> None:
    assert parse_date(typed, "en", TODAY) is None


@pytest.mark.parametrize(
    ("typed", "given", "family", "middle"),
    [
        ("Mateo García-López", "Mateo", "García-López", ""),
        ("mateo garcia lopez", "Mateo", "García-López", ""),
        ("MATEO GARCÍA", "Mateo", "García-López", ""),
        ("García López, Mateo", "Mateo", "García-López", ""),
        ("Ana María López Rivera", "Ana", "López Rivera", "María"),
        ("Ana Lopez", "Ana", "López Rivera", "María"),
        ("Maria Lopez", "Ana", "López Rivera", "María"),
        ("Juan de la Cruz", "Juan", "De La Cruz", ""),
        ("Juan Cruz", "Juan", "de la Cruz", ""),
        ("Sean O'Brien", "Seán", "O’Brien", ""),
        ("Nuñez Peña Iñaki", "Iñaki", "Núñez Peña", ""),
    ],
)
def test_names_match_across_case_accents_hyphens_and_compound_surnames(
    typed: str, given: str, family: str, middle: str
) -> None:
    assert name_matches(typed, given, family, middle)


@pytest.mark.parametrize(
    ("typed", "given", "family"),
    [
        ("Mateo", "Mateo", "García-López"),  # a given name alone
        ("García López", "Mateo", "García-López"),  # surnames alone
        ("Mateo Pérez", "Mateo", "García-López"),
        ("Mateo García Pérez", "Mateo", "García-López"),  # a word that is not theirs
        ("Matteo García", "Mateo", "García-López"),
    ],
)
def test_names_that_are_not_the_persons_do_not_match(typed: str, given: str, family: str) -> None:
    assert not name_matches(typed, given, family)


NAME_PROMPTS = ("utter_ask_requester_name", "utter_ask_student_name", "utter_name_not_understood")


@pytest.mark.parametrize("response", NAME_PROMPTS)
def test_the_name_prompts_ask_for_a_name_as_the_school_has_it_not_a_full_name(response: str) -> None:
    # Review E19: "nombre completo" / "full name" leads a parent to type every given name and both surnames, and
    # a word the roster lacks fails the match above without a word to the family.
    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot/domain/requests.yml").read_text("utf-8"))
    variants = domain["responses"][response]
    assert {"es", None} <= {
        next((c["value"] for c in v.get("condition", []) if c["name"] == "language"), None) for v in variants
    }
    for variant in variants:
        words = variant["text"].lower()
        assert "full name" not in words and "nombre completo" not in words
        assert ("first" in words and "last name" in words) or ("nombre y" in words and "apellido" in words)
        if response != "utter_name_not_understood":
            assert "as the school has them" in words or "tal como los tiene la escuela" in words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ana López", True),
        ("José Luis Ramírez-Ortega", True),
        ("Ana", False),
        ("what is ferpa?", False),
        ("ana 123", False),
        ("", False),
    ],
)
def test_what_looks_like_a_full_name(text: str, expected: bool) -> None:
    assert looks_like_full_name(text) is expected


def test_a_numeric_date_that_reads_two_ways_gives_both_month_first() -> None:
    from datetime import date

    from identity.verification.dates import date_readings

    today = date(2026, 12, 7)
    assert date_readings("12/11/2016", "es", today) == [date(2016, 12, 11), date(2016, 11, 12)]
    assert date_readings("12/11/2016", "en", today) == [date(2016, 12, 11), date(2016, 11, 12)]
    assert date_readings("13/11/2016", "es", today) == [date(2016, 11, 13)]
    assert date_readings("5/5/2016", "en", today) == [date(2016, 5, 5)]
    assert date_readings("11 de diciembre de 2016", "es", today) == [date(2016, 12, 11)]
    assert date_readings("2016-12-11", "en", today) == [date(2016, 12, 11)]
