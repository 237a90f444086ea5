"""``rightsdesk kb validate``: the rules every article, district file and the topic list must keep.

It checks what families actually read: every article rendered with every district file's values (the
repository's ``knowledge/district/*.yml`` and the file the deployment is configured with), as the knowledge
service renders it.

Errors (the command fails):

- files: an article that does not parse or breaks the schema (``reviewed: {on, by}`` included), a topic of
  ``topics.yml`` missing in either language, an unknown topic, a duplicate id within a language, a related id that
  does not exist, an English article without its Spanish pair (or the reverse), a review date in the future, a
  family question (``questions.tsv``) that does not parse (including a ``source`` that is not an http(s)
  URL), names an unknown topic or is listed twice;
- sources: an article without sources, a source (of an article, a state sentence or a state rule) that is not
  https or not on an official host of the allow-list (:mod:`knowledge.sources`);
- English/Spanish pairs whose citations differ: other source URLs, other legal references in the sources'
  citations or in the text, or other placeholders;
- placeholders: an unknown one; after rendering, one left unfilled or one that renders empty;
- rendered answers: a short answer over 320 characters, a short answer above grade 10 on the readability
  measure (:mod:`knowledge.readability`), a doubled word ("within within") in the short answer or the body;
- district files: one that does not parse, or that breaks the law of its state (:mod:`knowledge.state_law`).

Warnings: a review (``reviewed.on``) older than 12 months (``rightsdesk kb review-due``), a whole answer far above
the target reading level, a family question that is already one of an article's ways of asking, a district
holiday that is not a legal school holiday, a district in a state without rules.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import ValidationError

from core.i18n import LANGUAGES
from knowledge.articles import (
    ARTICLES_DIR,
    PLACEHOLDER_RE,
    PLACEHOLDERS,
    SHORT_ANSWER_LIMIT,
    Article,
    ArticleError,
    LoadedArticle,
    known_placeholders,
    parse_article,
    placeholder_values,
    render,
)
from knowledge.district import DISTRICT_DIR, District, load_district
from knowledge.examples import EXAMPLES_FILE, Example, ExampleError, load_examples
from knowledge.readability import reading_grade
from knowledge.service import unwrap
from knowledge.sources import DISTRICT_EXTENSION, SOURCES_ALLOWED_FILE, AllowList, load_allow_list
from knowledge.state_answers import STATE_ANSWERS_FILE, load_state_answers
from knowledge.state_law import STATE_LAW_FILE, StateLaw, check_district, load_state_law
from knowledge.text import words

# The repository's copy of the shared topic list: shared/kb/topics.yml followed by shared/kb/topics-added-2026-12.yml
# (a unit test keeps them equal).
T = TypeVar("T")
TOPICS_FILE = Path(__file__).resolve().parent / "topics.yml"
_TOPIC_LINE = re.compile(r"^  ([a-z0-9_]+):\s*$")
REVIEW_MAX_AGE = timedelta(days=365)
SHORT_GRADE_LIMIT = 10.0
GRADE_WARN = {"en": 11.0, "es": 12.0}
# The public URL answers are rendered with when the command is not given the deployment's (the Settings default).
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
# "within within", "de de": the same word twice in a row, across a line break too.
_DOUBLED = re.compile(r"\b([^\W\d_]+)\s+\1\b", re.IGNORECASE)
# Legal references as written in both languages: section numbers with their subsections ("99.31(a)(9)",
# "49069.7", "375.90(c)"), U.S. Code sections ("1232g(b)(2)(B)"), ILCS sections ("10/5(c)"), hyphenated state
# sections ("22-16-112", "10-234bb", "17-200") and lettered principles ("10a"). Plain numbers (days, ages) are
# not references: "principles 1-3" is "1 a 3" in Spanish.
_LEGAL_REFERENCE = re.compile(
    r"\b(?:\d+(?:\.\d+)+[a-z]?|\d+[a-z]{1,2}|\d+/\d+[a-z]?|\d{2,}-\d{2,}[a-z]*(?:-\d+[a-z]*)?)(?:\([A-Za-z0-9]+\))*"
)


def review_is_due(article: Article, today: date) -> bool:
    """Whether ``article`` was last reviewed against its sources more than 12 months before ``today``."""
    return today - article.reviewed.on > REVIEW_MAX_AGE


def reviews_due(articles: list[LoadedArticle], today: date) -> list[LoadedArticle]:
    """The articles whose review is older than 12 months, oldest first (``rightsdesk kb review-due``)."""
    due = [item for item in articles if review_is_due(item.article, today)]
    return sorted(due, key=lambda item: (item.article.reviewed.on, item.article.id, item.article.lang))


def legal_references(text: str) -> set[str]:
    """The legal references cited in ``text`` ("34 CFR 99.31(a)(9)" gives "99.31(a)(9)")."""
    return set(_LEGAL_REFERENCE.findall(text))


def load_topics(path: Path = TOPICS_FILE) -> list[str]:
    """Topic ids of the taxonomy: the keys indented once under each group.

    Read line by line: the shared file marks uncertain facts with ``[verify]`` inside flow lists, which strict
    YAML rejects, and only the ids matter here.
    """
    return [m.group(1) for line in path.read_text(encoding="utf-8").splitlines() if (m := _TOPIC_LINE.match(line))]


def repository_districts() -> list[Path]:
    """Every district file shipped in the repository (``knowledge/district/*.yml``)."""
    return sorted(path for path in DISTRICT_DIR.glob("*.yml") if path.name != DISTRICT_EXTENSION)


@dataclass
class Report:
    """What validation found."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    articles: list[LoadedArticle] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    districts: list[tuple[Path, District]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors


def validate(
    root: Path = ARTICLES_DIR,
    topics_file: Path = TOPICS_FILE,
    today: date | None = None,
    district_files: Sequence[Path] | None = None,
    state_law_file: Path = STATE_LAW_FILE,
    sources_file: Path = SOURCES_ALLOWED_FILE,
    public_url: str = DEFAULT_PUBLIC_URL,
) -> Report:
    """Check every article under ``root``, the family questions beside them, and each district file.

    ``district_files`` defaults to the repository's (:func:`repository_districts`); the command adds the file
    the deployment is configured with (``RIGHTSDESK_DISTRICT_FILE``) and renders with its public URL.
    """
    today = today or date.today()
    report = Report()
    paths = list(district_files) if district_files is not None else repository_districts()
    law = _load(state_law_file, load_state_law, report)
    if law is not None:
        _validate_districts(paths, law, report)
    allowed = _load(sources_file, lambda p: load_allow_list(p, [d.parent / DISTRICT_EXTENSION for d in paths]), report)
    placeholders = _load(STATE_ANSWERS_FILE, lambda _: known_placeholders(), report) or PLACEHOLDERS
    topics = load_topics(topics_file)
    if not topics:
        report.errors.append(f"{topics_file}: no topics found")
    known_topics = set(topics)
    for lang in LANGUAGES:
        for path in sorted((root / lang).glob("*.yml")):
            try:
                report.articles.append(LoadedArticle(parse_article(path), path))
            except ArticleError as exc:
                report.errors.append(str(exc))
    ids: dict[str, dict[str, Path]] = {lang: {} for lang in LANGUAGES}
    for item in report.articles:
        _validate_article(item, ids, known_topics, placeholders, today, report)
        if allowed is not None:
            _validate_sources(str(item.path), (str(s.url) for s in item.article.sources), allowed, report)
    if allowed is not None:
        _validate_data_sources(law, allowed, report)
    for item in report.articles:
        for rel in item.article.related:
            if rel not in ids[item.article.lang]:
                report.errors.append(f"{item.path}: related id {rel!r} does not exist in {item.article.lang}")
    for lang in LANGUAGES:
        covered = {i.article.topic for i in report.articles if i.article.lang == lang}
        for topic in topics:
            if topic not in covered:
                report.errors.append(f"topic {topic!r} has no {lang} article")
    for lang, other in (("en", "es"), ("es", "en")):
        for article_id, path in ids[lang].items():
            if article_id not in ids[other]:
                report.errors.append(f"{path}: no {other} version of {article_id!r}")
    _validate_pairs(report, ids)
    for path, district in report.districts:
        for item in report.articles:
            _validate_rendered(item, path, district, public_url, report)
    _validate_examples(root / EXAMPLES_FILE.name, known_topics, report)
    return report


def _load(path: Path, loader: Callable[[Path], T], report: Report) -> T | None:
    """``loader(path)``, or ``None`` with the reason as an error when the file is missing or malformed."""
    try:
        return loader(path)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        report.errors.append(f"{path}: {exc}")
        return None


def _validate_article(
    item: LoadedArticle,
    ids: dict[str, dict[str, Path]],
    known_topics: set[str],
    placeholders: frozenset[str],
    today: date,
    report: Report,
) -> None:
    """The rules one article keeps on its own, before rendering."""
    a, path = item.article, item.path
    if a.id in ids[a.lang]:
        report.errors.append(f"{path}: duplicate id {a.id!r} (also in {ids[a.lang][a.id]})")
    ids[a.lang][a.id] = path
    if a.topic not in known_topics:
        report.errors.append(f"{path}: unknown topic {a.topic!r}")
    if not a.sources:
        report.errors.append(f"{path}: no sources: every fact must cite a statute, regulation or guidance")
    if len(a.short) > SHORT_ANSWER_LIMIT:
        report.errors.append(f"{path}: short answer is {len(a.short)} characters (limit {SHORT_ANSWER_LIMIT})")
    for text in (a.short, a.body):
        for name in PLACEHOLDER_RE.findall(text):
            if name not in placeholders:
                report.errors.append(f"{path}: unknown placeholder {{{name}}}")
    if a.jurisdiction == "state" and not a.states:
        report.errors.append(f"{path}: a state article must list its states")
    if review_is_due(a, today):
        report.warnings.append(
            f"{path}: last reviewed {a.reviewed.on} by {a.reviewed.by}, more than 12 months ago (kb review-due)"
        )
    if a.reviewed.on > today:
        report.errors.append(f"{path}: reviewed.on {a.reviewed.on} is in the future")


def _validate_sources(where: str, urls: Iterable[str], allowed: AllowList, report: Report) -> None:
    for url in urls:
        problem = allowed.problem(url)
        if problem:
            report.errors.append(f"{where}: source {problem}")


def _validate_data_sources(law: StateLaw | None, allowed: AllowList, report: Report) -> None:
    """The state sentences' sources and the state rules' links keep the same allow-list as the articles."""
    try:
        answers = load_state_answers()
    except (OSError, yaml.YAMLError, ValidationError):
        return  # already reported by the placeholder check
    for key, by_state in answers.root.items():
        for state, sentence in by_state.items():
            sentence_urls = [source.url for source in sentence.sources]
            _validate_sources(f"{STATE_ANSWERS_FILE} ({key}, {state})", sentence_urls, allowed, report)
    if law is None:
        return
    for code, rules in [("federal", law.federal), *law.states.items()]:
        urls = [rule.url for rule in (rules.access, rules.correction, rules.breach_notice)]
        urls += [extra.url for extra in (rules.holidays, rules.directory_information) if extra is not None]
        _validate_sources(f"{STATE_LAW_FILE} ({code})", urls, allowed, report)


def _validate_pairs(report: Report, ids: dict[str, dict[str, Path]]) -> None:
    """An English article and its Spanish version cite the same law and use the same placeholders."""
    by_key = {(i.article.lang, i.article.id): i for i in report.articles}
    for article_id, en_path in ids["en"].items():
        es_item = by_key.get(("es", article_id))
        if es_item is None:
            continue
        en, es = by_key[("en", article_id)].article, es_item.article
        where = f"{en_path} and {es_item.path}"
        en_urls, es_urls = Counter(str(s.url) for s in en.sources), Counter(str(s.url) for s in es.sources)
        if en_urls != es_urls:
            only_en, only_es = sorted((en_urls - es_urls).elements()), sorted((es_urls - en_urls).elements())
            report.errors.append(f"{where}: the sources differ (English only: {only_en}; Spanish only: {only_es})")
        for part, en_text, es_text in (
            ("source citations", " ".join(s.citation for s in en.sources), " ".join(s.citation for s in es.sources)),
            ("texts", en.short + "\n" + en.body, es.short + "\n" + es.body),
        ):
            en_refs, es_refs = legal_references(en_text), legal_references(es_text)
            if en_refs != es_refs:
                report.errors.append(
                    f"{where}: the {part} cite different law (English only: {sorted(en_refs - es_refs)}; "
                    f"Spanish only: {sorted(es_refs - en_refs)})"
                )
        en_names = set(PLACEHOLDER_RE.findall(en.short + en.body))
        es_names = set(PLACEHOLDER_RE.findall(es.short + es.body))
        if en_names != es_names:
            report.errors.append(
                f"{where}: the placeholders differ (English only: {sorted(en_names - es_names)}; "
                f"Spanish only: {sorted(es_names - en_names)})"
            )


def _validate_rendered(
    item: LoadedArticle, district_path: Path, district: District, public_url: str, report: Report
) -> None:
    """The answer as a family reads it when this district's file is configured."""
    a = item.article
    where = f"{item.path} (rendered for {district_path.name})"
    values = placeholder_values(district, a.lang, public_url)
    for name in set(PLACEHOLDER_RE.findall(a.short + a.body)):
        if values.get(name) == "":
            report.errors.append(f"{where}: {{{name}}} renders empty")
    short = render(a.short, values)
    body = unwrap(render(a.body, values))
    for part, text in (("short answer", short), ("body", body)):
        for name in PLACEHOLDER_RE.findall(text):
            report.errors.append(f"{where}: {{{name}}} is left unfilled in the {part}")
        for match in _DOUBLED.finditer(text):
            report.errors.append(f"{where}: doubled word {match.group(0)!r} in the {part}")
    if len(short) > SHORT_ANSWER_LIMIT:
        report.errors.append(f"{where}: short answer is {len(short)} characters (limit {SHORT_ANSWER_LIMIT})")
    grade = reading_grade(short, a.lang)
    if grade > SHORT_GRADE_LIMIT:
        report.errors.append(f"{where}: short answer reads at grade {grade:.1f} (limit {SHORT_GRADE_LIMIT:.0f})")
    whole = reading_grade(short + "\n" + body, a.lang)
    if whole > GRADE_WARN[a.lang]:
        report.warnings.append(f"{where}: reading grade {whole:.1f} (aim at about 8)")


def _validate_districts(paths: Sequence[Path], law: StateLaw, report: Report) -> None:
    """Load each district file and check it against the law of its state (:mod:`knowledge.state_law`)."""
    for path in paths:
        try:
            district = load_district(path)
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            report.errors.append(f"{path}: {exc}")
            continue
        report.districts.append((path, district))
        found = check_district(district, str(path), law)
        report.errors.extend(found.errors)
        report.warnings.extend(found.warnings)


def _validate_examples(path: Path, known_topics: set[str], report: Report) -> None:
    try:
        report.examples = load_examples(path)
    except ExampleError as exc:
        report.errors.append(str(exc))
        return
    asked = {(i.article.lang, " ".join(words(q))): i.path for i in report.articles for q in i.article.asked_as}
    seen: dict[tuple[str, str], str] = {}
    for example in report.examples:
        for topic in (example.topic, *example.also):
            if topic not in known_topics:
                report.errors.append(f"{path}: unknown topic {topic!r} for {example.question!r}")
        key = (example.lang, " ".join(words(example.question)))
        if key in seen:
            report.errors.append(f"{path}: {example.question!r} is listed twice (also as {seen[key]!r})")
        seen[key] = example.question
        if key in asked:
            report.warnings.append(f"{path}: {example.question!r} is already a way of asking in {asked[key]}")
