"""`rightsdesk roster import`: OneRoster 1.1 CSV into the roster, on SQLite and PostgreSQL, and through the CLI."""

from __future__ import annotations

import csv
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core import secrets as vault
from core.db import unit_of_work
from core.settings import REPO_ROOT
from identity.roster.demo import DEMO_ROSTER_DIR, ensure_demo_roster
from identity.roster.models import RosterLink, RosterPerson, RosterRole
from identity.roster.oneroster import read_roster
from identity.roster.service import ImportResult, contact_for_code, import_roster, students_born_on
from identity.roster.writer import write_export

SECRET = "roster-tests-secret-key-0123456789abcdefghij"
SCHOOLS = ["mvhs", "cedar", "birch"]
RIGHTSDESK = REPO_ROOT / ".venv" / "bin" / "rightsdesk"


@pytest.fixture(autouse=True)
def _keys() -> None:
    vault.configure(SECRET)


def run_import(factory: sessionmaker[Session], directory: Path, **kwargs: object) -> ImportResult:
    with unit_of_work(factory) as db_session:
        return import_roster(db_session=db_session, directory=directory, known_schools=SCHOOLS, **kwargs)  # type: ignore[arg-type]


def people(factory: sessionmaker[Session]) -> dict[str, RosterPerson]:
    with factory() as db_session:
        return {p.sourced_id: p for p in db_session.scalars(select(RosterPerson))}


def links(factory: sessionmaker[Session]) -> set[tuple[str, str, str, bool]]:
    with factory() as db_session:
        ids = {p.id: p.sourced_id for p in db_session.scalars(select(RosterPerson))}
        return {
            (ids[link.agent_id], ids[link.student_id], link.relationship.value, link.restricted)
            for link in db_session.scalars(select(RosterLink))
        }


def copy_demo(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ("manifest.csv", "orgs.csv", "users.csv", "demographics.csv"):
        (target / name).write_bytes((DEMO_ROSTER_DIR / name).read_bytes())
    return target


def edit_users(directory: Path, change: dict[str, dict[str, str]], drop: tuple[str, ...] = ()) -> None:
    path = directory / "users.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    columns = list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        for row in rows:
            if row["sourcedId"] in drop:
                continue
            writer.writerow({**row, **change.get(row["sourcedId"], {})})


def test_the_demo_roster_imports_students_parents_guardians_and_their_links(
    session_factory: sessionmaker[Session],
) -> None:
    result = run_import(session_factory, DEMO_ROSTER_DIR)
    assert result.ok and result.summary is not None
    assert (result.summary.added, result.summary.skipped_users, result.summary.unmapped_schools) == (11, 2, [])
    found = people(session_factory)
    assert found["stu-4f1a"].role is RosterRole.student and found["stu-4f1a"].family_name == "García-López"
    assert found["gua-3a8d"].role is RosterRole.guardian
    assert "tea-0a1b" not in found and "rel-8c5d" not in found  # a teacher and a relative: not needed
    assert ("par-2b7c", "stu-4f1a", "parent", False) in links(session_factory)
    assert ("par-6e9f", "stu-8d2e", "parent", True) in links(session_factory)  # the court order
    assert ("gua-3a8d", "stu-1c7b", "guardian", False) in links(session_factory)
    assert len(links(session_factory)) == 6
    with session_factory() as db_session:
        (mateo,) = students_born_on(db_session=db_session, born=datetime(2013, 4, 17).date())
        assert mateo.sourced_id == "stu-4f1a"
        assert contact_for_code(found["par-2b7c"]) == ("sms", "+15550100121")
        assert contact_for_code(found["par-5c3d"]) == ("email", "jl.ramirez@example.org")


def test_nothing_sensitive_is_stored_in_clear_text(session_factory: sessionmaker[Session]) -> None:
    run_import(session_factory, DEMO_ROSTER_DIR)
    with session_factory() as db_session:
        dump = " ".join(
            repr(db_session.execute(text(f"SELECT * FROM {t}")).all())
            for t in ("roster_orgs", "roster_people", "roster_links")
        )
    for secret in ("2013-04-17", "2007-05-09", "900417", "5550100121", "555 010 0121", "ana.lopez@example.org"):
        assert secret not in dump, secret
    assert "Mateo" in dump  # names are kept: families are matched on them


def test_a_second_import_of_the_same_roster_changes_nothing(session_factory: sessionmaker[Session]) -> None:
    run_import(session_factory, DEMO_ROSTER_DIR)
    before = {sid: (p.updated_at, p.row_hash) for sid, p in people(session_factory).items()}
    result = run_import(session_factory, DEMO_ROSTER_DIR)
    assert result.summary is not None
    assert (result.summary.added, result.summary.updated, result.summary.disabled) == (0, 0, 0)
    assert result.summary.unchanged == 11 and result.summary.links_added == 0
    assert {sid: (p.updated_at, p.row_hash) for sid, p in people(session_factory).items()} == before


def test_a_re_import_updates_changes_disables_the_absent_and_re_enables_the_returning(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    run_import(session_factory, DEMO_ROSTER_DIR)
    roster = copy_demo(tmp_path / "export")
    edit_users(
        roster,
        {
            "par-2b7c": {"email": "ana.new@example.org", "sms": ""},
            "par-6e9f": {"metadata.restricted": "false"},
            "stu-8d2e": {"agentSourcedIds": "par-5c3d,par-6e9f", "enabledUser": "false"},
        },
        drop=("gua-3a8d", "stu-1c7b"),
    )
    births = (roster / "demographics.csv").read_text().splitlines()
    (roster / "demographics.csv").write_text("\n".join(b for b in births if not b.startswith("stu-1c7b")) + "\n")
    result = run_import(session_factory, roster)
    assert result.summary is not None
    assert (result.summary.updated, result.summary.disabled, result.summary.links_removed) == (2, 2, 1)
    found = people(session_factory)
    assert contact_for_code(found["par-2b7c"]) == ("email", "ana.new@example.org")
    assert not found["gua-3a8d"].active and not found["stu-1c7b"].active and not found["stu-8d2e"].active
    assert ("par-6e9f", "stu-8d2e", "parent", False) in links(session_factory)
    assert not any(agent == "gua-3a8d" for agent, *_ in links(session_factory))
    # Back in the next export: active again.
    result = run_import(session_factory, DEMO_ROSTER_DIR)
    assert result.summary is not None and result.summary.added == 0
    assert all(p.active for p in people(session_factory).values())
    assert ("par-6e9f", "stu-8d2e", "parent", True) in links(session_factory)


def test_every_error_is_reported_with_its_file_and_line_and_nothing_changes(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    run_import(session_factory, DEMO_ROSTER_DIR)
    before = people(session_factory)
    roster = copy_demo(tmp_path / "bad")
    edit_users(
        roster,
        {
            "par-2b7c": {"email": "not-an-email"},  # line 3
            "stu-8d2e": {"orgSourcedIds": "atlantis"},  # line 4
            "par-5c3d": {"sms": "12"},  # line 5
            "par-6e9f": {"metadata.restricted": "stu-4f1a"},  # line 6: not her student
            "gua-3a8d": {"agentSourcedIds": "ghost"},  # line 8
            "stu-9b4f": {"enabledUser": "maybe"},  # line 9
        },
    )
    with (roster / "demographics.csv").open("a", encoding="utf-8") as fh:
        fh.write("stu-3e6a,,,2015-13-01,,,,,,,,,,,,\n")  # line 7: a second row, and a month 13
        fh.write("nobody,,,2015-01-01,,,,,,,,,,,,\n")
    result = run_import(session_factory, roster)
    assert not result.ok and result.summary is None
    reported = [str(e) for e in result.errors]
    expected = [
        "users.csv:3: email 'not-an-email'",
        "users.csv:4: orgSourcedIds names atlantis, not in orgs.csv",
        "users.csv:5: sms '12'",
        "users.csv:6: metadata.restricted names 'stu-4f1a'",
        "users.csv:8: agentSourcedIds names 'ghost', not in users.csv",
        "users.csv:9: enabledUser must be true or false",
        "demographics.csv:7: sourcedId 'stu-3e6a' is already on line 6",
        "demographics.csv:8: sourcedId 'nobody' is not in users.csv",
    ]
    for start in expected:
        assert any(r.startswith(start) for r in reported), (start, reported)
    assert people(session_factory).keys() == before.keys()
    assert contact_for_code(people(session_factory)["par-2b7c"]) == ("sms", "+15550100121")


@pytest.mark.parametrize(
    ("manifest_line", "message"),
    [
        ("file.users,delta", "manifest.csv:16: file.users is delta; export the roster in bulk"),
        ("oneroster.version,1.2", "manifest.csv:3: oneroster.version is 1.2"),
    ],
)
def test_a_manifest_this_importer_cannot_read_is_refused(tmp_path: Path, manifest_line: str, message: str) -> None:
    roster = copy_demo(tmp_path / "export")
    lines = (roster / "manifest.csv").read_text().splitlines()
    key = manifest_line.split(",")[0]
    (roster / "manifest.csv").write_text(
        "\n".join(manifest_line if line.startswith(key + ",") else line for line in lines) + "\n"
    )
    result = read_roster(roster, datetime.now(timezone.utc).date())
    assert any(str(e).startswith(message) for e in result.errors), [str(e) for e in result.errors]


def test_missing_files_and_columns_are_named(tmp_path: Path) -> None:
    roster = copy_demo(tmp_path / "export")
    (roster / "orgs.csv").unlink()
    assert "manifest.csv:13: file.orgs is bulk but orgs.csv is not in" in str(
        read_roster(roster, datetime.now(timezone.utc).date()).errors[0]
    )
    roster = copy_demo(tmp_path / "export2")
    (roster / "users.csv").write_text("sourcedId,role\nx,student\n")
    errors = [str(e) for e in read_roster(roster, datetime.now(timezone.utc).date()).errors]
    assert errors == ["users.csv:1: missing column(s): enabledUser, orgSourcedIds, givenName, familyName"]
    assert [str(e) for e in read_roster(tmp_path / "nowhere", datetime.now(timezone.utc).date()).errors] == [
        f"{tmp_path / 'nowhere'}: is not a directory"
    ]


def test_progress_is_reported_every_ten_thousand_rows(tmp_path: Path) -> None:
    orgs = [{"sourcedId": "mvhs", "name": "High", "type": "school"}]
    users = [
        {
            "sourcedId": f"s{n}",
            "enabledUser": "true",
            "orgSourcedIds": "mvhs",
            "role": "student",
            "givenName": "Kid",
            "familyName": f"Number{n}",
        }
        for n in range(25_000)
    ]
    write_export(tmp_path / "big", orgs, users, [])
    lines: list[str] = []
    roster = read_roster(tmp_path / "big", datetime.now(timezone.utc).date(), progress=lines.append)
    assert roster.ok
    assert lines == ["users.csv: 10,000 rows", "users.csv: 20,000 rows", "users.csv: 25,000 rows"]


def test_the_demo_roster_is_loaded_only_into_an_empty_roster(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with unit_of_work(session_factory) as db_session:
        assert ensure_demo_roster(db_session=db_session, known_schools=SCHOOLS) is not None
    with unit_of_work(session_factory) as db_session:
        assert ensure_demo_roster(db_session=db_session, known_schools=SCHOOLS) is None


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, "RIGHTSDESK_DATA_DIR": str(tmp_path / "var"), "RIGHTSDESK_SECRET_KEY": SECRET}
    env.pop("RIGHTSDESK_DATABASE_URL", None)
    subprocess.run([str(RIGHTSDESK), "migrate"], env=env, check=True, capture_output=True)
    yield env


def test_the_cli_imports_shows_progress_and_refuses_bad_input(cli_env: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run(
        [str(RIGHTSDESK), "roster", "import", str(DEMO_ROSTER_DIR)], env=cli_env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "roster imported" in done.stdout and "11 people: 11 added" in done.stdout
    assert "people: 11 applied" in done.stderr
    dry = subprocess.run(
        [str(RIGHTSDESK), "roster", "import", "--dry-run", str(DEMO_ROSTER_DIR)],
        env=cli_env,
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0 and "dry run, nothing changed" in dry.stdout and "11 unchanged" in dry.stdout
    bad = copy_demo(tmp_path / "bad")
    edit_users(bad, {"par-2b7c": {"email": "nope"}})
    refused = subprocess.run(
        [str(RIGHTSDESK), "roster", "import", str(bad)], env=cli_env, capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "error: users.csv:3: email 'nope'" in refused.stderr
    assert "the roster was not imported: 1 error(s)" in refused.stderr
    # Nothing in the output names a date of birth or a contact.
    for output in (done.stdout, done.stderr, refused.stdout):
        assert "2013-04-17" not in output and "0100121" not in output
