"""Family questions labelled with their topic: how families actually ask, used by retrieval as examples.

``knowledge/articles/questions.tsv`` holds questions written the way families write (typos, no punctuation, long
stories, Spanglish), each with the topic that answers it. Retrieval treats them as more ways of asking every
article of that topic in that language, so a question worded like none of an article's own ``asked_as`` can still
find it through a family who asked the same thing differently. They are data, like the articles: editing them
needs no retraining of the Rasa model, and the knowledge service reloads them when the file changes.

Columns: ``question``, ``lang`` (en or es), ``topic`` (a topic of ``topics.yml``), ``also`` (other topics the
question fits equally, ``|``-separated, used only when measuring; may be empty) and, optionally, ``source``: the
public page (http or https URL) a real family's question was copied from, word for word. A row without a source
was written by the team. The questions of the evaluation sets in ``bench/data/`` are kept out of this file
(``bench/kb_accuracy.py`` counts copies; a unit test enforces it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from core.i18n import LANGUAGES
from knowledge.articles import ARTICLES_DIR

EXAMPLES_FILE = ARTICLES_DIR / "questions.tsv"
COLUMNS = ("question", "lang", "topic", "also")
OPTIONAL_COLUMNS = ("source",)
SOURCE_PREFIXES = ("https://", "http://")


@dataclass(frozen=True)
class Example:
    """One family question and the topic that answers it."""

    question: str
    lang: str
    topic: str
    also: tuple[str, ...] = ()
    source: str = ""


class ExampleError(ValueError):
    """A questions file that cannot be used, with its path and line."""


def load_examples(path: Path = EXAMPLES_FILE) -> list[Example]:
    """Every example in ``path`` (none if the file does not exist); raises ``ExampleError`` on a bad row."""
    if not path.exists():
        return []
    out: list[Example] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        allowed = (len(COLUMNS), len(COLUMNS) + len(OPTIONAL_COLUMNS))
        if header is None or tuple(header) not in (COLUMNS, COLUMNS + OPTIONAL_COLUMNS):
            names = " / ".join(COLUMNS)
            raise ExampleError(f"{path}:1: the header must be {names} (and optionally source), got {header}")
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) not in allowed:
                raise ExampleError(
                    f"{path}:{number}: expected {allowed[0]} or {allowed[1]} tab-separated columns, got {len(row)}"
                )
            question, lang, topic, also, source = (*(cell.strip() for cell in row), "")[:5]
            if not question:
                raise ExampleError(f"{path}:{number}: the question is empty")
            if lang not in LANGUAGES:
                raise ExampleError(f"{path}:{number}: language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
            if not topic:
                raise ExampleError(f"{path}:{number}: the topic is empty")
            if source and (not source.startswith(SOURCE_PREFIXES) or any(ch.isspace() for ch in source)):
                raise ExampleError(f"{path}:{number}: the source must be an http(s) URL, got {source!r}")
            out.append(Example(question, lang, topic, tuple(t for t in also.split("|") if t), source))
    return out


def by_topic(examples: Iterable[Example], lang: str) -> Mapping[str, list[str]]:
    """The questions of ``lang``, grouped by topic."""
    grouped: dict[str, list[str]] = {}
    for example in examples:
        if example.lang == lang:
            grouped.setdefault(example.topic, []).append(example.question)
    return grouped
