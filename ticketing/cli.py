"""The help desk's commands, registered on ``rightsdesk``'s parser (each a thin call into a service).

- ``rightsdesk sla run`` — send the deadline reminders and escalations due now (idempotent);
- ``rightsdesk officer totp EMAIL [--disable]`` — enrol an officer in the TOTP second factor (prints the
  ``otpauth://`` URI for their authenticator app) or turn it off;
- ``rightsdesk audit verify`` — check the audit log's hash chain; exits 1 naming the first broken entry;
- ``rightsdesk purge [--dry-run]`` — destroy personal data past the retention periods, and expired console
  sessions and old failed sign-ins (the dry run changes nothing).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from rightsdesk.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

SettingsLoader = Callable[[], Settings]


def _session_factory(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    from ticketing.database import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    return engine, make_session_factory(engine)


def cmd_sla_run(args: argparse.Namespace) -> int:
    """Run the deadline check once."""
    from knowledge.district import load_district
    from ticketing.sla.runner import run_once

    settings: Settings = args.load_settings()
    engine, factory = _session_factory(settings)
    try:
        result = run_once(settings, factory, load_district(settings.district_file))
    finally:
        engine.dispose()
    print(f"deadline check: {result.summary()}")
    return 0


def cmd_officer_totp(args: argparse.Namespace) -> int:
    """Enrol (or, with --disable, remove) an officer's TOTP second factor."""
    from identity import vault as identity_vault
    from ticketing.auth.service import enrol_totp, remove_totp
    from ticketing.database import unit_of_work

    settings: Settings = args.load_settings()
    identity_vault.configure(settings.secret_key)  # the secret is stored sealed with this deployment's key
    engine, factory = _session_factory(settings)
    try:
        with unit_of_work(factory) as db_session:
            if args.disable:
                officer = remove_totp(db_session=db_session, email=args.email)
                if officer is None:
                    print(f"rightsdesk: no officer with email {args.email}", file=sys.stderr)
                    return 2
                print(f"second factor removed for {officer.email}; they sign in with their password alone")
                return 0
            enrolled = enrol_totp(db_session=db_session, email=args.email)
            if enrolled is None:
                print(f"rightsdesk: no officer with email {args.email}", file=sys.stderr)
                return 2
            officer, uri = enrolled
    finally:
        engine.dispose()
    print(f"second factor enrolled for {officer.email}. Add this to their authenticator app (or make it a QR code):")
    print(uri)
    print("From now on signing in to the console asks for the app's 6-digit code; their open sessions have ended.")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check the audit log's hash chain."""
    from ticketing.audit.service import verify_chain

    settings: Settings = args.load_settings()
    engine, factory = _session_factory(settings)
    try:
        with factory() as db_session:
            report = verify_chain(db_session=db_session)
    finally:
        engine.dispose()
    if report.ok:
        print(f"audit log intact: {report.checked} entries, every hash and link checks out")
        return 0
    where = f" (row id {report.broken_id})" if report.broken_id is not None else ""
    print(f"audit log BROKEN at entry #{report.broken_seq}{where}: {report.problem}", file=sys.stderr)
    print(f"{report.checked} entries before it check out", file=sys.stderr)
    return 1


def cmd_purge(args: argparse.Namespace) -> int:
    """Destroy personal data past the retention periods (or, with --dry-run, show what would go)."""
    from knowledge.district import load_district
    from ticketing.auth.service import prune
    from ticketing.console.deps import login_limits
    from ticketing.database import unit_of_work
    from ticketing.retention.service import purge

    settings: Settings = args.load_settings()
    district = load_district(settings.district_file)
    engine, factory = _session_factory(settings)
    expired_sign_ins = 0
    try:
        if args.dry_run:
            with factory() as db_session:
                report = purge(
                    db_session=db_session, district=district, attachments_dir=settings.attachments_dir, dry_run=True
                )
                db_session.rollback()
        else:
            with unit_of_work(factory) as db_session:
                report = purge(db_session=db_session, district=district, attachments_dir=settings.attachments_dir)
                expired_sign_ins = prune(db_session=db_session, limits=login_limits(settings))
    finally:
        engine.dispose()
    for line in report.lines():
        print(line)
    if not args.dry_run:
        print(f"{expired_sign_ins} expired console session(s) and old failed sign-in record(s) removed")
    return 0


def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    officer: argparse._SubParsersAction,  # type: ignore[type-arg]
    load_settings: SettingsLoader,
) -> None:
    """Add the help desk's commands to ``rightsdesk``'s parser (``officer`` is the ``officer`` sub-command)."""
    totp = officer.add_parser("totp", help="enrol an officer in the TOTP second factor (prints the otpauth URI)")
    totp.add_argument("email")
    totp.add_argument("--disable", action="store_true", help="remove the second factor instead (a lost phone)")
    totp.set_defaults(func=cmd_officer_totp, load_settings=load_settings)

    sla = sub.add_parser("sla", help="request deadlines").add_subparsers(dest="sla_command", required=True)
    sla.add_parser("run", help="send the reminders and escalations due now (idempotent)").set_defaults(
        func=cmd_sla_run, load_settings=load_settings
    )

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the hash chain; exits 1 at the first broken entry").set_defaults(
        func=cmd_audit_verify, load_settings=load_settings
    )

    purge = sub.add_parser("purge", help="destroy personal data past the retention periods")
    purge.add_argument("--dry-run", action="store_true", help="show what would be destroyed; change nothing")
    purge.set_defaults(func=cmd_purge, load_settings=load_settings)
