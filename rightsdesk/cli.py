"""``rightsdesk``: the command line of the district administrator and the developers.

Commands: ``run`` (the whole stack), ``outbox-worker``, ``migrate``, ``train``, ``kb validate``, ``kb search``,
``kb review-due``, ``officer add``; the help desk's
``officer disable|enable|reset-password|set-role|set-schools|totp``, ``sla run``, ``audit verify|checkpoint``
(``ticketing.cli``); ``roster import`` (``identity.roster.cli``); ``purge`` (every domain, :mod:`rightsdesk.retention`).
Every command starts with :func:`core.bootstrap`.
Bad input gets a clear message on standard error and exit status 2; nothing is changed. Every command (and every
process ``run`` starts) creates files readable by their owner only (``umask 077``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from core.files import private_umask
from core.settings import Settings, get_settings
from identity.roster import cli as roster_cli
from ticketing import cli as helpdesk_cli


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        print(f"rightsdesk: bad settings: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_run(args: argparse.Namespace) -> int:
    """Start everything."""
    from rightsdesk.launcher import run

    return run(_settings())


def cmd_outbox_worker(args: argparse.Namespace) -> int:
    """Send the outbox's SMS and email until stopped."""
    from outbox.worker import main as outbox_worker
    from rightsdesk import tables  # noqa: F401 - every table, so the outbox's foreign keys resolve

    return outbox_worker(_settings())


def cmd_train(args: argparse.Namespace) -> int:
    """Train the Rasa model for the current ``bot/`` unless it exists."""
    from rightsdesk.model import ensure_model

    settings = _settings()
    path, seconds = ensure_model(settings)
    if args.print_path:
        print(path)
    elif seconds is None:
        print(f"model unchanged: {path}")
    else:
        print(f"trained {path} in {seconds:.1f} s")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply database migrations."""
    from core.files import private_dir
    from rightsdesk.migrate import grant_application_role, upgrade

    settings = _settings()
    private_dir(settings.data_dir)
    # As the tables' owner; the seal of legacy audit entries needs the secret key.
    upgrade(settings.migration_database_url, settings.secret_key)
    role = grant_application_role(settings.migration_database_url, settings.database_url)
    print("database is up to date" + (f"; the application role {role} may only add to the audit log" if role else ""))
    return 0


def cmd_kb_validate(args: argparse.Namespace) -> int:
    """Validate the knowledge base, with every district file of the repository and the configured one."""
    from knowledge.validate import repository_districts, validate

    settings = _settings()
    districts = repository_districts()
    if settings.district_file.resolve() not in {path.resolve() for path in districts}:
        districts.append(settings.district_file)
    report = validate(district_files=districts, public_url=settings.public_url)
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    languages = {item.article.lang for item in report.articles}
    print(
        f"{len(report.articles)} articles in {len(languages)} languages, {len(report.examples)} family questions, "
        f"{len(report.districts)} district files: {len(report.errors)} errors, {len(report.warnings)} warnings"
    )
    return 0 if report.ok else 1


def cmd_kb_review_due(args: argparse.Namespace) -> int:
    """List the articles whose last review against their sources is more than 12 months old."""
    from knowledge.articles import ArticleError, load_articles
    from knowledge.validate import reviews_due

    try:
        articles = load_articles()
    except ArticleError as exc:
        print(f"rightsdesk: {exc}", file=sys.stderr)
        return 2
    today = args.today or date.today()
    due = reviews_due(articles, today)
    for item in due:
        a = item.article
        print(f"{a.id}\t{a.lang}\t{a.reviewed.on.isoformat()}\t{a.reviewed.by}")
    summary = f"{len(due)} of {len(articles)} articles were last reviewed more than 12 months before {today}"
    print(summary, file=sys.stderr)
    return 0


def cmd_kb_search(args: argparse.Namespace) -> int:
    """Search the knowledge base."""
    from knowledge.service import KnowledgeService

    settings = _settings()
    service = KnowledgeService(settings.district_file, settings.public_url)
    result = service.kb.search(args.query, args.lang, limit=args.limit)
    if args.json:
        print(
            json.dumps(
                {
                    "query": args.query,
                    "lang": args.lang,
                    "verdict": result.verdict,
                    "results": [
                        {
                            "rank": i + 1,
                            "id": h.article.id,
                            "topic": h.article.topic,
                            "title": h.article.title,
                            "score": h.score,
                        }
                        for i, h in enumerate(result.hits)
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(f"verdict: {result.verdict}")
    for i, hit in enumerate(result.hits, 1):
        print(f"{i}. [{hit.score:.2f}] {hit.article.title} ({hit.article.id}, topic {hit.article.topic})")
    if not result.hits:
        print("no results")
    return 0


def cmd_officer_add(args: argparse.Namespace) -> int:
    """Create an officer account; the password (temporary: changed at the first sign-in) is read from stdin."""
    from core import bootstrap
    from core.db import unit_of_work
    from knowledge.district import load_district
    from ticketing.cli import cli_actor
    from ticketing.officers.models import OfficerRole, PasswordOrigin
    from ticketing.officers.service import OfficerError, add_officer

    settings = _settings()
    password = sys.stdin.readline().rstrip("\n")
    district = load_district(settings.district_file)
    kernel = bootstrap(settings)
    try:
        with unit_of_work(kernel.session_factory) as db_session:
            officer = add_officer(
                db_session=db_session,
                email=args.email,
                name=args.name,
                role=OfficerRole(args.role),
                password=password,
                schools=args.school or [],
                known_schools={s.id for s in district.schools},
                password_origin=PasswordOrigin.assigned,
                actor=cli_actor(),
            )
            print(f"created {officer.role.value} {officer.email}; they choose their own password at the first sign-in")
    except OfficerError as exc:
        print(f"rightsdesk: {exc}", file=sys.stderr)
        return 2
    finally:
        kernel.close()
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Destroy personal data past the retention periods (or, with --dry-run, show what would go)."""
    from core import bootstrap
    from knowledge.district import load_district
    from rightsdesk.retention import purge_everything

    settings = _settings()
    district = load_district(settings.district_file)
    with bootstrap(settings) as kernel:
        run = purge_everything(
            settings=settings, district=district, factory=kernel.session_factory, dry_run=args.dry_run
        )
    for line in run.lines():
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(prog="rightsdesk", description="Family Data Rights Desk")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="prepare and start the whole stack").set_defaults(func=cmd_run)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("outbox-worker", help="send queued SMS and email (started by run)").set_defaults(
        func=cmd_outbox_worker
    )
    train = sub.add_parser("train", help="train the Rasa model if bot/ changed")
    train.add_argument("--print-path", action="store_true", help="print only the model's path")
    train.set_defaults(func=cmd_train)

    kb = sub.add_parser("kb", help="the knowledge base").add_subparsers(dest="kb_command", required=True)
    kb.add_parser("validate", help="check every article").set_defaults(func=cmd_kb_validate)
    due = kb.add_parser("review-due", help="articles whose review is older than 12 months (id, lang, date, by)")
    due.add_argument("--today", type=date.fromisoformat, help="count from this date (YYYY-MM-DD) instead of today")
    due.set_defaults(func=cmd_kb_review_due)
    search = kb.add_parser("search", help="ranked articles for a question")
    search.add_argument("query")
    search.add_argument("--lang", choices=["en", "es"], default="en")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(func=cmd_kb_search)

    officer = sub.add_parser("officer", help="officer accounts").add_subparsers(dest="officer_command", required=True)
    add = officer.add_parser("add", help="create an account (temporary password on standard input)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=["administrator", "district_officer", "school_contact"])
    add.add_argument("--school", action="append", help="school id (repeat for several)")
    add.set_defaults(func=cmd_officer_add)
    helpdesk_cli.register(sub, officer, _settings)  # sla run, officer lifecycle and totp, audit
    purge = sub.add_parser("purge", help="destroy personal data past the retention periods")
    purge.add_argument("--dry-run", action="store_true", help="show what would be destroyed; change nothing")
    purge.set_defaults(func=cmd_purge)
    roster_cli.register(sub, _settings)  # roster import
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    private_umask()
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
