"""RFC 6238 TOTP implemented with hmac/hashlib: the RFC's own test vectors, the drift window, the enrolment URI."""

import base64
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlparse

import pytest

from ticketing.auth import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"),
     (2000000000, "69279037"), (20000000000, "65353130")],
)  # fmt: skip
def test_rfc6238_appendix_b_sha1_vectors(unix_time: int, expected: str) -> None:
    assert totp.totp(RFC_SECRET, unix_time, digits=8) == expected


def test_rfc4226_hotp_vectors() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(b"12345678901234567890", counter) for counter in range(10)] == expected


def test_a_code_is_accepted_within_one_step_of_drift_and_not_beyond() -> None:
    secret = totp.new_secret()
    now = datetime(2026, 12, 1, 15, 0, 10, tzinfo=timezone.utc)
    step = totp.time_step(now)
    assert totp.matching_step(secret, totp.hotp(totp._key(secret), step), now) == step
    assert totp.matching_step(secret, totp.hotp(totp._key(secret), step - 1), now) == step - 1
    assert totp.matching_step(secret, totp.hotp(totp._key(secret), step + 1), now) == step + 1
    assert totp.matching_step(secret, totp.hotp(totp._key(secret), step - 2), now) is None
    assert totp.matching_step(secret, "12345", now) is None
    assert totp.matching_step(secret, "abcdef", now) is None


def test_codes_with_a_space_are_accepted() -> None:
    secret = totp.new_secret()
    now = datetime(2026, 12, 1, 15, 0, 10, tzinfo=timezone.utc)
    code = totp.totp(secret, now)
    assert totp.matching_step(secret, f"{code[:3]} {code[3:]}", now) == totp.time_step(now)


def test_secrets_are_160_bit_base32_and_the_uri_is_what_apps_expect() -> None:
    secret = totp.new_secret()
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    uri = totp.provisioning_uri(secret, "dana@maplevalley.example.org", "Family Data Rights Desk")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert parsed.path == "/Family%20Data%20Rights%20Desk:dana@maplevalley.example.org"
    query = parse_qs(parsed.query)
    assert query["secret"] == [secret] and query["digits"] == ["6"] and query["period"] == ["30"]
    assert query["issuer"] == ["Family Data Rights Desk"] and query["algorithm"] == ["SHA1"]
    assert totp.new_secret() != secret
