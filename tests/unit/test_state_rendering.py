"""The same answers rendered for the Illinois and the California demo districts, in both languages."""

from pathlib import Path

import pytest

from core.settings import REPO_ROOT
from knowledge.articles import Article, load_articles, placeholder_values, render, state_sources
from knowledge.district import District, load_district
from knowledge.service import unwrap
from knowledge.state_answers import PREFIX, load_state_answers
from knowledge.validate import repository_districts

DISTRICTS = REPO_ROOT / "knowledge" / "district"
ARTICLES = {(item.article.id, item.article.lang): item.article for item in load_articles()}


@pytest.fixture(scope="module")
def illinois() -> District:
    return load_district(DISTRICTS / "demo.yml")


@pytest.fixture(scope="module")
def california() -> District:
    return load_district(DISTRICTS / "california-demo.yml")


def rendered(article_id: str, lang: str, district: District) -> str:
    article = ARTICLES[(article_id, lang)]
    values = placeholder_values(district, lang, "https://desk.example.org")
    return render(article.short, values) + "\n" + unwrap(render(article.body, values))


def test_both_demo_districts_ship_in_the_repository(illinois: District, california: District) -> None:
    assert {path.name for path in repository_districts()} >= {"demo.yml", "california-demo.yml"}
    assert (illinois.state, california.state) == ("IL", "CA")


@pytest.mark.parametrize("path", sorted(DISTRICTS.glob("*.yml")), ids=lambda p: p.name)
def test_every_article_renders_completely_for_every_district_in_both_languages(path: Path) -> None:
    district = load_district(path)
    for (article_id, lang), article in ARTICLES.items():
        text = rendered(article_id, lang, district)
        assert "{" not in text and "}" not in text, (article_id, lang, path.name)
        assert len(render(article.short, placeholder_values(district, lang, "https://desk.example.org"))) <= 320


def test_state_sentences_differ_where_the_state_gives_more(illinois: District, california: District) -> None:
    cases = {
        # article: (Illinois text, California text), in English
        "ferpa-inspect-review": ("Illinois law also gives you the right to copy", "within 5 business days"),
        "fees-copies": ("23 Ill. Adm. Code 380.30", "Cal. Educ. Code 49065"),
        "noncustodial-parent": ("order of protection", "State law can also limit a parent's access"),
        "records-transfer": ("23 Ill. Adm. Code 375.70", "Under FERPA it must try to tell you"),
        "complaint-sppo": ("Illinois law does.", "ask a lawyer about California"),
        "ferpa-amendment": ("within 15 school days", "Cal. Educ. Code 49070"),
        "directory-info-opt-out": ("23 Ill. Adm. Code 375.80", "Cal. Educ. Code 49061(c)"),
    }
    for article_id, (il_text, ca_text) in cases.items():
        il, ca = rendered(article_id, "en", illinois), rendered(article_id, "en", california)
        assert il_text in il and il_text not in ca, article_id
        assert ca_text in ca and ca_text not in il, article_id


def test_deadlines_follow_the_configured_state_in_both_languages(illinois: District, california: District) -> None:
    assert "10 business days under Illinois law (105 ILCS 10/5(c))" in rendered("ferpa-inspect-review", "en", illinois)
    assert "5 business days under California law (Cal. Educ. Code 49069.7)" in rendered(
        "ferpa-inspect-review", "en", california
    )
    assert "10 días hábiles según la ley de Illinois" in rendered("ferpa-inspect-review", "es", illinois)
    assert "5 días hábiles según la ley de California" in rendered("ferpa-inspect-review", "es", california)
    assert "30 calendar days (Cal. Educ. Code 49070(b))" in rendered("ferpa-amendment", "en", california)
    assert "15 días hábiles (23 Ill. Adm. Code 375.90(c))" in rendered("ferpa-amendment", "es", illinois)


def test_every_state_placeholder_renders_differently_where_a_state_has_its_own_sentence(
    illinois: District, california: District
) -> None:
    answers = load_state_answers()
    for key, by_state in answers.root.items():
        for lang in ("en", "es"):
            il = placeholder_values(illinois, lang, "https://x")[PREFIX + key]
            ca = placeholder_values(california, lang, "https://x")[PREFIX + key]
            if "IL" in by_state or "CA" in by_state:
                assert il != ca, (key, lang)


def test_the_state_sentences_sources_are_added_to_the_answers_sources(illinois: District, california: District) -> None:
    article: Article = ARTICLES[("ferpa-inspect-review", "es")]
    assert [s.citation for s in state_sources(article, illinois)] == ["105 ILCS 10/5(a)"]
    assert [s.citation for s in state_sources(article, california)] == ["Cal. Educ. Code 49069.7"]
