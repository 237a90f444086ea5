"""The review trail: every article says when it was last checked against its sources, and by which role."""

from datetime import date

import pytest

from knowledge.articles import LoadedArticle, load_articles
from knowledge.validate import reviews_due
from rightsdesk.cli import main


def reviewed(item: LoadedArticle, on: date) -> LoadedArticle:
    review = item.article.reviewed.model_copy(update={"on": on})
    return LoadedArticle(item.article.model_copy(update={"reviewed": review}), item.path)


def test_review_due_lists_only_reviews_older_than_twelve_months_oldest_first() -> None:
    first, second, third = load_articles()[:3]
    articles = [
        reviewed(first, date(2025, 12, 1)),
        reviewed(second, date(2025, 12, 31)),
        reviewed(third, date(2024, 1, 5)),
    ]
    due = reviews_due(articles, today=date(2026, 12, 7))
    assert [i.article.reviewed.on for i in due] == [date(2024, 1, 5), date(2025, 12, 1)]


def test_review_due_command_prints_id_language_date_and_role(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "review-due", "--today", "2099-01-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    articles: list[LoadedArticle] = load_articles()
    assert len(lines) == len(articles)
    article_id, lang, on, by = lines[0].split("\t")
    first = next(i.article for i in articles if i.article.id == article_id and i.article.lang == lang)
    assert on == first.reviewed.on.isoformat() and by == first.reviewed.by


def test_nothing_is_due_right_after_a_review(capsys: pytest.CaptureFixture[str]) -> None:
    newest = max(item.article.reviewed.on for item in load_articles())
    assert main(["kb", "review-due", "--today", newest.isoformat()]) == 0
    assert capsys.readouterr().out == ""
