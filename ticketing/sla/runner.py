"""Running the deadline check: once (``rightsdesk sla run``) or every few minutes inside the gateway."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from core.settings import Settings
from knowledge.district import District
from ticketing.helpdesk import load_helpdesk
from ticketing.sla.service import SlaRun, run_sla

log = logging.getLogger(__name__)


def run_once(settings: Settings, factory: sessionmaker[Session], district: District) -> SlaRun:
    """One run in its own transaction."""
    with unit_of_work(factory) as db_session:
        return run_sla(
            db_session=db_session,
            district=district,
            config=load_helpdesk(settings.helpdesk_file),
            public_url=settings.public_url,
        )


async def periodic(settings: Settings, factory: sessionmaker[Session], district: Callable[[], District]) -> None:
    """Run the deadline check every ``sla_interval_seconds`` (first run shortly after start-up); 0 turns it off."""
    interval = settings.sla_interval_seconds
    if interval <= 0:
        return
    await asyncio.sleep(min(interval, 10.0))
    while True:
        try:
            result = await asyncio.to_thread(run_once, settings, factory, district())
            if result.reminders or result.escalations:
                log.info("deadline check: %s", result.summary())
        except Exception:
            log.exception("the deadline check failed; it will run again in %.0f s", interval)
        await asyncio.sleep(interval)
