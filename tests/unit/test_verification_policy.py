"""The verification policy and eligibility (pure), with an injected clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from core.secrets import Vault
from identity.roster.eligibility import age_on, is_eligible_student
from identity.verification.policy import DEFAULT_POLICY, VerificationPolicy

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


def test_the_defaults_are_the_design_rules() -> None:
    p = DEFAULT_POLICY
    assert p.code_ttl == timedelta(minutes=10)
    assert (p.max_wrong_tries, p.lockout) == (5, timedelta(minutes=30))
    assert (p.max_codes_per_hour, p.window) == (3, timedelta(hours=1))


def test_a_code_is_good_for_ten_minutes() -> None:
    asked = NOW
    assert not DEFAULT_POLICY.expired(asked, NOW + timedelta(minutes=9, seconds=59))
    assert DEFAULT_POLICY.expired(asked, NOW + timedelta(minutes=10))
    assert DEFAULT_POLICY.expired(None, NOW)


def test_a_lockout_lasts_until_its_end() -> None:
    until = NOW + DEFAULT_POLICY.lockout
    assert DEFAULT_POLICY.locked(until, NOW + timedelta(minutes=29))
    assert not DEFAULT_POLICY.locked(until, until)
    assert not DEFAULT_POLICY.locked(None, NOW)


def test_three_requests_in_a_rolling_hour() -> None:
    times = [NOW - timedelta(minutes=50), NOW - timedelta(minutes=20), NOW - timedelta(minutes=1)]
    assert not DEFAULT_POLICY.may_request(times, NOW)
    assert DEFAULT_POLICY.next_request_at(times, NOW) == NOW + timedelta(minutes=10)
    assert DEFAULT_POLICY.may_request(times, NOW + timedelta(minutes=10))
    assert DEFAULT_POLICY.may_request(times[:2], NOW)
    assert DEFAULT_POLICY.next_request_at(times[:2], NOW) == NOW
    assert VerificationPolicy(max_codes_per_hour=1).may_request([], NOW)


def test_at_18_the_rights_are_the_students() -> None:
    born = date(2008, 11, 29)
    assert age_on(born, date(2026, 11, 28)) == 17 and not is_eligible_student(born, date(2026, 11, 28))
    assert is_eligible_student(born, date(2026, 11, 29))
    leap = date(2008, 2, 29)
    assert not is_eligible_student(leap, date(2026, 2, 28))
    assert is_eligible_student(leap, date(2026, 3, 1))


def test_sealed_values_open_only_with_the_same_key_and_purpose() -> None:
    vault = Vault.from_secret("k" * 40)
    token = vault.seal("+15550100121", "sms")
    assert "5550100121" not in token and token != vault.seal("+15550100121", "sms")
    assert vault.open(token, "sms") == "+15550100121"
    for other_vault, purpose in ((vault, "email"), (Vault.from_secret("j" * 40), "sms")):
        try:
            other_vault.open(token, purpose)
        except ValueError:
            continue
        raise AssertionError("opened with the wrong key or purpose")
    assert vault.lookup_hash("2010-04-17", "birth date") == vault.lookup_hash("2010-04-17", "birth date")
    assert vault.code_hash("123456", "a") != vault.code_hash("123456", "b")
