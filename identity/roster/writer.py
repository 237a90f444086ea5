"""Writing a OneRoster 1.1 bulk CSV export (the files :mod:`identity.roster.oneroster` reads).

Used to produce test and benchmark rosters, and by anyone who builds a roster from another source: give it plain
rows, it writes ``manifest.csv``, ``orgs.csv``, ``users.csv`` and ``demographics.csv`` with the standard headers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

ORG_COLUMNS = ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"]
USER_COLUMNS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
    "metadata.restricted",
]
DEMOGRAPHIC_COLUMNS = ["sourcedId", "status", "dateLastModified", "birthDate", "sex"]
MANIFEST = [
    ("manifest.version", "1.0"),
    ("oneroster.version", "1.1"),
    ("file.academicSessions", "absent"),
    ("file.categories", "absent"),
    ("file.classes", "absent"),
    ("file.classResources", "absent"),
    ("file.courses", "absent"),
    ("file.courseResources", "absent"),
    ("file.demographics", "bulk"),
    ("file.enrollments", "absent"),
    ("file.lineItems", "absent"),
    ("file.orgs", "bulk"),
    ("file.resources", "absent"),
    ("file.results", "absent"),
    ("file.users", "bulk"),
]

Row = Mapping[str, str]


def _write(path: Path, columns: list[str], rows: Iterable[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column, "") for column in columns])


def write_export(directory: Path, orgs: Iterable[Row], users: Iterable[Row], demographics: Iterable[Row]) -> None:
    """Write the four files into ``directory`` (created if needed); rows are ``{column: value}``."""
    directory.mkdir(parents=True, exist_ok=True)
    _write(
        directory / "manifest.csv", ["propertyName", "value"], ({"propertyName": k, "value": v} for k, v in MANIFEST)
    )
    _write(directory / "orgs.csv", ORG_COLUMNS, orgs)
    _write(directory / "users.csv", USER_COLUMNS, users)
    _write(directory / "demographics.csv", DEMOGRAPHIC_COLUMNS, demographics)
