"""``rightsdesk purge``: every domain destroys what it keeps past its retention period, each audited.

Each domain has one ``purge(...)`` that takes the clock (and ``dry_run``) and returns counts by kind; this module
only calls them in order and writes one audit entry per domain naming what it destroyed (never what it was):

1. ``tickets`` (:mod:`ticketing.retention.service`): closed tickets past ``retention.closed_ticket_days`` and the
   conversations they came from; idle conversations past ``retention.conversation_days`` (messages, and the
   contact kept on them);
2. ``outbox`` (:mod:`outbox.service`): SMS and email that left (or failed) more than
   ``retention.conversation_days`` ago;
3. ``verification`` (:mod:`identity.verification.service`): verification state untouched for a day;
4. ``sign_in`` (:mod:`ticketing.auth.service`): expired console sessions and old failed sign-ins;
5. ``tracker`` (:mod:`channels.tracker_store`): Rasa's events of every conversation destroyed in step 1, and of
   any conversation idle in Rasa that the help desk no longer knows as alive (after step 1 has committed: the
   tracker store is another database).

A dry run reports the same counts and changes nothing, not even the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from channels import tracker_store
from core.db import unit_of_work, utcnow
from core.settings import Settings
from identity.verification import service as verification
from knowledge.district import District
from outbox import service as outbox
from ticketing.audit.service import record as audit
from ticketing.auth import service as sign_in
from ticketing.retention import service as tickets
from ticketing.retention.service import ACTOR, PurgeReport

DOMAINS = ("tickets", "outbox", "verification", "sign_in", "tracker")


@dataclass
class PurgeRun:
    """Counts per domain, and the tickets' own report."""

    dry_run: bool
    tickets: PurgeReport
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The tickets' lines, then one line per other domain."""
        verb = "would destroy" if self.dry_run else "destroyed"
        out = self.tickets.lines()
        for domain in DOMAINS[1:]:
            figures = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in self.counts.get(domain, {}).items())
            out.append(f"{domain.replace('_', '-')}: {verb} {figures or 'nothing'}")
        return out


def _audit(db_session: Session, domain: str, counts: dict[str, int], now: datetime) -> None:
    audit(db_session=db_session, actor=ACTOR, action=f"retention.{domain}_purged", detail=counts, now=now)


def tracker_url(settings: Settings) -> str:
    """The SQLAlchemy URL of Rasa's tracker store for these settings."""
    return tracker_store.database_url(
        settings.tracker_store_url, str((settings.data_dir / "rasa-tracker.db").resolve())
    )


def purge_everything(
    *,
    settings: Settings,
    district: District,
    factory: sessionmaker[Session],
    now: datetime | None = None,
    dry_run: bool = False,
) -> PurgeRun:
    """Run every domain's purge (see the module); returns the counts."""
    from ticketing.console.deps import login_limits

    now = now or utcnow()
    idle_before = now - timedelta(days=district.retention.conversation_days)
    db_session = factory()
    try:
        report = tickets.purge(
            db_session=db_session, district=district, attachments_dir=settings.attachments_dir, now=now, dry_run=dry_run
        )
        run = PurgeRun(dry_run, report, {"tickets": report.counts()})
        run.counts["outbox"] = outbox.purge(db_session=db_session, older_than=idle_before, dry_run=dry_run)
        run.counts["verification"] = verification.purge(db_session=db_session, now=now, dry_run=dry_run)
        run.counts["sign_in"] = sign_in.purge(
            db_session=db_session, limits=login_limits(settings), now=now, dry_run=dry_run
        )
        keep = tickets.live_senders(db_session=db_session, idle_before=idle_before)
        if dry_run:
            db_session.rollback()
        else:
            for domain in DOMAINS[:-1]:
                _audit(db_session, domain, run.counts[domain], now)
            db_session.commit()
    except BaseException:
        db_session.rollback()
        raise
    finally:
        db_session.close()
    run.counts["tracker"] = tracker_store.purge(
        tracker_url=tracker_url(settings),
        senders=report.senders,
        keep=keep - report.senders,
        idle_before=idle_before,
        dry_run=dry_run,
    )
    if not dry_run:
        with unit_of_work(factory) as audit_session:
            _audit(audit_session, "tracker", run.counts["tracker"], now)
    return run
