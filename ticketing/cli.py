"""The help desk's commands, registered on ``rightsdesk``'s parser (each a thin call into a service).

- ``rightsdesk sla run`` — send the deadline reminders and escalations due now (idempotent);
- ``rightsdesk officer disable|enable EMAIL`` — an officer can no longer (or again) sign in; disabling ends their
  sessions at once;
- ``rightsdesk officer reset-password EMAIL`` — a temporary password (read from standard input) the officer must
  replace at the next sign-in; their sessions end;
- ``rightsdesk officer set-role EMAIL ROLE [--school ID ...]`` and ``officer set-schools EMAIL --school ID ...``;
- ``rightsdesk officer totp EMAIL [--disable]`` — enrol an officer in the TOTP second factor (prints the
  ``otpauth://`` URI for their authenticator app) or turn it off;
- ``rightsdesk audit verify [--checkpoint FILE]`` — check the audit log's keyed hash chain, its head and the signed
  checkpoints in FILE; exits 1 naming the first break;
- ``rightsdesk audit checkpoint [--file FILE] [--syslog]`` — sign the head (sequence, hash, time) and append it to
  FILE, send it to syslog, or print it;

Every change to an officer is audited, with ``command line (<login name>)`` as the actor.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from core import Kernel, bootstrap
from core.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ticketing.officers.models import Officer

SettingsLoader = Callable[[], Settings]
ROLES = ["administrator", "district_officer", "school_contact"]


def cli_actor() -> str:
    """Who the audit log names for a change made on the command line."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in a container
        user = "unknown"
    return f"command line ({user})"


def _kernel(args: argparse.Namespace) -> Kernel:
    """The command's settings, keys and database (:func:`core.bootstrap`); the caller closes it."""
    settings: Settings = args.load_settings()
    return bootstrap(settings)


def cmd_sla_run(args: argparse.Namespace) -> int:
    """Run the deadline check once."""
    from knowledge.district import load_district
    from ticketing.sla.runner import run_once

    kernel = _kernel(args)
    settings = kernel.settings
    factory = kernel.session_factory
    try:
        result = run_once(settings, factory, load_district(settings.district_file))
    finally:
        kernel.close()
    print(f"deadline check: {result.summary()}")
    return 0


def cmd_officer_totp(args: argparse.Namespace) -> int:
    """Enrol (or, with --disable, remove) an officer's TOTP second factor."""
    from core.db import unit_of_work
    from ticketing.auth.service import enrol_totp, remove_totp

    kernel = _kernel(args)  # the secret is stored sealed with this deployment's key
    factory = kernel.session_factory
    try:
        with unit_of_work(factory) as db_session:
            if args.disable:
                officer = remove_totp(db_session=db_session, email=args.email, actor=cli_actor())
                if officer is None:
                    print(f"rightsdesk: no officer with email {args.email}", file=sys.stderr)
                    return 2
                print(f"second factor removed for {officer.email}; their sessions have ended")
                return 0
            enrolled = enrol_totp(db_session=db_session, email=args.email, actor=cli_actor())
            if enrolled is None:
                print(f"rightsdesk: no officer with email {args.email}", file=sys.stderr)
                return 2
            officer, uri = enrolled
    finally:
        kernel.close()
    print(f"second factor enrolled for {officer.email}. Add this to their authenticator app (or make it a QR code):")
    print(uri)
    print("From now on signing in to the console asks for the app's 6-digit code; their open sessions have ended.")
    return 0


def _officer_command(args: argparse.Namespace, change: Callable[[Session, Officer, set[str]], str]) -> int:
    """Load the officer named by ``args.email``, apply ``change`` in one transaction, print what it says."""
    from core.db import unit_of_work
    from knowledge.district import load_district
    from ticketing.officers.service import OfficerError, find_officer

    kernel = _kernel(args)
    settings = kernel.settings
    known = {s.id for s in load_district(settings.district_file).schools}
    factory = kernel.session_factory
    try:
        with unit_of_work(factory) as db_session:
            officer = find_officer(db_session=db_session, email=args.email)
            if officer is None:
                print(f"rightsdesk: no officer with email {args.email}", file=sys.stderr)
                return 2
            message = change(db_session, officer, known)
    except OfficerError as exc:
        print(f"rightsdesk: {exc}", file=sys.stderr)
        return 2
    finally:
        kernel.close()
    print(message)
    return 0


def cmd_officer_disable(args: argparse.Namespace) -> int:
    """Disable an officer; their sessions end now."""
    from ticketing.officers.service import disable_officer

    def change(db_session: Session, officer: Officer, _known: set[str]) -> str:
        disable_officer(db_session=db_session, officer=officer, actor=cli_actor())
        return f"disabled {officer.email}; their sessions have ended"

    return _officer_command(args, change)


def cmd_officer_enable(args: argparse.Namespace) -> int:
    """Let a disabled officer sign in again."""
    from ticketing.officers.service import enable_officer

    def change(db_session: Session, officer: Officer, _known: set[str]) -> str:
        enable_officer(db_session=db_session, officer=officer, actor=cli_actor())
        return f"enabled {officer.email}"

    return _officer_command(args, change)


def cmd_officer_reset_password(args: argparse.Namespace) -> int:
    """Set a temporary password (from standard input) that the officer must replace at the next sign-in."""
    from ticketing.officers.service import reset_password

    password = sys.stdin.readline().rstrip("\n")

    def change(db_session: Session, officer: Officer, _known: set[str]) -> str:
        reset_password(db_session=db_session, officer=officer, password=password, actor=cli_actor())
        return f"temporary password set for {officer.email}: they choose their own at the next sign-in"

    return _officer_command(args, change)


def cmd_officer_set_role(args: argparse.Namespace) -> int:
    """Change an officer's role."""
    from ticketing.officers.models import OfficerRole
    from ticketing.officers.service import set_role

    def change(db_session: Session, officer: Officer, known: set[str]) -> str:
        set_role(
            db_session=db_session,
            officer=officer,
            role=OfficerRole(args.role),
            actor=cli_actor(),
            schools=args.school,
            known_schools=known,
        )
        return f"{officer.email} is now {args.role.replace('_', ' ')}"

    return _officer_command(args, change)


def cmd_officer_set_schools(args: argparse.Namespace) -> int:
    """Change the schools a school contact sees."""
    from ticketing.officers.service import set_schools

    def change(db_session: Session, officer: Officer, known: set[str]) -> str:
        set_schools(db_session=db_session, officer=officer, schools=args.school, actor=cli_actor(), known_schools=known)
        return f"{officer.email} now sees {', '.join(officer.school_ids)}"

    return _officer_command(args, change)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check the audit log's keyed chain, its head, and the checkpoints given."""
    from ticketing.audit.service import CheckpointError, read_checkpoints, verify_chain

    kernel = _kernel(args)
    checkpoints = []
    for path in args.checkpoint or []:
        try:
            checkpoints.extend(read_checkpoints(Path(path).read_text(encoding="utf-8").splitlines()))
        except (OSError, CheckpointError) as exc:
            print(f"rightsdesk: checkpoint file {path}: {exc}", file=sys.stderr)
            return 1
    factory = kernel.session_factory
    try:
        with factory() as db_session:
            report = verify_chain(db_session=db_session, checkpoints=checkpoints)
    finally:
        kernel.close()
    if report.ok:
        against = f"; {len(checkpoints)} checkpoint(s) match" if checkpoints else ""
        print(f"audit log intact: {report.checked} entries, every hash and link checks out{against}")
        return 0
    where = f" (row id {report.broken_id})" if report.broken_id is not None else ""
    print(f"audit log BROKEN at entry #{report.broken_seq}{where}: {report.problem}", file=sys.stderr)
    print(f"{report.checked} entries before it check out", file=sys.stderr)
    return 1


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    """Sign the chain's head and keep it outside the database (refused while the chain is broken)."""
    from core.files import append_private
    from ticketing.audit.service import make_checkpoint, verify_chain

    kernel = _kernel(args)
    factory = kernel.session_factory
    try:
        with factory() as db_session:
            report = verify_chain(db_session=db_session)
            if not report.ok:
                print(f"rightsdesk: no checkpoint: the audit log is broken: {report.problem}", file=sys.stderr)
                return 1
            checkpoint = make_checkpoint(db_session=db_session)
    finally:
        kernel.close()
    line = checkpoint.line()
    if args.file:
        append_private(Path(args.file), line)
    if args.syslog:
        import syslog

        syslog.openlog("rightsdesk-audit", 0, syslog.LOG_AUTH)
        syslog.syslog(syslog.LOG_NOTICE, f"audit checkpoint {line}")
        syslog.closelog()
    if not args.file and not args.syslog:
        print(line)
    else:
        print(f"audit checkpoint: entry #{checkpoint.seq} at {checkpoint.time}")
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
    for name, func, text in (
        ("disable", cmd_officer_disable, "the officer can no longer sign in; their sessions end now"),
        ("enable", cmd_officer_enable, "let a disabled officer sign in again"),
        ("reset-password", cmd_officer_reset_password, "temporary password from standard input, changed at sign-in"),
    ):
        command = officer.add_parser(name, help=text)
        command.add_argument("email")
        command.set_defaults(func=func, load_settings=load_settings)
    set_role = officer.add_parser("set-role", help="change an officer's role")
    set_role.add_argument("email")
    set_role.add_argument("role", choices=ROLES)
    set_role.add_argument("--school", action="append", help="school id, for a school contact (repeat for several)")
    set_role.set_defaults(func=cmd_officer_set_role, load_settings=load_settings)
    set_schools = officer.add_parser("set-schools", help="change the schools a school contact sees")
    set_schools.add_argument("email")
    set_schools.add_argument("--school", action="append", required=True, help="school id (repeat for several)")
    set_schools.set_defaults(func=cmd_officer_set_schools, load_settings=load_settings)

    sla = sub.add_parser("sla", help="request deadlines").add_subparsers(dest="sla_command", required=True)
    sla.add_parser("run", help="send the reminders and escalations due now (idempotent)").set_defaults(
        func=cmd_sla_run, load_settings=load_settings
    )

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True)
    verify = audit.add_parser("verify", help="check the keyed hash chain; exits 1 at the first break")
    verify.add_argument("--checkpoint", action="append", metavar="FILE", help="signed checkpoints to check against")
    verify.set_defaults(func=cmd_audit_verify, load_settings=load_settings)
    checkpoint = audit.add_parser("checkpoint", help="sign the chain's head (sequence, hash, time)")
    checkpoint.add_argument("--file", metavar="FILE", help="append the signed head to FILE (created 0600)")
    checkpoint.add_argument("--syslog", action="store_true", help="send the signed head to syslog (auth facility)")
    checkpoint.set_defaults(func=cmd_audit_checkpoint, load_settings=load_settings)
