"""The verification policy (pure): code lifetime, tries, lockout and resend limits, as one frozen object.

Every decision takes ``now`` from the caller, so tests move the clock instead of waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_DIGITS = 6


@dataclass(frozen=True)
class VerificationPolicy:
    """How codes behave (DESIGN.md, "Security and privacy rules")."""

    # A code is good for this long after it was asked for.
    code_ttl: timedelta = timedelta(minutes=10)
    # Wrong tries before the conversation (and the person the code went to) is locked out.
    max_wrong_tries: int = 5
    lockout: timedelta = timedelta(minutes=30)
    # Codes per person, and code requests per conversation, in any rolling hour.
    max_codes_per_hour: int = 3
    window: timedelta = timedelta(hours=1)
    # How long a verified conversation may open requests and see their status without verifying again.
    verified_for: timedelta = timedelta(hours=1)
    # How long the gateway holds a typed date of birth or code for the action server, and waits for one.
    held_for: timedelta = timedelta(minutes=10)
    awaiting_for: timedelta = timedelta(minutes=30)
    # Retention: verification state untouched this long is deleted by ``rightsdesk purge``. A day is plenty (a
    # verification lasts an hour, a lockout half an hour, the code limits an hour).
    keep_state: timedelta = timedelta(days=1)
    # Details that match and details that do not take the same time (review F13): the work after a date of birth
    # is padded to the next multiple of this (a match sends a code: more queries, a decryption, two inserts).
    even_work: timedelta = timedelta(milliseconds=100)

    def recent(self, times: Iterable[datetime], now: datetime) -> list[datetime]:
        """The ``times`` inside the rolling window ending ``now``."""
        return sorted(t for t in times if now - self.window < t <= now)

    def may_request(self, times: Iterable[datetime], now: datetime) -> bool:
        """Whether one more code may be asked for, given the earlier requests' ``times``."""
        return len(self.recent(times, now)) < self.max_codes_per_hour

    def next_request_at(self, times: Iterable[datetime], now: datetime) -> datetime:
        """When the oldest request in the window leaves it (a new request is possible then)."""
        recent = self.recent(times, now)
        return recent[0] + self.window if len(recent) >= self.max_codes_per_hour else now

    def expired(self, requested_at: datetime | None, now: datetime) -> bool:
        """Whether a code asked for at ``requested_at`` can no longer be used."""
        return requested_at is None or now >= requested_at + self.code_ttl

    def locked(self, locked_until: datetime | None, now: datetime) -> bool:
        """Whether a lockout ending ``locked_until`` is still on."""
        return locked_until is not None and now < locked_until


DEFAULT_POLICY = VerificationPolicy()
