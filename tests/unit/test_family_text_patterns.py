"""Nothing a family types can make a pattern backtrack (issue 11, F1).

Every regular expression that reads family text (language detection, redaction, dates, names, codes, SMS replies,
knowledge search) is run on crafted 2,000-character inputs made of the characters the pattern itself is built
from; each must finish in a few milliseconds. The catastrophic ``\\S+@\\S+\\.\\S+`` took seconds on 2,000 "@".
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Iterator

import pytest

from channels.language import detect_language
from conversations.redact import redact

MODULES = [
    "channels.language",
    "conversations.redact",
    "channels.sms.render",
    "channels.sms.keywords",
    "core.contacts",
    "identity.verification.dates",
    "identity.names",
    "identity.verification.service",
    "knowledge.text",
    "actions.answers",
]
LENGTH = 2000
# Far above a linear pass over 2,000 characters (well under 1 ms), far below a quadratic one on a loaded machine.
BUDGET_SECONDS = 0.025
PIECES = [
    *"aA1 @.-/é',\n+(",
    "x@",
    "a.",
    "@.",
    "a@",
    "1 ",
    "1/",
    "1-",
    " a",
    "de ",
    "in ",
    "of ",
    "www.",
    "http://",
    "spanish ",
    "please in ",
    "no ",
    "abril 17 ",
    "2010 ",
    "123 ",
]
ENDINGS = ["", "!", "a", "@", "1", "."]


def _patterns(value: object) -> Iterator[re.Pattern[str]]:
    if isinstance(value, re.Pattern):
        yield value
    elif isinstance(value, list | tuple) and len(value) < 500:
        for item in value:
            yield from _patterns(item)


def family_text_patterns() -> list[tuple[str, re.Pattern[str]]]:
    found: dict[tuple[str, str], re.Pattern[str]] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            for pattern in _patterns(value):
                if isinstance(pattern.pattern, str):
                    found[(f"{name}.{attribute}", pattern.pattern)] = pattern
    return [(where, pattern) for (where, _), pattern in found.items()]


def crafted_inputs() -> Iterator[str]:
    for piece in PIECES:
        for ending in ENDINGS:
            body = piece * (LENGTH // len(piece) + 1)
            yield body[: LENGTH - len(ending)] + ending


def _cost(pattern: re.Pattern[str], text: str) -> float:
    started = time.perf_counter()
    pattern.search(text)
    pattern.findall(text)
    pattern.sub("", text)
    return time.perf_counter() - started


@pytest.mark.parametrize(("where", "pattern"), family_text_patterns(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_pattern_that_reads_family_text_backtracks(where: str, pattern: re.Pattern[str]) -> None:
    for text in crafted_inputs():
        cost = _cost(pattern, text)
        if cost > BUDGET_SECONDS:
            cost = min(cost, _cost(pattern, text))  # a second look, in case the machine was busy
        assert cost <= BUDGET_SECONDS, f"{where} {pattern.pattern!r} took {cost * 1000:.0f} ms on {text[:12]!r}…"


ADVERSARIAL = [
    "@" * 2000,
    "a@" * 1000,
    "é" * 1999 + "@",
    "x." * 1000,
    "spanish " * 250,
    "please in spanish " * 111,
    "no quiero en inglés " * 100,
    "hola " * 400,
    "1/1/" * 500,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: repr(t[:10]))
def test_detecting_the_language_of_a_crafted_message_is_cheap(text: str) -> None:
    detect_language("hello")  # langdetect's profiles load once per process
    costs = []
    for _ in range(3):
        started = time.perf_counter()
        detect_language(text, "en")
        redact(text)
        costs.append(time.perf_counter() - started)
    assert min(costs) < 0.05, f"{min(costs) * 1000:.0f} ms"
