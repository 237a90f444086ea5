"""Time `rightsdesk roster import` on a synthetic OneRoster 1.1 export of 100,000 users.

Run from the repository root::

    .venv/bin/python bench/roster_import.py [--users 100000] [--postgres] [--keep DIR]

The export is generated first (deterministic: seeded): students (40%) each with one or two parents or guardians,
names with accents and compound surnames, SMS numbers and emails, birth dates in demographics.csv, 1% of parents
under a restriction, a few teachers. Then, on the same files, in the same run:

* baseline: a plain ``csv.DictReader`` pass over the four files (what reading alone costs);
* check only: :func:`identity.roster.oneroster.read_roster` (parse + validate, no database);
* first import into an empty database (SQLite file; ``--postgres`` adds a fresh PostgreSQL database);
* re-import of the same export (nothing changes: the idempotent path);
* re-import after 1% of the users changed and 0.5% left (updates and disables).

Each import is one transaction, as the CLI runs it. The target: 100,000 users in under a minute.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text

from core import secrets as vault
from core.db import make_engine, make_session_factory, unit_of_work
from identity.roster.oneroster import read_roster
from identity.roster.service import ImportSummary, import_roster
from identity.roster.writer import write_export
from rightsdesk.migrate import upgrade

SCHOOLS = ["mvhs", "cedar", "birch"]
GIVEN = ["Mateo", "Sofía", "José Luis", "Ana María", "Emma", "Liam", "Noah", "Olivia", "Camila", "Iñaki", "Zoë"]
FAMILY = ["García-López", "Ramírez Ortega", "Johnson", "Núñez", "de la Cruz", "O'Brien", "Kim", "Nguyen", "Smith"]
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def generate(directory: Path, users: int, seed: int = 7) -> None:
    """Write a synthetic export of about ``users`` users (students and their parents or guardians)."""
    rng = random.Random(seed)
    orgs = [{"sourcedId": "mvusd", "name": "Maple Valley USD", "type": "district"}] + [
        {"sourcedId": s, "name": s.title(), "type": "school", "parentSourcedId": "mvusd"} for s in SCHOOLS
    ]
    rows: list[dict[str, str]] = []
    births: list[dict[str, str]] = []
    n = 0
    while len(rows) < users - 50:
        n += 1
        student = f"stu-{n:07d}"
        agents = [f"par-{n:07d}-{k}" for k in range(rng.choice((1, 2, 2)))]
        family = rng.choice(FAMILY)
        rows.append(
            {
                "sourcedId": student,
                "enabledUser": "true",
                "orgSourcedIds": rng.choice(SCHOOLS),
                "role": "student",
                "givenName": rng.choice(GIVEN),
                "familyName": family,
                "identifier": f"{900000 + n}",
                "agentSourcedIds": ",".join(agents),
            }
        )
        born = date(2008, 1, 1) + timedelta(days=rng.randrange(365 * 13))
        births.append({"sourcedId": student, "birthDate": born.isoformat()})
        for k, agent in enumerate(agents):
            rows.append(
                {
                    "sourcedId": agent,
                    "enabledUser": "true",
                    "orgSourcedIds": "mvusd",
                    "role": "guardian" if rng.random() < 0.05 else "parent",
                    "givenName": rng.choice(GIVEN),
                    "familyName": family if k == 0 else rng.choice(FAMILY),
                    "email": f"family{n}.{k}@example.org",
                    "sms": f"+1555{rng.randrange(10**7):07d}" if rng.random() < 0.8 else "",
                    "agentSourcedIds": student,
                    "metadata.restricted": "true" if rng.random() < 0.01 else "",
                }
            )
    rows += [
        {
            "sourcedId": f"tea-{t}",
            "enabledUser": "true",
            "orgSourcedIds": rng.choice(SCHOOLS),
            "role": "teacher",
            "givenName": "Teacher",
            "familyName": f"T{t}",
        }
        for t in range(users - len(rows))
    ]
    write_export(directory, orgs, rows, births)


def change(directory: Path, target: Path, seed: int = 11) -> None:
    """A copy of the export with 1% of users changed and 0.5% of students gone (with their parents)."""
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.csv", "orgs.csv", "demographics.csv"):
        (target / name).write_bytes((directory / name).read_bytes())
    with (directory / "users.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    gone = {r["sourcedId"] for r in rows if r["role"] == "student" and rng.random() < 0.005}
    kept = []
    for row in rows:
        if row["sourcedId"] in gone or any(s in gone for s in row["agentSourcedIds"].split(",") if s):
            continue
        if rng.random() < 0.01:
            row["givenName"] = row["givenName"] + " Jr"
        kept.append(row)
    with (target / "users.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    births = (directory / "demographics.csv").read_text(encoding="utf-8").splitlines()
    (target / "demographics.csv").write_text(
        "\n".join(b for b in births if b.split(",")[0] not in gone) + "\n", encoding="utf-8"
    )


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def plain_csv(directory: Path) -> int:
    rows = 0
    for name in ("manifest.csv", "orgs.csv", "users.csv", "demographics.csv"):
        with (directory / name).open(encoding="utf-8", newline="") as fh:
            rows += sum(1 for _ in csv.DictReader(fh))
    return rows


def importer(url: str, directory: Path) -> Callable[[], ImportSummary]:
    engine = make_engine(url)
    factory = make_session_factory(engine)

    def run() -> ImportSummary:
        with unit_of_work(factory) as db_session:
            result = import_roster(db_session=db_session, directory=directory, known_schools=SCHOOLS)
        assert result.ok and result.summary is not None, result.errors[:5]
        return result.summary

    return run


def bench_database(label: str, url: str, export: Path, changed: Path) -> list[tuple[str, float, str]]:
    upgrade(url)
    out = []
    seconds, summary = timed(importer(url, export))
    assert isinstance(summary, ImportSummary)
    out.append((f"{label}: first import", seconds, f"{summary.added:,} added, {summary.links:,} links"))
    seconds, summary = timed(importer(url, export))
    assert isinstance(summary, ImportSummary)
    out.append((f"{label}: same export again", seconds, f"{summary.unchanged:,} unchanged, {summary.updated} updated"))
    seconds, summary = timed(importer(url, changed))
    assert isinstance(summary, ImportSummary)
    out.append(
        (
            f"{label}: 1% changed, 0.5% left",
            seconds,
            f"{summary.updated:,} updated, {summary.disabled:,} disabled, {summary.links_removed:,} links removed",
        )
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="also import into a fresh PostgreSQL database")
    parser.add_argument("--keep", type=Path, help="generate the export here and keep it")
    args = parser.parse_args()
    vault.configure("bench-secret-key-" + "x" * 32)
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        export, changed = base / "export", base / "changed"
        seconds, _ = timed(lambda: generate(export, args.users))
        print(f"generated {args.users:,} users in {seconds:.1f} s ({export})", file=sys.stderr)
        change(export, changed)
        results: list[tuple[str, float, str]] = []
        seconds, rows = timed(lambda: plain_csv(export))
        results.append(("baseline: plain csv.DictReader over the 4 files", seconds, f"{rows:,} rows"))
        seconds, roster = timed(lambda: read_roster(export, date.today()))
        results.append(("check only (parse + validate, no database)", seconds, f"{len(roster.people):,} people"))  # type: ignore[attr-defined]
        results += bench_database("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", export, changed)
        if args.postgres:
            name = f"rightsdesk_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                results += bench_database(
                    "PostgreSQL", POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", export, changed
                )
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    print(f"\n{args.users:,} users\n")
    print("| step | seconds | result |\n|---|---|---|")
    for label, seconds, detail in results:
        print(f"| {label} | {seconds:.2f} | {detail} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
