"""Small, self-contained knowledge bases and district files for validator tests (not the shipped ones)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from knowledge.district import District

TOPIC = "fees_copies"


def district_data(**changes: Any) -> dict[str, Any]:
    """A minimal fictional district (Illinois unless ``state`` is given), with ``changes`` applied on top."""
    data: dict[str, Any] = {
        "name": "Prairie Test District",
        "short_name": "Prairie TD",
        "state": "IL",
        "timezone": "America/Chicago",
        "website": "https://prairie.example.org",
        "languages": ["en", "es"],
        "governance": {
            "body": {"en": "the data committee", "es": "el comité de datos"},
            "rules_url": "https://prairie.example.org/rules",
            "meets": {"en": "every month", "es": "cada mes"},
        },
        "contacts": {
            "district_privacy_officer": {
                "name": "Pat Example",
                "title": {"en": "Privacy Officer", "es": "Responsable de Privacidad"},
                "email": "privacy@prairie.example.org",
            }
        },
        "schools": [],
        "deadlines": {
            "records": {"days": 10, "business_days": True, "citation": "105 ILCS 10/5(c)"},
            "federal_records": {"days": 45, "business_days": False, "citation": "34 CFR 99.10(b)"},
            "correction": {"days": 15, "business_days": True, "citation": "23 Ill. Adm. Code 375.90(c)"},
            "breach_notice": {"days": 30, "business_days": False, "citation": "105 ILCS 85/27"},
        },
        "holidays": ["2026-11-26"],
        "directory_information": {
            "categories": {"en": ["student name", "grade level"], "es": ["nombre del estudiante", "grado"]},
            "opt_out_window": {"en": "within 30 days", "es": "dentro de 30 días"},
        },
        "breach_policy": {"en": "We tell families within 30 days.", "es": "Avisamos a las familias en 30 días."},
        "security_practices": {"en": ["encryption"], "es": ["cifrado"]},
        "vendors": [],
        "retention_schedule": [
            {"record": {"en": "Messages", "es": "Mensajes"}, "keep": {"en": "1 year", "es": "1 año"}},
        ],
        "retention": {"conversation_days": 365, "closed_ticket_days": 365},
    }
    data = copy.deepcopy(data)
    data.update(changes)
    return data


def district(**changes: Any) -> District:
    """:func:`district_data` as a validated :class:`District`."""
    return District.model_validate(district_data(**changes))


def write_district(path: Path, **changes: Any) -> Path:
    """Write :func:`district_data` to ``path`` as YAML."""
    path.write_text(yaml.safe_dump(district_data(**changes), allow_unicode=True), encoding="utf-8")
    return path
