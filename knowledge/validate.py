"""``rightsdesk kb validate``: the rules every article and the topic list must keep.

Errors (the command fails): a file that does not parse or breaks the schema, a topic of ``topics.yml`` missing in
either language, an unknown topic, a duplicate id within a language, an article without sources, a short answer
over 320 characters, an unknown placeholder, a related id that does not exist, an English article without its
Spanish pair (or the reverse), a family question (``questions.tsv``) that does not parse, names an unknown
topic or is listed twice, a review date in the future. Warnings: a review (``reviewed.on``) older than 12 months,
text far above the target reading level, a family question that is already one of an article's ways of asking.

District files (the repository's ``knowledge/district/*.yml`` and the configured one) must parse and keep the law
of their state (:mod:`knowledge.state_law`): deadlines, holidays, directory-information categories.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.articles import (
    ARTICLES_DIR,
    LANGUAGES,
    PLACEHOLDER_RE,
    PLACEHOLDERS,
    SHORT_ANSWER_LIMIT,
    Article,
    ArticleError,
    LoadedArticle,
    known_placeholders,
    parse_article,
)
from knowledge.district import DISTRICT_DIR, District, load_district
from knowledge.examples import EXAMPLES_FILE, Example, ExampleError, load_examples
from knowledge.readability import reading_grade
from knowledge.state_answers import STATE_ANSWERS_FILE
from knowledge.state_law import STATE_LAW_FILE, check_district, load_state_law
from knowledge.text import words

TOPICS_FILE = Path(__file__).resolve().parent / "topics.yml"
_TOPIC_LINE = re.compile(r"^  ([a-z0-9_]+):\s*$")
REVIEW_MAX_AGE = timedelta(days=365)
GRADE_WARN = {"en": 11.0, "es": 12.0}


def review_is_due(article: Article, today: date) -> bool:
    """Whether ``article`` was last reviewed against its sources more than 12 months before ``today``."""
    return today - article.reviewed.on > REVIEW_MAX_AGE


def reviews_due(articles: list[LoadedArticle], today: date) -> list[LoadedArticle]:
    """The articles whose review is older than 12 months, oldest first (``rightsdesk kb review-due``)."""
    due = [item for item in articles if review_is_due(item.article, today)]
    return sorted(due, key=lambda item: (item.article.reviewed.on, item.article.id, item.article.lang))


def load_topics(path: Path = TOPICS_FILE) -> list[str]:
    """Topic ids of the taxonomy: the keys indented once under each group.

    Read line by line: the shared file marks uncertain facts with ``[verify]`` inside flow lists, which strict
    YAML rejects, and only the ids matter here.
    """
    return [m.group(1) for line in path.read_text(encoding="utf-8").splitlines() if (m := _TOPIC_LINE.match(line))]


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


def repository_districts() -> list[Path]:
    """Every district file shipped in the repository (``knowledge/district/*.yml``)."""
    return sorted(DISTRICT_DIR.glob("*.yml"))


def validate(
    root: Path = ARTICLES_DIR,
    topics_file: Path = TOPICS_FILE,
    today: date | None = None,
    district_files: Sequence[Path] | None = None,
    state_law_file: Path = STATE_LAW_FILE,
) -> Report:
    """Check every article under ``root``, the family questions beside them, and each district file.

    ``district_files`` defaults to the repository's (:func:`repository_districts`); the command adds the file
    the deployment is configured with (``RIGHTSDESK_DISTRICT_FILE``).
    """
    today = today or date.today()
    report = Report()
    _validate_districts(
        district_files if district_files is not None else repository_districts(), state_law_file, report
    )
    topics = load_topics(topics_file)
    if not topics:
        report.errors.append(f"{topics_file}: no topics found")
    known_topics = set(topics)
    try:
        placeholders = known_placeholders()
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        report.errors.append(f"{STATE_ANSWERS_FILE}: {exc}")
        placeholders = PLACEHOLDERS
    for lang in LANGUAGES:
        for path in sorted((root / lang).glob("*.yml")):
            try:
                report.articles.append(LoadedArticle(parse_article(path), path))
            except ArticleError as exc:
                report.errors.append(str(exc))
    ids: dict[str, dict[str, Path]] = {lang: {} for lang in LANGUAGES}
    for item in report.articles:
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
        grade = reading_grade(a.short + "\n" + a.body, a.lang)
        if grade > GRADE_WARN[a.lang]:
            report.warnings.append(f"{path}: reading grade {grade:.1f} (aim at about 8)")
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
    _validate_examples(root / EXAMPLES_FILE.name, known_topics, report)
    return report


def _validate_districts(paths: Sequence[Path], state_law_file: Path, report: Report) -> None:
    """Load each district file and check it against the law of its state (:mod:`knowledge.state_law`)."""
    try:
        law = load_state_law(state_law_file)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        report.errors.append(f"{state_law_file}: {exc}")
        return
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
