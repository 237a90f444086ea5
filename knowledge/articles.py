"""Knowledge articles: the schema, loading from ``knowledge/articles/<lang>/*.yml``, and district placeholders.

An article is one answer in one language; the English and Spanish versions share an ``id``. Loading is strict
(pydantic); :mod:`knowledge.validate` adds the cross-file rules (topics covered in both languages, duplicates).
Placeholders such as ``{privacy_contact}`` are filled from the district configuration when an answer is shown,
so editing an article or the district file needs no retraining of the Rasa model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from core.i18n import LANGUAGES, Language
from core.messages import message
from knowledge.district import Deadline, District
from knowledge.state_answers import load_state_answers

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"
SHORT_ANSWER_LIMIT = 320
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A reviewer is named by role ("district counsel", "privacy office"), in the article's language, never by name:
# lower-case words only, so a person's name ("Dana Whitfield") does not fit.
ROLE_RE = re.compile(r"^[a-zà-ÿñ][a-zà-ÿñ' -]{2,59}$")


class Source(BaseModel):
    """Where a fact comes from: a statute, a regulation section or official guidance."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    citation: str = Field(min_length=3)
    url: HttpUrl


class Review(BaseModel):
    """The last review of an article against its sources: when, and by which role (never a person's name)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    on: date
    by: str

    @model_validator(mode="before")
    @classmethod
    def _yaml_on_key(cls, data: object) -> object:
        # YAML 1.1 (PyYAML) reads the key ``on`` as the boolean true; take it back as "on".
        if isinstance(data, dict) and True in data:
            data = {("on" if key is True else key): value for key, value in data.items()}
        return data

    @field_validator("by")
    @classmethod
    def _a_role(cls, value: str) -> str:
        if not ROLE_RE.match(value):
            raise ValueError(
                "reviewed.by is a role in lower-case words, such as 'district counsel' or 'privacy office', "
                f"never a person's name; got {value!r}"
            )
        return value


class Article(BaseModel):
    """One knowledge article in one language."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    lang: Language
    topic: str
    title: str = Field(min_length=3)
    short: str = Field(min_length=10)
    body: str = Field(min_length=20)
    sources: list[Source]
    jurisdiction: Literal["federal", "state", "district"]
    states: list[str] = Field(default_factory=list)
    principles: list[int] = Field(default_factory=list)
    reviewed: Review
    related: list[str] = Field(default_factory=list)
    asked_as: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _no_last_reviewed(cls, data: object) -> object:
        if isinstance(data, dict) and "last_reviewed" in data:
            raise ValueError("last_reviewed was replaced by reviewed: {on: <ISO date>, by: <role>}")
        return data

    @field_validator("id")
    @classmethod
    def _kebab_case(cls, value: str) -> str:
        if not ID_RE.match(value):
            raise ValueError("id must be kebab-case (a-z, 0-9, hyphens)")
        return value

    @field_validator("principles")
    @classmethod
    def _principle_numbers(cls, value: list[int]) -> list[int]:
        bad = [p for p in value if not 1 <= p <= 10]
        if bad:
            raise ValueError(f"principles are numbered 1-10, got {bad}")
        return value


@dataclass(frozen=True)
class LoadedArticle:
    """An article with the file it came from (for error messages)."""

    article: Article
    path: Path


def load_articles(root: Path = ARTICLES_DIR) -> list[LoadedArticle]:
    """Every article under ``root``; raises ``ArticleError`` naming the file on the first bad one."""
    loaded: list[LoadedArticle] = []
    for lang in LANGUAGES:
        for path in sorted((root / lang).glob("*.yml")):
            loaded.append(LoadedArticle(parse_article(path), path))
    return loaded


class ArticleError(ValueError):
    """An article file that cannot be used, with its path."""


def parse_article(path: Path) -> Article:
    """Parse one article file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        article = Article.model_validate(data)
    except (yaml.YAMLError, ValueError) as exc:
        raise ArticleError(f"{path}: {exc}") from exc
    if article.lang != path.parent.name:
        raise ArticleError(f"{path}: lang is {article.lang!r} but the file is under {path.parent.name}/")
    return article


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + message("article_values.list_and", lang) + items[-1]


def _days(deadline: Deadline, lang: str) -> str:
    key = "article_values.business_days" if deadline.business_days else "article_values.calendar_days"
    return message(key, lang, days=deadline.days)


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def district_values(district: District, lang: str, public_url: str) -> dict[str, str]:
    """The text each district placeholder stands for, in ``lang``."""
    officer = district.contacts.district_privacy_officer
    contact = f"{officer.name}, {officer.title.get(lang)} ({officer.email}"
    contact += f", {officer.phone})" if officer.phone else ")"
    records = district.records_deadline()
    if "records" in district.deadlines:
        law = message("article_values.under_state_law", lang, state=district.state_name)
    else:
        law = message("article_values.under_ferpa", lang)
    correction = district.deadlines.get("correction")
    if correction:
        correction_text = f"{_days(correction, lang)} ({correction.citation})"
    else:
        correction_text = message("article_values.reasonable_time", lang)
    return {
        "district_name": district.name,
        "state_name": district.state_name,
        "privacy_contact": contact,
        "records_deadline": f"{_days(records, lang)} {law} ({records.citation})",
        "correction_deadline": correction_text,
        "directory_categories": _join(district.directory_information.categories.get(lang), lang),
        "directory_optout_window": district.directory_information.opt_out_window.get(lang),
        "governance_body": district.governance.body.get(lang),
        "governance_meets": district.governance.meets.get(lang),
        "breach_policy": district.breach_policy.get(lang),
        "vendor_count": str(len(district.vendors)),
        "transparency_url": f"{public_url}/transparency?lang={lang}",
        "device_policy": district.device_policy.text(lang),
        "immigration_policy": district.immigration_policy.text(lang),
        "safety_technology": district.safety_technology.text(lang),
        "retention_summary": _bullets(
            [f"{r.record.get(lang)}: {r.keep.get(lang)}" for r in district.retention_schedule]
        ),
        "security_practices": _bullets(district.security_practices.get(lang)),
    }


def placeholder_values(district: District, lang: str, public_url: str) -> dict[str, str]:
    """The text every placeholder stands for in ``lang``.

    The district's values, and the configured state's sentences (:mod:`knowledge.state_answers`), which may
    themselves use the district's values.
    """
    values = district_values(district, lang, public_url)
    answers = load_state_answers()
    for name in answers.placeholders():
        values[name] = render(answers.sentence(name, district.state).get(lang), values)
    return values


def state_sources(article: Article, district: District) -> list[Source]:
    """The sources of the state sentences ``article`` shows for ``district``'s state (they back those facts)."""
    answers = load_state_answers()
    used = [n for n in PLACEHOLDER_RE.findall(article.short + "\n" + article.body) if n in answers.placeholders()]
    found: list[Source] = []
    for name in dict.fromkeys(used):
        for source in answers.sentence(name, district.state).sources:
            found.append(Source(citation=source.citation, url=HttpUrl(source.url)))
    return found


# Placeholders filled from the district file; the state sentences add one per key of state_answers.yml.
PLACEHOLDERS = frozenset(
    {
        "district_name",
        "state_name",
        "privacy_contact",
        "records_deadline",
        "correction_deadline",
        "directory_categories",
        "directory_optout_window",
        "governance_body",
        "governance_meets",
        "breach_policy",
        "vendor_count",
        "transparency_url",
        "device_policy",
        "immigration_policy",
        "safety_technology",
        "retention_summary",
        "security_practices",
    }
)


def known_placeholders() -> frozenset[str]:
    """Every placeholder an article may use: the district's and the state sentences'."""
    return PLACEHOLDERS | load_state_answers().placeholders()


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders filled; an unknown placeholder is left as it is (the validator flags it)."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
