"""Reading and checking a OneRoster 1.1 CSV export (pure: nothing here touches the database).

The files: ``manifest.csv``, ``orgs.csv``, ``users.csv``, ``demographics.csv`` (a bulk export).

Every problem is reported with its file and line (``users.csv:42: email "x@" is not an email address``); a roster
with any error is not imported at all. What is read, and only that:

- ``orgs.csv``: ``sourcedId``, ``name``, ``type``, ``identifier`` (schools and the district).
- ``users.csv``: students, parents and guardians (other roles are counted and skipped): ``sourcedId``,
  ``enabledUser``, ``orgSourcedIds`` (a student's first school org is their school), ``role``, ``givenName``,
  ``middleName``, ``familyName``, contacts ``email``, ``sms``, ``phone``, and ``agentSourcedIds`` (a student's
  parents and guardians, or a parent's or guardian's students; links are taken from both sides). Student numbers,
  user names, grades and passwords are not read.
- The district extension column ``metadata.restricted`` on a parent's or guardian's row: ``true`` when a court
  order limits their access to all their students' records, or the ``sourcedId`` of each student it covers
  (comma-separated, like ``agentSourcedIds``); empty or ``false`` for none.
- ``demographics.csv``: ``sourcedId`` and ``birthDate`` (``YYYY-MM-DD``) of students; nothing else.

Rows with ``status`` ``tobedeleted`` are treated as absent. Delta exports are refused: the import is a full
picture of the roster, and people missing from it are disabled.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.contacts import BadContact, normalize_email, normalize_phone
from identity.roster.eligibility import is_eligible_student
from identity.roster.models import AGENT_ROLES, RosterRole

PROGRESS_EVERY = 10_000
ONEROSTER_ROLES = frozenset(
    {"administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"}
)
ORG_TYPES = frozenset({"department", "school", "district", "local", "state", "national"})
TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"", "false", "no", "0"})
MAX_NAME = 120
REQUIRED_COLUMNS = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "users.csv": ("sourcedId", "enabledUser", "orgSourcedIds", "role", "givenName", "familyName"),
    "demographics.csv": ("sourcedId", "birthDate"),
}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Issue:
    """A problem in the export, where it is."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass(frozen=True)
class OrgRow:
    """One org as exported."""

    sourced_id: str
    name: str
    org_type: str
    identifier: str | None


@dataclass
class PersonRow:
    """One student, parent or guardian as exported (contacts normalized)."""

    sourced_id: str
    role: RosterRole
    given_name: str
    middle_name: str
    family_name: str
    enabled: bool
    school_sourced_id: str | None
    email: str | None
    sms: str | None
    phone: str | None
    agent_ids: list[str]
    # True: every student of this parent; a set: those students only; empty set: no restriction.
    restricted: bool | frozenset[str]
    line: int
    birth_date: date | None = None


@dataclass(frozen=True)
class LinkRow:
    """A parent or guardian of a student."""

    agent_sourced_id: str
    student_sourced_id: str
    relationship: RosterRole
    restricted: bool


@dataclass
class Roster:
    """Everything read from an export, with its problems."""

    orgs: dict[str, OrgRow] = field(default_factory=dict)
    people: dict[str, PersonRow] = field(default_factory=dict)
    links: list[LinkRow] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    skipped_users: int = 0

    @property
    def ok(self) -> bool:
        """Whether the roster can be imported."""
        return not self.errors


class _Table:
    """One CSV file: its header and its rows with their line numbers."""

    def __init__(self, path: Path, roster: Roster, progress: Progress | None) -> None:
        self.path = path
        self.name = path.name
        self.roster = roster
        self.progress = progress
        self.columns: dict[str, int] = {}

    def error(self, line: int | None, message: str) -> None:
        self.roster.errors.append(Issue(self.name, line, message))

    def rows(self, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
        """``(line, {column: value})`` for every data row; nothing if the header lacks a required column."""
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader, None)
                if header is None:
                    self.error(1, "the file is empty (a header row is required)")
                    return
                names = [h.strip() for h in header]
                missing = [c for c in required if c not in names]
                if missing:
                    self.error(1, f"missing column(s): {', '.join(missing)}")
                    return
                self.columns = {name: i for i, name in enumerate(names)}
                count = 0
                for record in reader:
                    line = reader.line_num
                    if not any(cell.strip() for cell in record):
                        continue
                    if len(record) != len(names):
                        self.error(line, f"has {len(record)} fields; the header has {len(names)}")
                        continue
                    count += 1
                    if self.progress and count % PROGRESS_EVERY == 0:
                        self.progress(f"{self.name}: {count:,} rows")
                    yield line, {name: record[i].strip() for name, i in self.columns.items()}
                if self.progress and count >= PROGRESS_EVERY and count % PROGRESS_EVERY:
                    self.progress(f"{self.name}: {count:,} rows")
        except UnicodeDecodeError as exc:
            self.error(None, f"is not UTF-8 text ({exc.reason} at byte {exc.start})")
        except csv.Error as exc:
            self.error(None, f"is not valid CSV: {exc}")


def _split_ids(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _read_manifest(directory: Path, roster: Roster) -> set[str]:
    """The files the manifest says are in the export (``bulk``); records problems."""
    path = directory / "manifest.csv"
    if not path.is_file():
        roster.errors.append(Issue("manifest.csv", None, f"not found in {directory} (every OneRoster export has one)"))
        return set()
    table = _Table(path, roster, None)
    properties: dict[str, tuple[int | None, str]] = {}
    for line, row in table.rows(("propertyName", "value")):
        properties[row["propertyName"]] = (line, row["value"])
    if table.columns == {}:
        return set()
    version_line, version = properties.get("oneroster.version", (None, ""))
    if version != "1.1":
        table.error(version_line, f"oneroster.version is {version or 'missing'}; this importer reads OneRoster 1.1")
    present: set[str] = set()
    for name in ("orgs", "users", "demographics"):
        mode_line, mode = properties.get(f"file.{name}", (None, "absent"))
        mode = mode.lower()
        if mode == "delta":
            table.error(mode_line, f"file.{name} is delta; export the roster in bulk (the import is a full picture)")
        elif mode == "bulk":
            if (directory / f"{name}.csv").is_file():
                present.add(name)
            else:
                table.error(mode_line, f"file.{name} is bulk but {name}.csv is not in {directory}")
        elif mode != "absent":
            table.error(mode_line, f"file.{name} must be bulk, delta or absent, not {mode!r}")
        elif name in ("orgs", "users"):
            table.error(mode_line, f"file.{name} is absent; the roster needs {name}.csv")
    if "demographics" not in present:
        roster.warnings.append(
            Issue("manifest.csv", None, "no demographics.csv: without birth dates nobody can verify their identity")
        )
    return present


def _read_orgs(directory: Path, roster: Roster, progress: Progress | None) -> bool:
    """Read orgs.csv; False when the file itself (its header) cannot be read."""
    table = _Table(directory / "orgs.csv", roster, progress)
    seen: dict[str, int] = {}
    for line, row in table.rows(REQUIRED_COLUMNS["orgs.csv"]):
        if row.get("status", "").lower() == "tobedeleted":
            continue
        sourced_id = row["sourcedId"]
        if not sourced_id:
            table.error(line, "sourcedId is empty")
            continue
        if sourced_id in seen:
            table.error(line, f"sourcedId {sourced_id!r} is already on line {seen[sourced_id]}")
            continue
        seen[sourced_id] = line
        org_type = row["type"].lower()
        if org_type not in ORG_TYPES:
            table.error(line, f"type {row['type']!r} is not a OneRoster org type ({', '.join(sorted(ORG_TYPES))})")
            continue
        if not row["name"]:
            table.error(line, "name is empty")
            continue
        roster.orgs[sourced_id] = OrgRow(sourced_id, row["name"][:255], org_type, row.get("identifier") or None)
    return bool(table.columns)


def _contact(table: _Table, line: int, column: str, value: str) -> str | None:
    if not value:
        return None
    try:
        return normalize_email(value) if column == "email" else normalize_phone(value)
    except BadContact as exc:
        table.error(line, f"{column} {value!r}: {exc}")
        return None


def _restriction(table: _Table, line: int, role: RosterRole, value: str) -> bool | frozenset[str]:
    lowered = value.lower()
    if lowered in FALSE_WORDS:
        return frozenset()
    if role not in AGENT_ROLES:
        table.error(line, "metadata.restricted applies to parents and guardians only")
        return frozenset()
    if lowered in TRUE_WORDS:
        return True
    return frozenset(_split_ids(value))


def _read_users(directory: Path, roster: Roster, progress: Progress | None) -> dict[str, str] | None:
    """Read users.csv; the role of every user, imported or not (to check links), or None if it cannot be read."""
    table = _Table(directory / "users.csv", roster, progress)
    roles: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, row in table.rows(REQUIRED_COLUMNS["users.csv"]):
        if row.get("status", "").lower() == "tobedeleted":
            continue
        sourced_id = row["sourcedId"]
        if not sourced_id:
            table.error(line, "sourcedId is empty")
            continue
        if sourced_id in lines:
            table.error(line, f"sourcedId {sourced_id!r} is already on line {lines[sourced_id]}")
            continue
        lines[sourced_id] = line
        role_name = row["role"].lower()
        if role_name not in ONEROSTER_ROLES:
            table.error(line, f"role {row['role']!r} is not a OneRoster 1.1 role")
            continue
        roles[sourced_id] = role_name
        if role_name not in RosterRole.__members__:
            roster.skipped_users += 1
            continue
        role = RosterRole(role_name)
        enabled_text = row["enabledUser"].lower()
        if enabled_text not in ("true", "false"):
            table.error(line, f"enabledUser must be true or false, not {row['enabledUser']!r}")
            continue
        given, family, middle = row["givenName"], row["familyName"], row.get("middleName", "")
        if not given or not family:
            table.error(line, "givenName and familyName are required")
            continue
        if max(len(given), len(family), len(middle)) > MAX_NAME:
            table.error(line, f"a name is longer than {MAX_NAME} characters")
            continue
        orgs = _split_ids(row["orgSourcedIds"])
        unknown = [o for o in orgs if o not in roster.orgs]
        if unknown:
            table.error(line, f"orgSourcedIds names {', '.join(unknown)}, not in orgs.csv")
            continue
        school = next((o for o in orgs if roster.orgs[o].org_type == "school"), None)
        if role is RosterRole.student and school is None:
            roster.warnings.append(
                Issue(table.name, line, "student without a school org: requests go to the district privacy officer")
            )
        contacts = {c: _contact(table, line, c, row.get(c, "")) for c in ("email", "sms", "phone")}
        roster.people[sourced_id] = PersonRow(
            sourced_id=sourced_id,
            role=role,
            given_name=given,
            middle_name=middle,
            family_name=family,
            enabled=enabled_text == "true",
            school_sourced_id=school,
            email=contacts["email"],
            sms=contacts["sms"],
            phone=contacts["phone"],
            agent_ids=_split_ids(row.get("agentSourcedIds", "")),
            restricted=_restriction(table, line, role, row.get("metadata.restricted", "")),
            line=line,
        )
    return roles if table.columns else None


def _link(roster: Roster, roles: dict[str, str]) -> None:
    """Links from ``agentSourcedIds`` on both sides, and each parent's restriction."""
    pairs: dict[tuple[str, str], None] = {}
    for person in roster.people.values():
        for other in person.agent_ids:
            other_role = roles.get(other)
            problem = None
            if other_role is None:
                problem = f"agentSourcedIds names {other!r}, not in users.csv"
            elif person.role is RosterRole.student:
                if other_role == "student":
                    problem = f"agentSourcedIds names {other!r}, a student, not a parent or guardian"
                elif other in roster.people:
                    pairs[(other, person.sourced_id)] = None
                # A relative or another role holds no rights over the records: not linked.
            elif other_role != "student":
                problem = f"agentSourcedIds names {other!r}, who is not a student"
            elif other in roster.people:
                pairs[(person.sourced_id, other)] = None
            if problem:
                roster.errors.append(Issue("users.csv", person.line, problem))
    linked: dict[str, set[str]] = {}
    for agent_id, student_id in pairs:
        agent = roster.people[agent_id]
        restricted = agent.restricted is True or (
            isinstance(agent.restricted, frozenset) and student_id in agent.restricted
        )
        roster.links.append(LinkRow(agent_id, student_id, agent.role, restricted))
        linked.setdefault(agent_id, set()).add(student_id)
    for person in roster.people.values():
        if isinstance(person.restricted, frozenset):
            for student_id in sorted(person.restricted - linked.get(person.sourced_id, set())):
                roster.errors.append(
                    Issue(
                        "users.csv",
                        person.line,
                        f"metadata.restricted names {student_id!r}, who is not one of this person's students",
                    )
                )


def _read_demographics(
    directory: Path, roster: Roster, roles: dict[str, str], today: date, progress: Progress | None
) -> None:
    table = _Table(directory / "demographics.csv", roster, progress)
    seen: dict[str, int] = {}
    for line, row in table.rows(REQUIRED_COLUMNS["demographics.csv"]):
        if row.get("status", "").lower() == "tobedeleted":
            continue
        sourced_id = row["sourcedId"]
        if sourced_id in seen:
            table.error(line, f"sourcedId {sourced_id!r} is already on line {seen[sourced_id]}")
            continue
        seen[sourced_id] = line
        if sourced_id not in roles:
            table.error(line, f"sourcedId {sourced_id!r} is not in users.csv")
            continue
        person = roster.people.get(sourced_id)
        text = row["birthDate"]
        if person is None or person.role is not RosterRole.student or not text:
            continue  # only students' birth dates are needed
        try:
            born = date.fromisoformat(text)
        except ValueError:
            table.error(line, "birthDate must be a date written YYYY-MM-DD")
            continue
        if born > today:
            table.error(line, "birthDate is in the future")
            continue
        person.birth_date = born


def read_roster(directory: Path, today: date, progress: Progress | None = None) -> Roster:
    """Read and check the export in ``directory``; ``roster.errors`` lists every problem (see module docstring)."""
    roster = Roster()
    if not directory.is_dir():
        roster.errors.append(Issue(str(directory), None, "is not a directory"))
        return roster
    present = _read_manifest(directory, roster)
    if roster.errors:
        return roster
    if not _read_orgs(directory, roster, progress):
        return roster
    roles = _read_users(directory, roster, progress)
    if roles is None:
        return roster
    _link(roster, roles)
    if "demographics" in present:
        _read_demographics(directory, roster, roles, today, progress)
    students = [p for p in roster.people.values() if p.role is RosterRole.student]
    undated = [p for p in students if p.birth_date is None]
    if undated and "demographics" in present:
        roster.warnings.append(
            Issue(
                "demographics.csv",
                None,
                f"{len(undated):,} student(s) have no birthDate and cannot be verified "
                f"(first: users.csv line {undated[0].line})",
            )
        )
    # Who may receive a code needs a contact on file: parents, guardians, and students who are 18 or older.
    no_contact = [
        p
        for p in roster.people.values()
        if not (p.email or p.sms or p.phone)
        and (p.role in AGENT_ROLES or (p.birth_date is not None and is_eligible_student(p.birth_date, today)))
    ]
    if no_contact:
        roster.warnings.append(
            Issue(
                "users.csv",
                None,
                f"{len(no_contact):,} parent(s), guardian(s) or students over 18 have no email, sms or phone and "
                f"cannot receive a code (first: line {no_contact[0].line})",
            )
        )
    return roster
