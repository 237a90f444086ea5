"""Dashboard figures, computed over the tickets an officer may see (purged tickets still count).

- *time to resolve*: from opening to the (latest) answer — resolved or rejected — in days;
- *answered on time*: answered on or before the due date, in the district's time zone, as a share of answered
  tickets;
- bar charts are plain data (label, value, bar length) that the template draws as inline SVG.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.district import District
from ticketing.family.messages import category_label
from ticketing.officers.models import Officer
from ticketing.tickets.enums import TicketCategory, TicketStatus
from ticketing.tickets.models import Ticket
from ticketing.tickets.scope import visible_to
from ticketing.tickets.state import AWAITING_ANSWER

PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}
BAR_MAX = 300.0


@dataclass(frozen=True)
class Bar:
    """One bar of a chart."""

    key: str
    label: str
    value: int
    length: float


@dataclass
class Dashboard:
    """Everything the dashboard shows."""

    total: int = 0
    open: int = 0
    overdue: int = 0
    answered: int = 0
    answered_on_time: int = 0
    median_days_to_resolve: float | None = None
    by_category: list[Bar] = field(default_factory=list)
    by_status: list[Bar] = field(default_factory=list)

    @property
    def on_time_share(self) -> float | None:
        """Answered on time / answered (None when nothing was answered yet)."""
        return self.answered_on_time / self.answered if self.answered else None


def _bars(counts: dict[str, int], labels: dict[str, str]) -> list[Bar]:
    top = max(counts.values(), default=0) or 1
    return [Bar(key, labels[key], value, round(BAR_MAX * value / top, 1)) for key, value in counts.items()]


def dashboard(
    *, db_session: Session, officer: Officer, district: District, today: date, period: str = "all"
) -> Dashboard:
    """The dashboard for ``officer`` over tickets opened in ``period`` (days, or ``all``)."""
    stmt = select(Ticket.category, Ticket.status, Ticket.created_at, Ticket.resolved_at, Ticket.due_on).where(
        visible_to(officer)
    )
    days = PERIODS.get(period)
    if days is not None:
        since = datetime.combine(today - timedelta(days=days), datetime.min.time(), ZoneInfo(district.timezone))
        stmt = stmt.where(Ticket.created_at >= since)
    rows = db_session.execute(stmt).all()
    zone = ZoneInfo(district.timezone)
    result = Dashboard(total=len(rows))
    by_category = {c.value: 0 for c in TicketCategory}
    by_status = {s.value: 0 for s in TicketStatus}
    durations: list[float] = []
    for category, status, created_at, resolved_at, due_on in rows:
        by_category[category.value] += 1
        by_status[status.value] += 1
        if status in AWAITING_ANSWER:
            result.open += 1
            if due_on < today:
                result.overdue += 1
        if resolved_at is not None:
            result.answered += 1
            durations.append((resolved_at - created_at).total_seconds() / 86400)
            if resolved_at.astimezone(zone).date() <= due_on:
                result.answered_on_time += 1
    if durations:
        result.median_days_to_resolve = round(statistics.median(durations), 1)
    result.by_category = _bars(by_category, {c.value: category_label(c, "en") for c in TicketCategory})
    result.by_status = _bars(by_status, {s.value: s.value.replace("_", " ") for s in TicketStatus})
    return result
