"""``rightsdesk purge``: every domain destroys what it keeps past its retention period, each audited.

What the desk keeps, and for how long, is answered here. Each domain has one
``purge(*, db_session, now, policy, dry_run)`` that returns counts by kind; this module only calls them in order,
each with its own policy, in one transaction, and writes one audit entry per domain naming what it destroyed
(never what it was):

1. ``tickets`` (:mod:`ticketing.retention.service`): closed tickets past ``retention.closed_ticket_days``
   (their text, files and links); it names the conversations no live ticket needs any more;
2. ``conversations`` (:func:`conversations.service.purge`): the messages of those conversations, and of any
   conversation idle past ``retention.conversation_days`` that no live ticket needs (with the contact kept on it);
3. ``outbox`` (:func:`outbox.service.purge`): SMS and email that left (or failed) more than
   ``retention.conversation_days`` ago;
4. ``verification`` (:func:`identity.verification.service.purge`): verification state untouched for a day;
5. ``sign_in`` (:func:`ticketing.auth.service.purge`): expired console sessions and old failed sign-ins;
6. ``tracker`` (:mod:`channels.tracker_store`): Rasa's events of every conversation destroyed in step 2, and of
   any conversation idle in Rasa that the help desk no longer knows as alive (after steps 1-5 have committed:
   the tracker store is another database).

A dry run reports the same counts and changes nothing, not even the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from channels import tracker_store
from conversations import service as conversations
from core.db import unit_of_work, utcnow
from core.settings import Settings
from identity.verification import service as verification
from identity.verification.policy import DEFAULT_POLICY
from knowledge.district import District
from outbox import service as outbox
from ticketing.audit.service import record as audit
from ticketing.auth import service as sign_in
from ticketing.retention import service as tickets
from ticketing.retention.service import ACTOR, PurgeReport

DOMAINS = ("tickets", "conversations", "outbox", "verification", "sign_in", "tracker")


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
    periods = district.retention
    idle_before = now - timedelta(days=periods.conversation_days)
    with factory() as db_session:
        try:
            report = tickets.purge(
                db_session=db_session,
                now=now,
                policy=periods,
                dry_run=dry_run,
                attachments_dir=settings.attachments_dir,
            )
            gone = conversations.purge(
                db_session=db_session, now=now, policy=periods, dry_run=dry_run, ended=report.ended
            )
            run = PurgeRun(dry_run, report, {"tickets": report.counts(), "conversations": gone.counts()})
            run.counts["outbox"] = outbox.purge(db_session=db_session, now=now, policy=periods, dry_run=dry_run)
            run.counts["verification"] = verification.purge(
                db_session=db_session, now=now, policy=DEFAULT_POLICY, dry_run=dry_run
            )
            run.counts["sign_in"] = sign_in.purge(
                db_session=db_session, now=now, policy=login_limits(settings), dry_run=dry_run
            )
            keep = conversations.live_senders(db_session=db_session, idle_before=idle_before)
            if dry_run:
                db_session.rollback()
            else:
                for domain in DOMAINS[:-1]:
                    _audit(db_session, domain, run.counts[domain], now)
                db_session.commit()
        except BaseException:
            db_session.rollback()
            raise
    run.counts["tracker"] = tracker_store.purge(
        tracker_url=tracker_url(settings),
        senders=gone.senders,
        keep=keep - gone.senders,
        idle_before=idle_before,
        dry_run=dry_run,
    )
    if not dry_run:
        with unit_of_work(factory) as audit_session:
            _audit(audit_session, "tracker", run.counts["tracker"], now)
    return run
