"""A rate limit as the settings write it ("60/minute", "30/hour", "off"), parsed (pure)."""

from __future__ import annotations

from dataclasses import dataclass

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    """At most ``count`` events in any fixed window of ``seconds``."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """``"60/minute"`` -> ``Rate(60, 60)``; ``"off"`` -> None (no limit)."""
        if text.strip().lower() == "off":
            return None
        count, _, period = text.strip().lower().partition("/")
        if period not in PERIODS or not count.isdigit() or int(count) < 1:
            raise ValueError(f"not a rate: {text!r} (write it as 60/minute, 30/hour or off)")
        return cls(int(count), PERIODS[period])
