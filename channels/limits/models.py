"""Tables of the database limiter: fixed-window counters and leases for open event streams.

Both are scratch state: every row carries the time after which it means nothing, and the gateway sweeps them.
Keys name a limit and whom it counts (``chat:address:203.0.113.7``), never a message or a phone number (phone
numbers are keyed hashes).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime


class RateCounter(Base):
    """How many events one key had in one window."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class RateLease(Base):
    """One open event stream counted against a key (released when the stream ends, or expiring)."""

    __tablename__ = "rate_leases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    holder: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
