"""Real family questions (bench/data/answers_real*.tsv): split by a hash, held-out rows never trained on."""

import csv
import hashlib

from core.settings import REPO_ROOT
from knowledge.articles import load_articles
from knowledge.examples import load_examples
from knowledge.text import words
from knowledge.validate import load_topics

REAL = [
    REPO_ROOT / "bench" / "data" / name
    for name in ("answers_real.tsv", "answers_real_topics.tsv", "answers_real_2.tsv")
]
HEADER = ["question", "lang", "topic", "also", "split", "source_url"]


def rows() -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in REAL:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            assert reader.fieldnames == HEADER
            found += list(reader)
    return found


def normal(text: str) -> str:
    return " ".join(words(text))


def expected_split(question: str) -> str:
    return "heldout" if int(hashlib.sha256(question.encode("utf-8")).hexdigest(), 16) % 5 < 3 else "tuning"


def test_every_row_is_well_formed_and_split_by_the_hash_of_its_text() -> None:
    topics = set(load_topics())
    found = rows()
    assert len(found) >= 60
    for row in found:
        assert row["lang"] in ("en", "es")
        assert {row["topic"], *filter(None, row["also"].split("|"))} <= topics, row
        assert 0 < len(row["question"]) <= 500 and row["question"] == row["question"].strip()
        assert row["source_url"].startswith(("https://", "http://")), row
        assert row["split"] == expected_split(row["question"]), row["question"]
    assert len({(r["lang"], normal(r["question"])) for r in found}) == len(found)


def test_no_held_out_question_is_learned_from() -> None:
    held_out = {(r["lang"], normal(r["question"])) for r in rows() if r["split"] == "heldout"}
    assert held_out
    learned = {(e.lang, normal(e.question)) for e in load_examples()}
    learned |= {(i.article.lang, normal(q)) for i in load_articles() for q in i.article.asked_as}
    assert held_out.isdisjoint(learned)


def test_tuning_questions_in_the_family_questions_keep_their_source() -> None:
    tuning = {(r["lang"], r["question"]): r["source_url"] for r in rows() if r["split"] == "tuning"}
    sourced = [e for e in load_examples() if e.source]
    assert sourced
    for example in sourced:
        assert tuning.get((example.lang, example.question)) == example.source, example.question
