"""Small, self-contained knowledge bases and district files for validator tests (not the shipped ones)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from knowledge.district import District

TOPIC = "fees_copies"
DEMO = yaml.safe_load((Path(__file__).resolve().parents[3] / "knowledge" / "district" / "demo.yml").read_text("utf-8"))


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
        # The demo district's rules for devices, immigration enforcement and safety technology (plain prose).
        **{key: DEMO[key] for key in ("device_policy", "immigration_policy", "safety_technology")},
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


def article_data(lang: str = "en", **changes: Any) -> dict[str, Any]:
    """One small article (topic ``fees_copies``) in ``lang``, with ``changes`` applied on top."""
    source = {"citation": "34 CFR 99.11", "url": "https://www.ecfr.gov/current/title-34/section-99.11"}
    if lang == "es":
        data: dict[str, Any] = {
            "id": "fees-copies",
            "lang": "es",
            "topic": TOPIC,
            "title": "Cuotas y copias",
            "short": "Ver el expediente es gratis (34 CFR 99.11). Pida copias a {privacy_contact}.",
            "body": "La escuela puede cobrar por las copias, pero no por buscar los registros (34 CFR 99.11).",
            "sources": [source],
            "jurisdiction": "federal",
            "reviewed": {"on": "2026-12-07", "by": "asesoría jurídica del distrito"},
        }
    else:
        data = {
            "id": "fees-copies",
            "lang": "en",
            "topic": TOPIC,
            "title": "Fees and copies",
            "short": "Looking at records is free (34 CFR 99.11). Ask {privacy_contact} for copies.",
            "body": "The school may charge for copies, but not to search for the records (34 CFR 99.11).",
            "sources": [source],
            "jurisdiction": "federal",
            "reviewed": {"on": "2026-12-07", "by": "district counsel"},
        }
    data.update(changes)
    return data


def write_kb(root: Path, en: dict[str, Any] | None = None, es: dict[str, Any] | None = None) -> Path:
    """A one-topic knowledge base under ``root``: ``topics.yml``, an EN/ES article pair and a questions file."""
    articles = root / "articles"
    for lang, data in (("en", en or article_data("en")), ("es", es or article_data("es"))):
        (articles / lang).mkdir(parents=True, exist_ok=True)
        (articles / lang / f"{TOPIC}.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (articles / "questions.tsv").write_text(
        "question\tlang\ttopic\talso\ncan they charge me to see my kids file\ten\tfees_copies\t\n"
        "cuanto cuesta una copia del expediente\tes\tfees_copies\t\n",
        encoding="utf-8",
    )
    (root / "topics.yml").write_text(f"topics:\n  {TOPIC}:\n    title: Fees and copies\n", encoding="utf-8")
    return articles
