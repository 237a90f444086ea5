"""District files are checked against the law of their state (knowledge/state_law.yml)."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from knowledge.state_law import check_district, easter_sunday, load_state_law, nth_weekday
from knowledge.validate import validate
from rightsdesk.cli import main
from tests.unit.knowledge.kb_fixtures import district, district_data, write_district


def deadline(days: int, business: bool, citation: str = "district policy") -> dict[str, Any]:
    return {"days": days, "business_days": business, "citation": citation}


def with_deadlines(state: str = "IL", **deadlines: dict[str, Any] | None) -> dict[str, Any]:
    merged = {**district_data()["deadlines"], **deadlines}
    return {"state": state, "deadlines": {k: v for k, v in merged.items() if v is not None}}


def check(**changes: Any) -> tuple[str, str]:
    found = check_district(district(**changes), "test.yml")
    return "\n".join(found.errors), "\n".join(found.warnings)


def test_the_fixture_district_keeps_illinois_law() -> None:
    assert check() == ("", "")


def test_the_shipped_rules_cover_access_correction_and_breach_for_five_states() -> None:
    law = load_state_law()
    assert set(law.states) >= {"IL", "CA", "NY", "CT", "CO"}
    for rules in law.states.values():
        for legal in (rules.access, rules.correction, rules.breach_notice):
            assert legal.citation and legal.url.startswith("https://")
            assert legal.days is not None or legal.note, "a rule without a number says what applies instead"


def test_a_correction_deadline_longer_than_the_illinois_conference_is_an_error() -> None:
    errors, _ = check(**with_deadlines(correction=deadline(30, False)))
    assert "deadlines.correction is 30 calendar days, longer than Illinois allows" in errors
    assert "15 school days (23 Ill. Adm. Code 375.90(c)(1))" in errors
    assert check(**with_deadlines(correction=deadline(15, True)))[0] == ""


def test_a_records_deadline_longer_than_the_states_is_an_error_with_the_citation() -> None:
    errors, _ = check(**with_deadlines(records=deadline(15, True)))
    assert (
        "deadlines.records is 15 business days, longer than Illinois allows: 10 business days (105 ILCS 10/5(c))"
        in (errors)
    )


def test_calendar_days_against_business_days_compare_by_the_earliest_legal_date() -> None:
    # 10 business days end 12 calendar days after a request received on a Sunday (no holidays): the earliest.
    assert "longer than Illinois allows" in check(**with_deadlines(records=deadline(13, False)))[0]
    assert check(**with_deadlines(records=deadline(12, False)))[0] == ""


def test_without_a_state_deadline_ferpas_45_days_would_break_californias_five() -> None:
    errors, _ = check(**with_deadlines(state="CA", records=None, correction=None, breach_notice=None))
    assert "deadlines.federal_records (no deadlines.records) is 45 calendar days, longer than California allows" in (
        errors
    )
    assert "Cal. Educ. Code 49069.7" in errors


def test_ferpas_own_maximum_applies_everywhere() -> None:
    errors, _ = check(**with_deadlines(state="CT", federal_records=deadline(60, False), records=None))
    assert "deadlines.federal_records is 60 calendar days, longer than FERPA allows: 45 calendar days" in errors


def test_breach_notice_deadlines_of_each_state() -> None:
    assert (
        "longer than Illinois allows: 30 calendar days (105 ILCS 85/27)"
        in (check(**with_deadlines(breach_notice=deadline(45, False)))[0])
    )
    assert "Conn. Gen. Stat. 10-234dd" in check(**with_deadlines(state="CT", breach_notice=deadline(3, True)))[0]
    assert check(**with_deadlines(state="NY", records=deadline(45, False), breach_notice=deadline(60, False)))[0] == ""
    assert (
        check(**with_deadlines(state="CO", records=None, correction=None, breach_notice=deadline(30, False)))[0] == ""
    )
    _, warnings = check(**with_deadlines(breach_notice=None))
    assert "no deadlines.breach_notice; Illinois requires notice within 30 calendar days" in warnings


def test_a_holiday_on_a_weekend_or_listed_twice_is_an_error() -> None:
    errors, _ = check(holidays=["2027-07-04", "2026-11-26", "2026-11-26"])  # July 4, 2027 is a Sunday
    assert "holiday 2027-07-04 is a Sunday" in errors
    assert "holiday 2026-11-26 is listed twice" in errors


def test_a_holiday_that_is_not_a_legal_school_holiday_is_flagged() -> None:
    errors, warnings = check(holidays=["2026-11-27", "2027-07-05", "2027-03-26"])
    assert errors == ""
    assert "holiday 2026-11-27 is not a legal school holiday in Illinois (105 ILCS 5/24-2)" in warnings
    assert "2027-07-05" not in warnings  # Independence Day, observed on Monday
    assert "2027-03-26" not in warnings  # Good Friday


def test_directory_categories_outside_the_illinois_list_or_forbidden_are_errors() -> None:
    categories = {
        "en": ["student name", "school attended", "student ID number", "photos in the yearbook"],
        "es": ["nombre", "escuela", "número de estudiante", "fotos del anuario"],
    }
    errors, _ = check(directory_information={**district_data()["directory_information"], "categories": categories})
    assert "'school attended' is not on the list Illinois allows (23 Ill. Adm. Code 375.80)" in errors
    assert "'student ID number' is a student ID number or other unique student identifier" in errors
    assert "'student name'" not in errors and "photos" not in errors


def test_california_has_its_own_closed_list_and_ferpa_forbids_social_security_numbers() -> None:
    categories = {"en": ["name", "grade level"], "es": ["nombre", "grado"]}
    errors, _ = check(
        state="CA", directory_information={**district_data()["directory_information"], "categories": categories}
    )
    assert "'grade level' is not on the list California allows" in errors
    categories = {"en": ["name", "Social Security number"], "es": ["nombre", "número de Seguro Social"]}
    errors, _ = check(
        state="NY", directory_information={**district_data()["directory_information"], "categories": categories}
    )
    assert "'Social Security number' is a Social Security number" in errors and "34 CFR 99.3" in errors


def test_a_directory_category_missing_in_spanish_is_an_error() -> None:
    categories = {"en": ["student name", "grade level"], "es": ["nombre del estudiante"]}
    errors, _ = check(directory_information={**district_data()["directory_information"], "categories": categories})
    assert "2 English and 1 Spanish entries" in errors


def test_a_state_without_rules_is_checked_against_ferpa_only() -> None:
    _, warnings = check(state="TX")
    assert "no rules for state 'TX'" in warnings


def test_validate_checks_every_district_file_it_is_given(tmp_path: Path) -> None:
    good = write_district(tmp_path / "good.yml")
    bad = write_district(tmp_path / "bad.yml", **with_deadlines(correction=deadline(30, False)))
    report = validate(district_files=[good, bad])
    assert [path for path, _ in report.districts] == [good, bad]
    assert any(e.startswith(f"{bad}: deadlines.correction") for e in report.errors)
    assert not any(str(good) in e for e in report.errors)


def test_holiday_rules() -> None:
    assert easter_sunday(2027) == date(2027, 3, 28)
    assert nth_weekday(2026, 11, 3, 4) == date(2026, 11, 26)  # Thanksgiving
    assert nth_weekday(2027, 5, 0, -1) == date(2027, 5, 31)  # Memorial Day


def test_kb_validate_also_checks_the_configured_district_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configured = write_district(tmp_path / "ours.yml", **with_deadlines(records=deadline(20, True)))
    monkeypatch.setenv("RIGHTSDESK_DISTRICT_FILE", str(configured))
    assert main(["kb", "validate"]) == 1
    err = capsys.readouterr().err
    assert f"{configured}: deadlines.records is 20 business days, longer than Illinois allows" in err
