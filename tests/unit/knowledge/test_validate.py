"""The validator fails on each broken rule and passes the shipped knowledge base."""

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from knowledge.articles import ARTICLES_DIR
from knowledge.validate import TOPICS_FILE, load_topics, validate

SHARED_KB = Path(__file__).resolve().parents[4] / "shared" / "kb"
# The shared topic list, in order: the first list, then the topics added after measuring real questions.
SHARED_TOPIC_FILES = (SHARED_KB / "topics.yml", SHARED_KB / "topics-added-2026-12.yml")
NEW_TOPICS = ("immigration_enforcement", "school_devices_monitoring", "safety_surveillance", "minor_confidentiality")


def test_the_shipped_knowledge_base_is_valid() -> None:
    report = validate()
    assert report.errors == []
    assert len(report.articles) >= 2 * len(load_topics())


def test_the_topic_list_matches_the_shared_ones() -> None:
    if not all(path.exists() for path in SHARED_TOPIC_FILES):
        pytest.skip("shared/ is not beside the repository")
    shared = [topic for path in SHARED_TOPIC_FILES for topic in load_topics(path)]
    assert load_topics(TOPICS_FILE) == shared
    assert len(set(shared)) == len(shared)


def test_the_topic_list_knows_the_topics_added_in_december_2026() -> None:
    topics = load_topics()
    assert set(NEW_TOPICS) <= set(topics)
    report = validate()
    for lang in ("en", "es"):
        assert set(NEW_TOPICS) <= {i.article.topic for i in report.articles if i.article.lang == lang}, lang


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "articles"
    shutil.copytree(ARTICLES_DIR, root)
    return root


def edit(path: Path, **changes: object) -> None:
    data = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def errors_after(kb: Path) -> str:
    return "\n".join(validate(kb).errors)


def test_missing_spanish_topic(kb: Path) -> None:
    (kb / "es" / "coppa.yml").unlink()
    errors = errors_after(kb)
    assert "topic 'coppa' has no es article" in errors
    assert "no es version of 'coppa'" in errors


def test_article_without_sources(kb: Path) -> None:
    edit(kb / "en" / "fees_copies.yml", sources=[])
    assert "fees_copies.yml: no sources" in errors_after(kb)


def test_short_answer_too_long(kb: Path) -> None:
    edit(kb / "es" / "fees_copies.yml", short="palabra " * 60)
    assert "short answer is 480 characters (limit 320)" in errors_after(kb)


def test_unknown_topic_and_bad_metadata(kb: Path) -> None:
    edit(kb / "en" / "fees_copies.yml", topic="lunch_menu")
    edit(kb / "en" / "coppa.yml", jurisdiction="planet")
    errors = errors_after(kb)
    assert "unknown topic 'lunch_menu'" in errors
    assert "coppa.yml" in errors and "jurisdiction" in errors


def test_duplicate_id(kb: Path) -> None:
    shutil.copy(kb / "en" / "coppa.yml", kb / "en" / "coppa--copy.yml")
    assert "duplicate id 'coppa'" in errors_after(kb)


def test_unknown_placeholder(kb: Path) -> None:
    path = kb / "en" / "who_to_contact.yml"
    data = yaml.safe_load(path.read_text())
    edit(path, body=data["body"] + "\n\nCall {principal_phone}.")
    assert "unknown placeholder {principal_phone}" in errors_after(kb)


def test_stale_review_is_a_warning_not_an_error(kb: Path) -> None:
    edit(kb / "en" / "coppa.yml", reviewed={"on": "2024-01-02", "by": "district counsel"})
    report = validate(kb, today=date(2027, 1, 15))
    assert report.ok
    assert any("coppa.yml: last reviewed 2024-01-02 by district counsel" in w for w in report.warnings)


def test_reviewed_replaces_last_reviewed_and_names_a_role_not_a_person(kb: Path) -> None:
    edit(kb / "en" / "coppa.yml", reviewed=None, last_reviewed="2026-11-28")
    assert "last_reviewed was replaced by reviewed" in errors_after(kb)
    edit(kb / "en" / "coppa.yml", last_reviewed=None, reviewed={"on": "2026-11-28", "by": "Dana Whitfield"})
    assert "never a person's name" in errors_after(kb)


def test_a_review_in_the_future_is_an_error(kb: Path) -> None:
    edit(kb / "es" / "coppa.yml", reviewed={"on": "2030-01-01", "by": "asesoría jurídica del distrito"})
    assert "reviewed.on 2030-01-01 is in the future" in "\n".join(validate(kb, today=date(2026, 12, 7)).errors)


def append_question(kb: Path, line: str) -> None:
    with (kb / "questions.tsv").open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def test_the_shipped_family_questions_cover_every_topic_in_both_languages() -> None:
    report = validate()
    for lang in ("en", "es"):
        covered = {e.topic for e in report.examples if e.lang == lang}
        assert covered == set(load_topics()), lang


def test_family_question_with_unknown_topic_or_language(kb: Path) -> None:
    append_question(kb, "whats for lunch\ten\tlunch_menu\t")
    errors = errors_after(kb)
    assert "unknown topic 'lunch_menu' for 'whats for lunch'" in errors
    append_question(kb, "was ist FERPA\tde\tferpa_overview\t")
    assert "language must be one of en, es, got 'de'" in errors_after(kb)


def test_family_question_with_missing_column_names_its_line(kb: Path) -> None:
    lines = (kb / "questions.tsv").read_text(encoding="utf-8").count("\n")
    append_question(kb, "can i see my sons file\ten")
    assert f"questions.tsv:{lines + 1}: expected 4 or 5 tab-separated columns, got 2" in errors_after(kb)


def test_family_question_listed_twice(kb: Path) -> None:
    append_question(kb, "Can I see my sons file??\ten\tferpa_inspect_review\t")
    append_question(kb, "can i see my sons file\ten\tferpa_inspect_review\t")
    assert "'can i see my sons file' is listed twice" in errors_after(kb)


def test_family_question_may_name_its_source(kb: Path) -> None:
    append_question(kb, "can the school see my sons chromebook at home\ten\tferpa_overview\t\thttps://example.org/faq")
    report = validate(kb)
    assert report.ok, report.errors
    found = [e for e in report.examples if e.question == "can the school see my sons chromebook at home"]
    assert found and found[0].source == "https://example.org/faq"
    assert all(e.source == "" or e.source.startswith(("https://", "http://")) for e in report.examples)


def test_family_question_source_must_be_a_url(kb: Path) -> None:
    lines = (kb / "questions.tsv").read_text(encoding="utf-8").count("\n")
    append_question(kb, "who reads my kids chats\ten\tedtech_ai\t\ta parent forum")
    assert f"questions.tsv:{lines + 1}: the source must be an http(s) URL, got 'a parent forum'" in errors_after(kb)
