"""Family-facing Spanish outside the knowledge articles uses none of the glossary's not-to-use terms.

The list is read from the "Terms not to use (checked)" table in ``knowledge/GLOSSARY.md``, so the glossary and
this test never diverge. The texts checked are everything the desk itself writes to a Spanish-speaking family:
the Spanish variation of every Rasa response (text and button titles), the ``"es"`` entries of the Python
modules families see, the Spanish branches of the page templates, the help desk's reply templates and the
district files' Spanish fields.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "knowledge" / "GLOSSARY.md"
CHECKED_HEADING = "## 2. Terms not to use (checked)"

# Python modules whose "es" entries reach families (the web chat page, SMS, verification, help desk, pages).
PYTHON_SOURCES = [
    *sorted((ROOT / "channels").rglob("*.py")),
    *sorted((ROOT / "outbox").rglob("*.py")),
    *sorted((ROOT / "conversations").rglob("*.py")),
    *sorted((ROOT / "identity").rglob("*.py")),
    *sorted((ROOT / "ticketing" / "family").rglob("*.py")),
    ROOT / "ticketing" / "tickets" / "enums.py",
    *sorted((ROOT / "actions").rglob("*.py")),
    ROOT / "knowledge" / "pages.py",
    ROOT / "knowledge" / "district.py",
    ROOT / "core" / "pages.py",
    ROOT / "rightsdesk" / "errors.py",
]
TEMPLATES = [
    *sorted((ROOT / "knowledge" / "templates").rglob("*.html")),
    *sorted((ROOT / "ticketing" / "family" / "templates").rglob("*.html")),
    *sorted((ROOT / "channels").rglob("templates/*.html")),
    *sorted((ROOT / "rightsdesk" / "templates").glob("*.html")),
]

# Texts owned by other work that a branch must not edit (none now: the web chat page follows the glossary).
# Each entry must still occur: once the owner fixes it, the entry fails and has to be removed from here.
PENDING: dict[tuple[str, str], str] = {}


def not_to_use() -> list[str]:
    """The first column of the checked table in GLOSSARY.md."""
    text = GLOSSARY.read_text(encoding="utf-8")
    assert CHECKED_HEADING in text, f"{GLOSSARY} lost its heading {CHECKED_HEADING!r}"
    section = text.split(CHECKED_HEADING, 1)[1].split("\n## ", 1)[0]
    terms = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2 or set(cells[0]) <= set("-: ") or cells[0] == "Do not use":
            continue
        terms.append(cells[0])
    return terms


def pattern(term: str) -> re.Pattern[str]:
    """Whole words, any case; punctuation-only terms (quotation marks) match anywhere."""
    escaped = re.escape(term).replace(r"\ ", r"\s+")
    if term[0].isalnum() and term[-1].isalnum():
        return re.compile(rf"(?<![\w]){escaped}(?![\w])", re.IGNORECASE)
    if term[0].isalnum():
        return re.compile(rf"(?<![\w]){escaped}", re.IGNORECASE)
    return re.compile(escaped, re.IGNORECASE)


PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def strings_in(node: Any) -> Iterator[str]:
    """Every string literal under an AST node (f-string parts included)."""
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def python_spanish(path: Path) -> Iterator[str]:
    """The values of every dict entry keyed "es" in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "es":
                    yield from strings_in(value)


ES_BRANCH = re.compile(
    r"\{%-?\s*if\s+(?:es|lang\s*==\s*['\"]es['\"])\s*-?%\}(.*?)\{%-?\s*(?:else|elif[^%]*|endif)\s*-?%\}", re.S
)


def template_spanish(path: Path) -> Iterator[str]:
    """The Spanish branches of a Jinja template ({% if es %}…{% else %})."""
    for match in ES_BRANCH.finditer(path.read_text(encoding="utf-8")):
        yield re.sub(r"\{[{%#].*?[}%#]\}", " ", match.group(1))


def yaml_spanish(data: Any) -> Iterator[str]:
    """Every string under an "es" key, at any depth."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "es":
                yield from yaml_strings(value)
            else:
                yield from yaml_spanish(value)
    elif isinstance(data, list):
        for item in data:
            yield from yaml_spanish(item)


def yaml_strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from yaml_strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from yaml_strings(item)


def domain_spanish(path: Path) -> Iterator[str]:
    """The text and button titles of every response variation conditioned on language == es."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for variations in (data.get("responses") or {}).values():
        for variation in variations:
            conditions = variation.get("condition") or []
            if not any(c.get("name") == "language" and c.get("value") == "es" for c in conditions):
                continue
            if variation.get("text"):
                yield variation["text"]
            for button in variation.get("buttons") or []:
                yield button["title"]


def family_spanish() -> Iterator[tuple[str, str]]:
    """(source path, text) for every family-facing Spanish text outside the knowledge articles."""
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        for text in domain_spanish(path):
            yield str(path.relative_to(ROOT)), text
    for path in PYTHON_SOURCES:
        for text in python_spanish(path):
            yield str(path.relative_to(ROOT)), text
    for path in TEMPLATES:
        for text in template_spanish(path):
            yield str(path.relative_to(ROOT)), text
    yaml_files = [ROOT / "ticketing" / "helpdesk.yml", *sorted((ROOT / "knowledge" / "district").glob("*.yml"))]
    for path in yaml_files:
        for text in yaml_spanish(yaml.safe_load(path.read_text(encoding="utf-8"))):
            yield str(path.relative_to(ROOT)), text


def test_the_glossary_lists_terms_not_to_use() -> None:
    terms = not_to_use()
    assert len(terms) >= 20
    assert "registros" in terms and "oficial de privacidad" in terms and "excluirse" in terms


def test_the_sources_hold_spanish_text() -> None:
    """Guard against the extractors silently finding nothing (a moved file, a renamed key)."""
    sources = {source for source, _ in family_spanish()}
    for expected in [
        "bot/domain/requests.yml",
        "bot/domain/core.yml",
        "channels/sms/service.py",
        "identity/verification/messages.py",
        "ticketing/family/messages.py",
        "ticketing/tickets/enums.py",
        "ticketing/helpdesk.yml",
        "knowledge/pages.py",
        "knowledge/templates/transparency.html",
        "knowledge/district/demo.yml",
    ]:
        assert expected in sources


def test_the_matcher_is_whole_words() -> None:
    assert pattern("registro").search("corrija un registro que está mal")
    assert not pattern("registro").search("los registros")
    assert not pattern("notas").search("anotaste")
    assert pattern("oficial de privacidad").search("la Oficial de\nPrivacidad")
    assert pattern("«").search("escriba «hola»")


@pytest.mark.parametrize("term", not_to_use())
def test_family_spanish_avoids_the_term(term: str) -> None:
    found = pattern(term)
    hits = [
        f"{source}: …{text[max(0, m.start() - 40) : m.end() + 40]}…"
        for source, text in family_spanish()
        if (source, term) not in PENDING
        for m in [found.search(PLACEHOLDER.sub(" ", unicodedata.normalize("NFC", text)))]
        if m
    ]
    assert not hits, f"{term!r} is on the glossary's not-to-use list:\n" + "\n".join(hits)
