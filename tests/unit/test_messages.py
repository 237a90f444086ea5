"""The message catalogue (messages/en.yml, messages/es.yml) is complete in both languages and matches the code.

- Both files hold the same keys (at every depth), and each text has the same ``{placeholders}`` in both.
- Every literal key the code asks for (``message("…")``, ``message_list("…")``, ``messages_in("…")``) exists, of
  the right kind, in both files; keys built at run time are checked from the enums they come from.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core import messages as catalogue
from core.i18n import LANGUAGES
from ticketing.family.messages import category_label, status_label
from ticketing.tickets.enums import TicketCategory, TicketStatus

ROOT = Path(__file__).resolve().parents[2]
CODE = [
    path
    for package in ("core", "actions", "channels", "identity", "knowledge", "ticketing", "rightsdesk")
    for path in sorted((ROOT / package).rglob("*.py"))
]
KINDS = {"message": str, "message_list": list, "messages_in": dict}


def flat(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, leaf) for every text or list of texts."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from flat(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip("."), data


def load(lang: str) -> dict[str, Any]:
    return dict(flat(yaml.safe_load((ROOT / "messages" / f"{lang}.yml").read_text(encoding="utf-8"))))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_languages_hold_the_same_keys() -> None:
    en, es = load("en"), load("es")
    assert sorted(set(en) - set(es)) == [], "missing in messages/es.yml"
    assert sorted(set(es) - set(en)) == [], "missing in messages/en.yml"


def test_each_text_has_the_same_placeholders_in_both_languages() -> None:
    en, es = load("en"), load("es")
    differ = []
    for key in sorted(set(en) & set(es)):
        left, right = en[key], es[key]
        assert type(left) is type(right), key
        if isinstance(left, list):
            assert len(left) == len(right), key
            pairs = list(zip(left, right, strict=True))
        else:
            pairs = [(left, right)]
        differ += [key for a, b in pairs if placeholders(a) != placeholders(b)]
    assert differ == []


def test_every_text_is_a_non_empty_string() -> None:
    for lang in LANGUAGES:
        for key, value in load(lang).items():
            texts = value if isinstance(value, list) else [value]
            assert texts and all(isinstance(t, str) and t.strip() for t in texts), (lang, key)


def keys_used_in_code() -> Iterator[tuple[str, str, str]]:
    """(where, function, key) for every call with a literal key."""
    for path in CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0]
            if name in KINDS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", name, first.value
            # message("a" if x else "b", …)
            if name in KINDS and isinstance(first, ast.IfExp):
                for branch in (first.body, first.orelse):
                    if isinstance(branch, ast.Constant) and isinstance(branch.value, str):
                        yield f"{path.relative_to(ROOT)}:{node.lineno}", name, branch.value


def test_the_scan_finds_the_keys_the_code_uses() -> None:
    used = {key for _, _, key in keys_used_in_code()}
    assert {"handoff.officer_left", "sms.help", "page", "chat_page.starter_questions", "verification.code_sms"} <= used


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_the_code_uses_exists(lang: str) -> None:
    missing = []
    for where, function, key in keys_used_in_code():
        try:
            found = catalogue.lookup(key, lang)
        except KeyError:
            missing.append(f"{where}: {key}")
            continue
        if not isinstance(found, KINDS[function]):
            missing.append(f"{where}: {key} is not a {KINDS[function].__name__}")
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_category_and_status_has_family_words(lang: str) -> None:
    assert all(category_label(c, lang) for c in TicketCategory)
    assert all(status_label(s, lang) for s in TicketStatus)


def test_a_message_is_filled_in_and_falls_back_to_english() -> None:
    assert catalogue.message("handoff.officer_joined", "es", name="Dana").startswith("Dana, de la oficina")
    assert catalogue.message("handoff.officer_joined", None, name="Dana").startswith("Dana from the privacy")
    with pytest.raises(KeyError):
        catalogue.message("handoff.officer_joined", "en")  # a placeholder left unfilled is an error, not a "{name}"
    with pytest.raises(KeyError):
        catalogue.message("handoff.no_such_text", "en")
