"""kb validate checks the answers as families read them: rendered with each district file's values."""

import re
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.sources import load_allow_list
from knowledge.validate import Report, legal_references, validate
from tests.unit.knowledge.kb_fixtures import article_data, district_data, write_district, write_kb


def run(
    tmp_path: Path,
    en: dict[str, Any] | None = None,
    es: dict[str, Any] | None = None,
    public_url: str = "https://desk.example.org",
    **district_changes: Any,
) -> Report:
    articles = write_kb(tmp_path, en, es)
    (tmp_path / "district").mkdir(exist_ok=True)
    district = write_district(tmp_path / "district" / "prairie.yml", **district_changes)
    return validate(
        articles, tmp_path / "topics.yml", today=date(2026, 12, 7), district_files=[district], public_url=public_url
    )


def errors(report: Report) -> str:
    return "\n".join(report.errors)


def test_the_fixture_knowledge_base_is_valid(tmp_path: Path) -> None:
    report = run(tmp_path)
    assert report.errors == []
    assert len(report.articles) == 2 and len(report.districts) == 1


def test_a_short_answer_over_320_characters_once_rendered_is_an_error(tmp_path: Path) -> None:
    long_name = (
        "Consolidated Community Unit School District of the Greater Prairie, Meadow, Lake, River, Hill, Oak, Pine, "
        "Cedar, Elm, Birch, Maple, Willow, Aspen, Spruce, Juniper, Sycamore, Hickory, Walnut and Chestnut Counties "
        "of Northern and Central Illinois"
    )
    short = (
        "Looking at your child's records is free (34 CFR 99.11). To get copies, ask the office of {district_name}. "
        "We pass on your request the same day."
    )
    report = run(tmp_path, en=article_data("en", short=short), es=article_data("es", short=short), name=long_name)
    assert re.search(
        r"en/fees_copies.yml \(rendered for prairie.yml\): short answer is 3[2-9]\d characters", errors(report)
    )
    assert "en/fees_copies.yml: short answer is" not in errors(report)  # the text as written is short enough


def test_a_doubled_word_from_a_district_value_is_an_error(tmp_path: Path) -> None:
    body = "You can opt out within {directory_optout_window} (34 CFR 99.11)."
    report = run(tmp_path, en=article_data("en", body=body), es=article_data("es", body=body))
    assert "doubled word 'within within' in the body" in errors(report)


def test_a_placeholder_left_unfilled_or_rendering_empty_is_an_error(tmp_path: Path) -> None:
    en = article_data("en", short="Call {principal_phone} or see when the board meets: {governance_meets}.")
    es = article_data("es", short="Llame al {principal_phone} o vea cuándo se reúne: {governance_meets}.")
    report = run(tmp_path, en=en, es=es, governance={**district_data()["governance"], "meets": {"en": "", "es": ""}})
    text = errors(report)
    assert "{principal_phone} is left unfilled in the short answer" in text
    assert "{governance_meets} renders empty" in text


def test_a_short_answer_above_grade_10_is_an_error(tmp_path: Path) -> None:
    short = (
        "Notwithstanding institutional documentation requirements, administrative authorization necessitates "
        "comprehensive individualized verification (34 CFR 99.11)."
    )
    report = run(tmp_path, en=article_data("en", short=short))
    assert "short answer reads at grade" in errors(report) and "(limit 10)" in errors(report)


def test_sources_must_be_official_and_https(tmp_path: Path) -> None:
    en = article_data(
        "en",
        sources=[
            {"citation": "34 CFR 99.11", "url": "https://www.ecfr.gov/current/title-34/section-99.11"},
            {"citation": "20 U.S.C. 1232g", "url": "https://www.law.cornell.edu/uscode/text/20/1232g"},
            {"citation": "a blog", "url": "https://example.com/ferpa"},
            {"citation": "34 CFR 99.10", "url": "http://www.ecfr.gov/current/title-34/section-99.10"},
        ],
    )
    text = errors(run(tmp_path, en=en, es=article_data("es", sources=en["sources"])))
    assert (
        "law.cornell.edu/uscode/text/20/1232g is an unofficial copy (www.law.cornell.edu); cite uscode.house.gov"
        in text
    )
    assert "https://example.com/ferpa is not on an official host" in text
    assert "http://www.ecfr.gov/current/title-34/section-99.10 is not https" in text
    assert "section-99.11" not in text


def test_a_district_extends_the_allow_list_with_a_file_beside_its_district_file(tmp_path: Path) -> None:
    sources = [
        {"citation": "34 CFR 99.11", "url": "https://www.ecfr.gov/current/title-34/section-99.11"},
        {"citation": "Board policy 7:340", "url": "https://policy.prairie.example.org/7-340"},
    ]
    en, es = article_data("en", sources=sources), article_data("es", sources=sources)
    assert "policy.prairie.example.org is not in" in errors(run(tmp_path / "a", en=en, es=es))
    (tmp_path / "b" / "district").mkdir(parents=True)
    (tmp_path / "b" / "district" / "sources_allowed.yml").write_text("hosts: [prairie.example.org]\n")
    assert errors(run(tmp_path / "b", en=en, es=es)) == ""


def test_an_english_spanish_pair_whose_citations_differ_is_an_error(tmp_path: Path) -> None:
    es_text = article_data("es", body="La escuela puede cobrar por las copias (34 CFR 99.12).")
    assert "the texts cite different law (English only: []; Spanish only: ['99.12'])" in errors(
        run(tmp_path / "a", es=es_text)
    )
    other = {"citation": "34 CFR 99.11", "url": "https://www.ecfr.gov/current/title-34/section-99.12"}
    es_source = article_data("es", sources=[other])
    assert "the sources differ" in errors(run(tmp_path / "b", es=es_source))
    es_placeholder = article_data("es", short="Ver el expediente es gratis (34 CFR 99.11). Llame a {district_name}.")
    assert "the placeholders differ" in errors(run(tmp_path / "c", es=es_placeholder))


def test_legal_references_are_section_numbers_not_plain_numbers() -> None:
    text = "within 45 days (34 CFR 99.31(a)(9); 20 U.S.C. 1232g(b)(2)(B); 105 ILCS 10/5(c); C.R.S. 22-16-112)"
    text += ", principles 1-3"
    assert legal_references(text) == {"99.31(a)(9)", "1232g(b)(2)(B)", "10/5(c)", "22-16-112"}


def test_the_allow_list_covers_subdomains_only_of_listed_hosts() -> None:
    allowed = load_allow_list()
    assert allowed.problem("https://studentprivacy.ed.gov/faq/x") is None
    assert allowed.problem("https://www.ilga.gov/legislation/ilcs/documents/010500100K5.htm") is None
    assert allowed.problem("https://noted.gov.example.com/") is not None
