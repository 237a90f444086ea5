"""Retrieval over the knowledge base, one index per language.

Each article is indexed on its title, its ways-of-asking, its short answer and its body, with the title and the
ways-of-asking weighted up. Scoring is BM25 over :func:`knowledge.text.terms` (concept tokens, light stems),
after each unknown query word is corrected to the nearest indexed word (typos), plus a bonus for the single
closest way-of-asking. Both languages' vocabularies feed the concept map, so Spanglish finds its article.

The caller gets ranked :class:`Hit` objects and a :class:`Verdict`: ``confident`` (answer with the top article),
``ambiguous`` (offer the best two or three) or ``none`` (say so and offer a person).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from knowledge.articles import PLACEHOLDER_RE, Article
from knowledge.text import CONCEPT_OF, edit_distance_at_most, terms, words

Verdict = Literal["confident", "ambiguous", "none"]

TITLE_WEIGHT = 3
ASKED_WEIGHT = 2
K1 = 1.2
B = 0.75
# Calibrated on the development questions (bench/kb_accuracy.py); see BENCHMARKS.md.
MIN_SCORE = 2.0
CONFIDENT_MARGIN = 1.25
MIN_COVERAGE = 0.34


@dataclass(frozen=True)
class Hit:
    """One ranked article."""

    article: Article
    score: float


@dataclass(frozen=True)
class SearchResult:
    """Ranked hits (one per topic, best first) and what to do with them."""

    hits: list[Hit]
    verdict: Verdict
    coverage: float

    @property
    def top(self) -> Article | None:
        """The best article, if any."""
        return self.hits[0].article if self.hits else None


@dataclass
class _Doc:
    article: Article
    tf: Counter[str]
    length: int
    asked: list[set[str]] = field(default_factory=list)


def _strip_placeholders(text: str) -> str:
    return PLACEHOLDER_RE.sub(" ", text)


class LanguageIndex:
    """BM25 index of the articles of one language."""

    def __init__(self, articles: Iterable[Article]) -> None:
        self.docs: list[_Doc] = []
        vocabulary: set[str] = set(CONCEPT_OF)
        for article in articles:
            text_parts = (
                [article.title] * TITLE_WEIGHT
                + [q for q in article.asked_as for _ in range(ASKED_WEIGHT)]
                + [_strip_placeholders(article.short), _strip_placeholders(article.body)]
            )
            tokens = [t for part in text_parts for t in terms(part)]
            doc = _Doc(article, Counter(tokens), len(tokens))
            doc.asked = [set(terms(q)) for q in [*article.asked_as, article.title] if terms(q)]
            self.docs.append(doc)
            for part in (article.title, *article.asked_as, article.short, article.body):
                vocabulary.update(w for w in words(_strip_placeholders(part)) if not w.isdigit())
        self.vocabulary = vocabulary
        self._by_length: dict[int, list[str]] = {}
        for word in vocabulary:
            self._by_length.setdefault(len(word), []).append(word)
        n = len(self.docs)
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.tf.keys())
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.avg_len = sum(d.length for d in self.docs) / n if n else 1.0

    def correct(self, word: str) -> str:
        """``word`` or the indexed word it most likely misspells."""
        if word in self.vocabulary or len(word) < 4 or word.isdigit():
            return word
        limit = 1 if len(word) < 7 else 2
        for distance in range(1, limit + 1):
            for length in range(len(word) - distance, len(word) + distance + 1):
                for candidate in self._by_length.get(length, ()):
                    if candidate[0] == word[0] and edit_distance_at_most(word, candidate, distance):
                        return candidate
        return word

    def query_terms(self, query: str) -> list[str]:
        """The retrieval terms of ``query`` after spelling correction."""
        return terms(" ".join(self.correct(w) for w in words(query)))

    def search(self, query: str, limit: int = 5) -> SearchResult:
        """Rank the articles for ``query``; one hit per topic."""
        q_terms = self.query_terms(query)
        if not q_terms or not self.docs:
            return SearchResult([], "none", 0.0)
        q_set = set(q_terms)
        scored: list[tuple[float, float, _Doc]] = []
        for doc in self.docs:
            score = 0.0
            for term in q_set:
                tf = doc.tf.get(term, 0)
                if not tf:
                    continue
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.length / self.avg_len))
                score += self.idf.get(term, 0.0) * norm
            # Bonus for the closest way-of-asking: rewards matching a whole question, not scattered words.
            best_overlap = 0.0
            for asked in doc.asked:
                shared = q_set & asked
                if shared:
                    weight = sum(self.idf.get(t, 0.0) for t in shared)
                    total = sum(self.idf.get(t, 0.0) for t in q_set | asked)
                    best_overlap = max(best_overlap, weight / total if total else 0.0)
            coverage = sum(1 for t in q_set if t in doc.tf) / len(q_set)
            scored.append((score * (1 + best_overlap), coverage, doc))
        scored.sort(key=lambda item: (-item[0], item[2].article.id))
        hits: list[Hit] = []
        seen_topics: set[str] = set()
        top_coverage = scored[0][1] if scored else 0.0
        for score, _coverage, doc in scored:
            if score <= 0 or doc.article.topic in seen_topics:
                continue
            seen_topics.add(doc.article.topic)
            hits.append(Hit(doc.article, round(score, 4)))
            if len(hits) >= limit:
                break
        return SearchResult(hits, _verdict(hits, top_coverage), top_coverage)


def _verdict(hits: Sequence[Hit], coverage: float) -> Verdict:
    if not hits or hits[0].score < MIN_SCORE or coverage < MIN_COVERAGE:
        return "none"
    if len(hits) == 1 or hits[0].score >= CONFIDENT_MARGIN * hits[1].score:
        return "confident"
    return "ambiguous"


class KnowledgeBase:
    """All articles, an index per language, lookup by id."""

    def __init__(self, articles: Iterable[Article]) -> None:
        self.articles = list(articles)
        self.by_id = {(a.lang, a.id): a for a in self.articles}
        self.indexes = {
            lang: LanguageIndex(a for a in self.articles if a.lang == lang) for lang in ("en", "es")
        }

    def search(self, query: str, lang: str, limit: int = 5) -> SearchResult:
        """Search the articles in ``lang`` (English for anything else)."""
        return self.indexes["es" if lang == "es" else "en"].search(query, limit)

    def get(self, article_id: str, lang: str) -> Article | None:
        """The article ``article_id`` in ``lang``."""
        return self.by_id.get((lang, article_id))

    def in_language(self, lang: str) -> list[Article]:
        """Every article in ``lang``, by title."""
        return sorted((a for a in self.articles if a.lang == lang), key=lambda a: a.title.casefold())
