"""Retrieval over the knowledge base, one index per language.

Each article is indexed in fields: its title, its ways-of-asking, its short answer, its body, and (weighted
down) the title and ways-of-asking of the same article in the other language, so a Spanglish question finds its
article even when a word is not in the concept map. Terms are :func:`knowledge.text.terms` (concept tokens and
light stems), after each unknown query word is corrected to the nearest indexed word (typos; a corrected word
counts for less). An article's score is

- BM25F over the fields (each field has its own weight and length normalisation),
- times a bonus for the single closest way-of-asking (rewards matching a whole question, not scattered words),
- plus a phrase bonus for each pair of neighbouring query words that also stand together in the title, a way of
  asking or the short answer ("court order", "opt out", "nueva escuela").

The caller gets ranked :class:`Hit` objects and a :class:`Verdict`: ``confident`` (answer with the top article),
``ambiguous`` (offer the best two or three) or ``none`` (say so and offer a person). The verdict looks at how
much of the question the top article explains (``coverage``: the share of the question's informative words,
weighted by rarity, that the article contains; words the knowledge base has never seen count against it) and at
the margin between the first and the second article.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from knowledge.articles import PLACEHOLDER_RE, Article
from knowledge.text import CONCEPT_OF, STOP_WORDS, edit_distance_at_most, terms, word_terms, words

Verdict = Literal["confident", "ambiguous", "none"]

# Field weights and length normalisation (BM25F).
FIELD_WEIGHTS: dict[str, float] = {"title": 3.0, "asked": 2.0, "short": 1.0, "body": 1.0, "other": 0.3}
FIELD_B: dict[str, float] = {"title": 0.3, "asked": 0.5, "short": 0.5, "body": 0.75, "other": 0.5}
K1 = 3.0
CORRECTED_WEIGHT = 0.7  # a word changed by the spelling corrector counts for this much of a word as typed
ASKED_BONUS = 1.0  # score *= 1 + ASKED_BONUS * similarity to the closest way-of-asking
PHRASE_WEIGHT = 0.5
SYNONYM_MIX = 0.3  # a word's concept token and its own stem: the better one counts fully, the other this much
SYNONYM_MODE = "max"
UNKNOWN_MASS = 1.0  # a word the knowledge base has never seen weighs this much of the rarest indexed word  # per neighbouring pair found together in the title / ways-of-asking / short answer
# Verdict calibration (bench/kb_accuracy.py, TUNE half and off-topic questions).
MIN_SCORE = 2.0
MIN_COVERAGE = 0.34
CONFIDENT_COVERAGE = 0.5
CONFIDENT_MARGIN = 1.25


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
    fields: dict[str, Counter[str]]
    lengths: dict[str, int]
    asked: list[dict[str, float]] = field(default_factory=list)
    pairs: frozenset[tuple[str, str]] = frozenset()
    weighted: dict[str, float] = field(default_factory=dict)
    own: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Word:
    """One content word of a query: its retrieval terms and how much it counts."""

    terms: tuple[str, ...]
    weight: float


def _strip_placeholders(text: str) -> str:
    return PLACEHOLDER_RE.sub(" ", text)


def _units(text: str) -> list[set[str]]:
    """The content words of ``text`` in order, each as the set of its terms (stem and concept token)."""
    return [set(units) for word in words(text) if (units := word_terms(word))]


def _pairs(text: str) -> set[tuple[str, str]]:
    """Unordered pairs of terms of neighbouring content words of ``text`` (also across one word)."""
    units = _units(text)
    out: set[tuple[str, str]] = set()
    for i, left in enumerate(units):
        for right in units[i + 1 : i + 3]:
            for a in left:
                for b in right:
                    if a != b:
                        out.add((a, b) if a < b else (b, a))
    return out


class LanguageIndex:
    """BM25F index of the articles of one language.

    ``companions`` are the same articles in the other language, by id; their titles and ways-of-asking are
    indexed as a low-weight field so that words of the other language still count.
    """

    def __init__(self, articles: Iterable[Article], companions: Mapping[str, Article] | None = None) -> None:
        self.docs: list[_Doc] = []
        companions = companions or {}
        vocabulary: set[str] = {w for w in CONCEPT_OF if w not in STOP_WORDS}
        word_df: Counter[str] = Counter()
        for article in articles:
            other = companions.get(article.id)
            texts = {
                "title": [article.title],
                "asked": list(article.asked_as),
                "short": [_strip_placeholders(article.short)],
                "body": [_strip_placeholders(article.body)],
                "other": [other.title, *other.asked_as] if other else [],
            }
            fields = {name: Counter(t for part in parts for t in terms(part)) for name, parts in texts.items()}
            lengths = {name: sum(counter.values()) for name, counter in fields.items()}
            doc = _Doc(article, fields, lengths)
            pairs: set[tuple[str, str]] = set()
            for part in (article.title, *article.asked_as, _strip_placeholders(article.short)):
                pairs |= _pairs(part)
            doc.pairs = frozenset(pairs)
            self.docs.append(doc)
            own_words: set[str] = set()
            for part in (article.title, *article.asked_as, article.short, article.body):
                own_words.update(w for w in words(_strip_placeholders(part)) if w.isalpha() and w not in STOP_WORDS)
            word_df.update(own_words)
            vocabulary |= own_words
        self.vocabulary = vocabulary
        self.word_df = word_df
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(vocabulary):
            self._by_length.setdefault(len(word), []).append(word)
        n = len(self.docs)
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update({t for counter in doc.fields.values() for t in counter})
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self.avg_len = {
            name: (sum(d.lengths[name] for d in self.docs) / n if n else 1.0) or 1.0 for name in FIELD_WEIGHTS
        }
        for doc in self.docs:
            for name, counter in doc.fields.items():
                norm = 1 - FIELD_B[name] + FIELD_B[name] * doc.lengths[name] / self.avg_len[name]
                for term, count in counter.items():
                    doc.weighted[term] = doc.weighted.get(term, 0.0) + FIELD_WEIGHTS[name] * count / norm
            doc.own = frozenset(t for name, c in doc.fields.items() if name != "other" for t in c)
            doc.asked = [self._weights(terms(q)) for q in [*doc.article.asked_as, doc.article.title]]
            doc.asked = [a for a in doc.asked if a]
        self._corrections: dict[str, str] = {}

    def _weights(self, query_terms: Iterable[str]) -> dict[str, float]:
        return {t: self.idf.get(t, 0.0) for t in query_terms}

    def correct(self, word: str) -> str:
        """``word`` or the indexed word it most likely misspells.

        Only words of six letters or more, not known to the index, are corrected: one edit (a swap of two
        neighbouring letters counts as one) up to eight letters, two beyond. The first letter must match (or be
        swapped with the second). Of several candidates the one found in the most articles wins.
        """
        if word in self.vocabulary or word in STOP_WORDS or len(word) < 6 or not word.isalpha():
            return word
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        best = word
        limit = 1 if len(word) < 9 else 2
        for distance in range(1, limit + 1):
            candidates = [
                candidate
                for length in range(len(word) - distance, len(word) + distance + 1)
                for candidate in self._by_length.get(length, ())
                if (candidate[0] == word[0] or candidate[:2] == word[1::-1])
                and edit_distance_at_most(word, candidate, distance)
            ]
            if candidates:
                best = max(candidates, key=lambda c: (self.word_df.get(c, 0), c in CONCEPT_OF, c))
                break
        self._corrections[word] = best
        return best

    def _query(self, query: str) -> list[_Word]:
        out: list[_Word] = []
        for word in words(query):
            fixed = self.correct(word)
            units = word_terms(fixed)
            if units:
                out.append(_Word(tuple(units), 1.0 if fixed == word else CORRECTED_WEIGHT))
        return out

    def query_terms(self, query: str) -> list[str]:
        """The retrieval terms of ``query`` after spelling correction."""
        return [t for word in self._query(query) for t in word.terms]

    def search(self, query: str, limit: int = 5) -> SearchResult:
        """Rank the articles for ``query``; one hit per topic."""
        q_words = self._query(query)
        if not q_words or not self.docs:
            return SearchResult([], "none", 0.0)
        q_weight: dict[str, float] = {}
        for word in q_words:
            for term in word.terms:
                q_weight[term] = max(q_weight.get(term, 0.0), word.weight)
        q_pairs: list[tuple[float, list[tuple[str, str]]]] = []
        for i, left in enumerate(q_words):
            for right in q_words[i + 1 : i + 2]:
                keys = [(a, b) if a < b else (b, a) for a in left.terms for b in right.terms if a != b]
                q_pairs.append((min(left.weight, right.weight), keys))
        # The informative mass of each query word: the rarest of its terms, or "never seen" if none is indexed.
        word_mass = [
            max((self.idf.get(t, 0.0) for t in w.terms), default=0.0)
            if any(t in self.idf for t in w.terms)
            else self.unknown_idf * UNKNOWN_MASS
            for w in q_words
        ]
        total_mass = sum(m * w.weight for m, w in zip(word_mass, q_words)) or 1.0

        scored: list[tuple[float, float, _Doc]] = []
        seen_units: set[tuple[str, ...]] = set()
        units = [w for w in q_words if not (w.terms in seen_units or seen_units.add(w.terms))]
        for doc in self.docs:
            score = 0.0
            for word in units:
                parts = []
                for term in word.terms:
                    tf = doc.weighted.get(term)
                    parts.append(self.idf[term] * tf / (K1 + tf) if tf else 0.0)
                if len(parts) > 1:
                    if SYNONYM_MODE == "max":
                        high, low = max(parts), min(parts)
                        score += word.weight * (high + SYNONYM_MIX * low)
                    else:
                        score += word.weight * (parts[0] + SYNONYM_MIX * parts[1])
                else:
                    score += word.weight * parts[0]
            if not score:
                continue
            best_overlap = 0.0
            for asked in doc.asked:
                shared = sum(w * q_weight[t] for t, w in asked.items() if t in q_weight)
                if shared:
                    union = sum(asked.values()) + sum(
                        self.idf.get(t, 0.0) * q_weight[t] for t in q_weight if t not in asked
                    )
                    best_overlap = max(best_overlap, shared / union if union else 0.0)
            phrase = 0.0
            for weight, keys in q_pairs:
                found = [self.idf.get(a, 0.0) + self.idf.get(b, 0.0) for a, b in keys if (a, b) in doc.pairs]
                if found:
                    phrase += weight * max(found) / 2
            covered = sum(m * w.weight for m, w in zip(word_mass, q_words) if any(t in doc.own for t in w.terms))
            total = score * (1 + ASKED_BONUS * best_overlap) + PHRASE_WEIGHT * phrase
            scored.append((total, covered / total_mass, doc))
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
        return SearchResult(hits, _verdict(hits, top_coverage), round(top_coverage, 4))


def _verdict(hits: Sequence[Hit], coverage: float) -> Verdict:
    if not hits or hits[0].score < MIN_SCORE or coverage < MIN_COVERAGE:
        return "none"
    if coverage >= CONFIDENT_COVERAGE and (len(hits) == 1 or hits[0].score >= CONFIDENT_MARGIN * hits[1].score):
        return "confident"
    return "ambiguous"


class KnowledgeBase:
    """All articles, an index per language, lookup by id."""

    def __init__(self, articles: Iterable[Article]) -> None:
        self.articles = list(articles)
        self.by_id = {(a.lang, a.id): a for a in self.articles}
        self.indexes = {
            lang: LanguageIndex(
                (a for a in self.articles if a.lang == lang),
                {a.id: a for a in self.articles if a.lang != lang},
            )
            for lang in ("en", "es")
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
