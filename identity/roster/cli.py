"""``rightsdesk roster import DIR [--dry-run]``: load the district roster from a OneRoster 1.1 CSV export.

Registered on ``rightsdesk``'s parser by :func:`register`. Progress and problems go to standard error (each
problem with its file and line), the summary to standard output. Any error: exit status 2 and nothing changes.
``--dry-run`` checks the export and says what an import would change, without changing anything.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from core.settings import Settings

SettingsLoader = Callable[[], Settings]
MAX_SHOWN = 200


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_roster_import(args: argparse.Namespace) -> int:
    """Import (or, with --dry-run, check) a OneRoster export."""
    from core import bootstrap
    from identity.roster.service import import_roster
    from knowledge.district import load_district

    settings: Settings = args.load_settings()
    district = load_district(settings.district_file)
    kernel = bootstrap(settings)
    started = time.monotonic()
    try:
        db_session = kernel.session_factory()
        try:
            result = import_roster(
                db_session=db_session,
                directory=Path(args.directory),
                known_schools=[s.id for s in district.schools],
                progress=_stderr,
            )
            for warning in result.warnings:
                _stderr(f"warning: {warning}")
            if not result.ok:
                for error in result.errors[:MAX_SHOWN]:
                    _stderr(f"error: {error}")
                if len(result.errors) > MAX_SHOWN:
                    _stderr(f"error: … and {len(result.errors) - MAX_SHOWN:,} more")
                _stderr(f"rightsdesk: the roster was not imported: {len(result.errors):,} error(s)")
                db_session.rollback()
                return 2
            if args.dry_run:
                db_session.rollback()
            else:
                db_session.commit()
        except BaseException:
            db_session.rollback()
            raise
        finally:
            db_session.close()
    finally:
        kernel.close()
    assert result.summary is not None
    heading = "dry run, nothing changed; an import would apply" if args.dry_run else "roster imported"
    print(f"{heading} in {time.monotonic() - started:.1f} s:")
    for line in result.summary.lines():
        print(f"  {line}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], load_settings: SettingsLoader) -> None:
    """Add ``roster import`` to ``rightsdesk``'s subcommands."""
    roster = sub.add_parser("roster", help="the district roster").add_subparsers(dest="roster_command", required=True)
    imp = roster.add_parser("import", help="import a OneRoster 1.1 CSV export (a directory)")
    imp.add_argument("directory", help="the directory with manifest.csv, orgs.csv, users.csv, demographics.csv")
    imp.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
    imp.set_defaults(func=cmd_roster_import, load_settings=load_settings)
