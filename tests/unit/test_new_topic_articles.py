"""The articles of the topics added in December 2026 render for a real district, in both languages."""

import pytest

from core.settings import REPO_ROOT
from knowledge.articles import PLACEHOLDER_RE, SHORT_ANSWER_LIMIT, Article, load_articles
from knowledge.district import District
from knowledge.service import KnowledgeService

NEW_TOPICS = ("immigration_enforcement", "school_devices_monitoring", "safety_surveillance", "minor_confidentiality")
PUBLIC_URL = "https://desk.example.org"


def new_articles() -> list[Article]:
    return [item.article for item in load_articles() if item.article.topic in NEW_TOPICS]


@pytest.fixture(scope="module")
def service() -> KnowledgeService:
    return KnowledgeService(REPO_ROOT / "knowledge" / "district" / "demo.yml", PUBLIC_URL)


def test_each_new_topic_has_one_article_in_each_language() -> None:
    pairs = sorted((a.topic, a.lang) for a in new_articles())
    assert pairs == sorted((topic, lang) for topic in NEW_TOPICS for lang in ("en", "es"))


@pytest.mark.parametrize("article", new_articles(), ids=lambda a: f"{a.lang}/{a.id}")
def test_the_article_renders_with_the_demo_districts_values(
    service: KnowledgeService, district: District, article: Article
) -> None:
    rendered = service.article(article.id, article.lang)
    assert rendered is not None
    for text in (rendered.short, rendered.body, rendered.title):
        assert PLACEHOLDER_RE.search(text) is None, text
    assert len(rendered.short) <= SHORT_ANSWER_LIMIT  # two SMS, measured as the family reads it
    assert district.contacts.district_privacy_officer.email in rendered.body
    assert 8 <= len(article.asked_as) <= 15
    assert all(str(source.url).startswith("https://") for source in article.sources)


@pytest.mark.parametrize(
    ("topic", "section"),
    [
        ("immigration_enforcement", "immigration_policy"),
        ("school_devices_monitoring", "device_policy"),
        ("safety_surveillance", "safety_technology"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_article_tells_the_districts_own_rules_in_its_language(
    service: KnowledgeService, district: District, topic: str, section: str, lang: str
) -> None:
    article = next(a for a in new_articles() if a.topic == topic and a.lang == lang)
    rendered = service.article(article.id, lang)
    assert rendered is not None
    policy = getattr(district, section)
    assert all(sentence in rendered.body for sentence in policy.sentences(lang))
    other = "es" if lang == "en" else "en"
    assert not any(sentence in rendered.body for sentence in policy.sentences(other))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_immigration_article_says_the_desk_never_asks_about_status(service: KnowledgeService, lang: str) -> None:
    rendered = service.article("immigration-enforcement", lang)
    assert rendered is not None
    promise = "never ask about anyone's immigration" if lang == "en" else "nunca preguntan la situación migratoria"
    assert promise in rendered.body
    # It suggests nothing that would have a family type a status: every phrase it tells them to write is neutral.
    suggested = rendered.body.split('"')[1::2]
    assert suggested and not any(word in s.lower() for s in suggested for word in ("status", "situación", "papeles"))
