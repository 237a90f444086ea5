"""The limiter: count events against rates and hold leases for open streams, shared by every gateway worker.

Contract (both backends):

- ``hit(checks)`` counts one event against each ``(key, rate)`` and returns the key that is over its rate, with
  how many seconds to wait (the longest, if several are), or None when all are within. Refused events count too,
  so hammering stays refused. Windows are fixed (``now // seconds``): at most twice the rate can pass around a
  window's edge.
- ``once(key, ttl)`` is True the first time ``key`` is seen within ``ttl`` seconds, False after (single-use
  tickets).
- ``acquire(checks, ttl)`` takes one slot under each ``(key, limit)`` for at most ``ttl`` seconds, or returns None
  when any key already has ``limit`` open slots; ``release(lease)`` gives them back. A worker that dies leaves its
  leases to expire.
- ``sweep()`` forgets windows and leases that are over.

:class:`DatabaseLimiter` keeps them in the help desk's database (an atomic upsert per counter, on SQLite and
PostgreSQL); :class:`RedisLimiter` in Redis (``INCR`` and a Lua script), when ``RIGHTSDESK_REDIS_URL`` is set. The
calls are blocking: the gateway makes them from its thread pool. A Redis that cannot be reached lets requests
through (with a warning): the limits protect the desk, they must not take it down.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from channels.limits.models import RateCounter, RateLease
from channels.limits.rates import Rate
from core.db import unit_of_work, utcnow
from core.settings import Settings

log = logging.getLogger(__name__)
MAX_KEY_CHARS = 160


@dataclass(frozen=True)
class Exceeded:
    """The key whose rate was exceeded, and how long until its window ends."""

    key: str
    retry_after: float


@dataclass(frozen=True)
class Lease:
    """Slots held under some keys by one holder."""

    holder: str
    keys: tuple[str, ...]


class Limiter(Protocol):
    """What the edge asks of a limiter (see the module docstring)."""

    def hit(self, checks: Sequence[tuple[str, Rate | None]], now: float | None = None) -> Exceeded | None:
        """Count one event against each rate; the exceeded key and the wait, else None."""

    def once(self, key: str, ttl: float) -> bool:
        """True the first time ``key`` is seen within ``ttl`` seconds."""

    def acquire(self, checks: Sequence[tuple[str, int]], ttl: float) -> Lease | None:
        """One slot under each key, or None when a key is full."""

    def release(self, lease: Lease) -> None:
        """Give the slots back."""

    def sweep(self) -> None:
        """Forget what is over."""


def _key(key: str) -> str:
    return key[:MAX_KEY_CHARS]


def _window(rate: Rate, now: float) -> tuple[int, float]:
    """The window ``now`` falls in, and when it ends (epoch seconds)."""
    index = int(now // rate.seconds)
    return index, float((index + 1) * rate.seconds)


class DatabaseLimiter:
    """Counters and leases in the help desk's database."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    @staticmethod
    def _increment(db_session: Session, key: str, expires_at: datetime) -> int:
        dialect = db_session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(RateCounter)
            .values(key=key, count=1, expires_at=expires_at)
            .on_conflict_do_update(index_elements=[RateCounter.key], set_={"count": RateCounter.count + 1})
            .returning(RateCounter.count)
        )
        return int(db_session.execute(statement).scalar_one())

    def hit(self, checks: Sequence[tuple[str, Rate | None]], now: float | None = None) -> Exceeded | None:
        """Count one event against each rate (one transaction; keys in a fixed order, so no deadlock)."""
        now = time.time() if now is None else now
        counted = sorted(((_key(key), rate) for key, rate in checks if rate is not None), key=lambda c: c[0])
        if not counted:
            return None
        exceeded: Exceeded | None = None
        with unit_of_work(self.session_factory) as db_session:
            for key, rate in counted:
                index, ends = _window(rate, now)
                count = self._increment(
                    db_session, f"{key}|{rate.seconds}|{index}", datetime.fromtimestamp(ends, timezone.utc)
                )
                if count > rate.count and (exceeded is None or ends - now > exceeded.retry_after):
                    exceeded = Exceeded(key, ends - now)
        return exceeded

    def once(self, key: str, ttl: float) -> bool:
        """True the first time ``key`` is counted (a row that lives ``ttl`` seconds)."""
        expires_at = utcnow() + timedelta(seconds=ttl)
        with unit_of_work(self.session_factory) as db_session:
            return self._increment(db_session, "once|" + _key(key), expires_at) == 1

    def acquire(self, checks: Sequence[tuple[str, int]], ttl: float) -> Lease | None:
        """Take a slot under each key unless one is full (close races may let one more through)."""
        now = utcnow()
        keys = tuple(_key(key) for key, _ in checks)
        lease = Lease(secrets.token_hex(16), keys)
        with unit_of_work(self.session_factory) as db_session:
            for key, (_, limit) in zip(keys, checks, strict=True):
                open_slots = db_session.scalar(
                    select(func.count(RateLease.id)).where(RateLease.key == key, RateLease.expires_at > now)
                )
                if (open_slots or 0) >= limit:
                    return None
            for key in keys:
                db_session.add(RateLease(key=key, holder=lease.holder, expires_at=now + timedelta(seconds=ttl)))
        return lease

    def release(self, lease: Lease) -> None:
        """Give the slots back."""
        with unit_of_work(self.session_factory) as db_session:
            db_session.execute(delete(RateLease).where(RateLease.holder == lease.holder))

    def sweep(self) -> None:
        """Delete counters and leases that are over."""
        now = utcnow()
        with unit_of_work(self.session_factory) as db_session:
            db_session.execute(delete(RateCounter).where(RateCounter.expires_at < now))
            db_session.execute(delete(RateLease).where(RateLease.expires_at < now))


# KEYS: the lease sets; ARGV: now, expiry, holder, ttl, then one limit per key. 1 when taken, 0 when a key is full.
_ACQUIRE = """
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  if redis.call('ZCARD', key) >= tonumber(ARGV[4 + i]) then return 0 end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[3])
  redis.call('EXPIRE', key, ARGV[4])
end
return 1
"""


class RedisLimiter:
    """Counters and leases in Redis (keys under ``<prefix>rightsdesk:limit:``, each expiring by itself)."""

    def __init__(self, url: str, prefix: str = "", client: Any = None) -> None:
        import redis

        self.redis: Any = client or redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.prefix = f"{prefix}:rightsdesk:limit:" if prefix else "rightsdesk:limit:"
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)

    def hit(self, checks: Sequence[tuple[str, Rate | None]], now: float | None = None) -> Exceeded | None:
        """Count one event against each rate (``INCR`` and ``EXPIRE`` in one transaction)."""
        now = time.time() if now is None else now
        counted = [(_key(key), rate) for key, rate in checks if rate is not None]
        if not counted:
            return None
        ends: list[float] = []
        try:
            pipe = self.redis.pipeline()
            for key, rate in counted:
                index, end = _window(rate, now)
                name = f"{self.prefix}{key}|{rate.seconds}|{index}"
                pipe.incr(name)
                pipe.expire(name, math.ceil(end - now) + 1)
                ends.append(end)
            results = pipe.execute()
        except self._errors as exc:
            log.warning("rate limits: Redis unavailable (%s); the request is let through", type(exc).__name__)
            return None
        exceeded: Exceeded | None = None
        for (key, rate), count, end in zip(counted, results[::2], ends, strict=True):
            if int(count) > rate.count and (exceeded is None or end - now > exceeded.retry_after):
                exceeded = Exceeded(key, end - now)
        return exceeded

    def once(self, key: str, ttl: float) -> bool:
        """True the first time ``key`` is set (``SET NX EX``)."""
        try:
            return bool(self.redis.set(f"{self.prefix}once|{_key(key)}", 1, nx=True, ex=max(1, int(ttl))))
        except self._errors as exc:
            log.warning("rate limits: Redis unavailable (%s); a ticket is let through", type(exc).__name__)
            return True

    def acquire(self, checks: Sequence[tuple[str, int]], ttl: float) -> Lease | None:
        """Take a slot under each key unless one is full (atomic, in a Lua script)."""
        now = time.time()
        lease = Lease(secrets.token_hex(16), tuple(_key(key) for key, _ in checks))
        names = [self.prefix + "lease|" + key for key in lease.keys]
        try:
            taken = self._acquire(
                keys=names, args=[now, now + ttl, lease.holder, int(ttl) + 1, *(limit for _, limit in checks)]
            )
        except self._errors as exc:
            log.warning("rate limits: Redis unavailable (%s); the stream is let through", type(exc).__name__)
            return lease
        return lease if int(taken) == 1 else None

    def release(self, lease: Lease) -> None:
        """Give the slots back."""
        try:
            pipe = self.redis.pipeline()
            for key in lease.keys:
                pipe.zrem(self.prefix + "lease|" + key, lease.holder)
            pipe.execute()
        except self._errors:
            pass  # the slots expire by themselves

    def sweep(self) -> None:
        """Nothing to do: every Redis key expires by itself."""


def make_limiter(settings: Settings, session_factory: sessionmaker[Session]) -> Limiter:
    """Redis when configured, else the database."""
    if settings.redis_url:
        return RedisLimiter(settings.redis_url, settings.redis_key_prefix or "")
    return DatabaseLimiter(session_factory)
