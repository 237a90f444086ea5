"""Answers are filled from the district file and stay fresh when an article changes on disk."""

import shutil
import time
from pathlib import Path

import yaml

from core.settings import REPO_ROOT
from knowledge import service as service_module
from knowledge.articles import ARTICLES_DIR
from knowledge.service import KnowledgeService

DEMO = REPO_ROOT / "knowledge" / "district" / "demo.yml"


def test_district_placeholders_are_filled_in_both_languages() -> None:
    service = KnowledgeService(DEMO, "https://desk.example.org")
    for lang in ("en", "es"):
        article = service.article("who-to-contact", lang)
        assert article is not None
        text = article.short + article.body
        assert "{" not in text
        assert "privacy@maplevalley.example.org" in text
        assert article.url == f"https://desk.example.org/rights/{lang}/who-to-contact"
        assert article.reference()["sources"]


def test_editing_an_article_is_live_without_restart(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(service_module, "RELOAD_CHECK_SECONDS", 0.0)
    root = tmp_path / "articles"
    shutil.copytree(ARTICLES_DIR, root)
    service = KnowledgeService(DEMO, "http://x", articles_dir=root)
    path = root / "en" / "fees_copies.yml"
    data = yaml.safe_load(path.read_text())
    data["short"] = "Copies may cost a fee, but looking at records is free (34 CFR 99.11). Updated."
    time.sleep(0.01)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    article = service.article("fees-copies", "en")
    assert article is not None and article.short.endswith("Updated.")


def test_the_answer_is_in_the_language_asked() -> None:
    service = KnowledgeService(DEMO, "http://x")
    answer = service.answer("¿puedo pedir una copia del expediente de mi hijo?", "es")
    assert answer.articles and all(a.lang == "es" for a in answer.articles)


def test_a_new_family_question_is_live_without_retraining(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A word no article uses ("Skyward", a student information system) means nothing until a family question
    # with it is added to questions.tsv; then the service, reloading the file, finds the article it was filed under.
    monkeypatch.setattr(service_module, "RELOAD_CHECK_SECONDS", 0.0)
    root = tmp_path / "articles"
    shutil.copytree(ARTICLES_DIR, root)
    service = KnowledgeService(DEMO, "http://x", articles_dir=root)
    question = "what does skyward keep on my son"
    before = service.answer(question, "en")
    assert before.articles[0].topic != "third_party_vendors"
    time.sleep(0.01)
    with (root / "questions.tsv").open("a", encoding="utf-8") as fh:
        fh.write("which company runs skyward and what does it have on my kids\ten\tthird_party_vendors\t\n")
    after = service.answer(question, "en")
    assert after.articles[0].topic == "third_party_vendors"
