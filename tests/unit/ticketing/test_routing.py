from datetime import date, datetime, timezone

from knowledge.district import Deadline, District
from ticketing.routing import route
from ticketing.tickets.enums import TicketCategory, TicketPriority


def at(y: int, m: int, d: int, hour: int = 15) -> datetime:
    return datetime(y, m, d, hour, tzinfo=timezone.utc)


def test_records_use_the_states_shorter_deadline_in_business_days(district: District) -> None:
    # Illinois: 10 business days. Received Monday 2026-11-23; Thanksgiving (26 Nov) is a legal school holiday.
    routed = route(district, TicketCategory.records, at(2026, 11, 23))
    assert routed.due_on == date(2026, 12, 8)
    assert "105 ILCS 10/5" in routed.due_citation


def test_ferpa_45_calendar_days_without_a_state_deadline(district: District) -> None:
    federal_only = district.model_copy(update={"deadlines": {"federal_records": district.deadlines["federal_records"]}})
    routed = route(federal_only, TicketCategory.records, at(2026, 1, 5))
    assert routed.due_on == date(2026, 2, 19)
    assert routed.due_citation == "34 CFR 99.10(b)"


def test_the_day_counts_in_the_districts_time_zone(district: District) -> None:
    # 03:00 UTC on Tuesday is still Monday evening in Chicago.
    late = route(district, TicketCategory.question, datetime(2027, 3, 2, 3, tzinfo=timezone.utc))
    same_day = route(district, TicketCategory.question, at(2027, 3, 1))
    assert late.due_on == same_day.due_on


def test_school_contact_gets_its_category_and_others_fall_back(district: District) -> None:
    assert route(district, TicketCategory.records, at(2026, 12, 1), "mvhs").assignee_email == (
        "records.mvhs@maplevalley.example.org"
    )
    officer = district.contacts.district_privacy_officer.email
    assert route(district, TicketCategory.complaint, at(2026, 12, 1), "mvhs").assignee_email == officer
    assert route(district, TicketCategory.records, at(2026, 12, 1)).assignee_email == officer


def test_breach_reports_go_to_the_district_officer_as_urgent(district: District) -> None:
    routed = route(district, TicketCategory.misuse, at(2026, 12, 1), "mvhs")
    assert routed.priority is TicketPriority.urgent
    assert routed.assignee_email == district.contacts.district_privacy_officer.email


def test_business_days_skip_weekends(district: District) -> None:
    five = Deadline(days=5, business_days=True, citation="x")
    assert district.add_days(at(2027, 2, 5), five) == date(2027, 2, 12)  # Friday -> next Friday


def test_california_style_five_business_days(district: District) -> None:
    ca = District.model_validate(
        {
            **district.model_dump(),
            "state": "CA",
            "holidays": [],
            "deadlines": {
                **district.model_dump()["deadlines"],
                "records": {"days": 5, "business_days": True, "citation": "Cal. Educ. Code 49069.7"},
            },
        }
    )
    assert route(ca, TicketCategory.records, at(2027, 2, 1)).due_on == date(2027, 2, 8)
