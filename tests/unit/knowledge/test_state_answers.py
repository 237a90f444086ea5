"""Sentences chosen by the configured state, and the district placeholders, as families read them."""

from knowledge.articles import Article, known_placeholders, placeholder_values, render, state_sources
from knowledge.state_answers import load_state_answers
from tests.unit.knowledge.kb_fixtures import district


def article(body: str) -> Article:
    return Article.model_validate(
        {
            "id": "copies-test",
            "lang": "en",
            "topic": "fees_copies",
            "title": "Copies",
            "short": "You can see your child's records (34 CFR 99.10).",
            "body": body,
            "sources": [{"citation": "34 CFR 99.10", "url": "https://www.ecfr.gov/current/title-34/section-99.10"}],
            "jurisdiction": "federal",
            "reviewed": {"on": "2026-12-07", "by": "district counsel"},
        }
    )


def test_every_state_sentence_key_is_a_placeholder_with_a_default_in_both_languages() -> None:
    answers = load_state_answers()
    assert {"state_copies", "state_transfer_notice", "state_protective_orders", "state_right_to_sue"} <= (
        answers.placeholders()
    )
    assert answers.placeholders() <= known_placeholders()
    for by_state in answers.root.values():
        assert by_state["default"].en and by_state["default"].es


def test_the_configured_state_chooses_the_sentence_and_its_sources() -> None:
    text = "Copies: {state_copies}"
    illinois, new_york = district(state="IL"), district(state="NY")
    il = render(text, placeholder_values(illinois, "en", "https://desk.example.org"))
    ny = render(text, placeholder_values(new_york, "en", "https://desk.example.org"))
    assert "Illinois law also gives you the right to copy" in il and "105 ILCS 10/5(a)" in il
    assert ny == "Copies: FERPA gives you a right to see records, but not always to get copies."
    assert [s.citation for s in state_sources(article(text), illinois)] == ["105 ILCS 10/5(a)"]
    assert state_sources(article(text), new_york) == []


def test_spanish_sentences_and_district_values_inside_them() -> None:
    values = placeholder_values(district(state="NY"), "es", "https://desk.example.org")
    assert values["state_copy_fees"] == "New York puede fijar sus propios límites para el costo de las copias."
    assert "{" not in "".join(values.values())


def test_records_deadline_says_which_law_it_comes_from_and_lists_render_as_bullets() -> None:
    values = placeholder_values(district(), "en", "https://desk.example.org")
    assert values["records_deadline"] == "10 business days under Illinois law (105 ILCS 10/5(c))"
    assert values["correction_deadline"] == "15 business days (23 Ill. Adm. Code 375.90(c))"
    assert values["retention_summary"] == "- Messages: 1 year"
    federal = {"days": 45, "business_days": False, "citation": "34 CFR 99.10(b)"}
    es = placeholder_values(district(state="CT", deadlines={"federal_records": federal}), "es", "https://x.example")
    assert es["records_deadline"] == "45 días calendario según FERPA (34 CFR 99.10(b))"
    assert es["correction_deadline"] == "un tiempo razonable (34 CFR 99.20(b))"
