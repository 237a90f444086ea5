"""Retrieval over the knowledge base, one index per language.

Each article is indexed in fields: its title, its ways-of-asking (``asked_as``), the family questions filed under
its topic (:mod:`knowledge.examples`, spelling-corrected like a query), its short answer, its body, and (weighted
down) the title and ways-of-asking of the same article in the other language, so that a Spanglish question still
finds its article when a word is missing from the concept map. The family questions count as ways of asking too.
Terms are :func:`knowledge.text.terms` (concept tokens and light stems), after each unknown query word is
corrected to the nearest word of the articles (typos; a corrected word counts for less; a word whose stem or
concept is already indexed is another form of a known word, "charging" like "charge", and is left alone). A term's
rarity (idf) is counted over what the articles are about (titles, ways of asking and family questions), so that
words every body mentions in passing ("see", "records") still tell "Seeing your child's records" from the rest.
An article's score is

- BM25F over the fields (each field with its own weight and length normalisation), over both the concept token
  and the stem of each query word (a word counts once however often it is repeated),
- times a bonus for the closest single way-of-asking, for the centre of all of them, for the share of the title
  the question covers (rewards the kind of question the article answers, not scattered words), and for the
  article's naive-Bayes posterior over the terms of its ways of asking,
- plus a phrase bonus for each pair of nearby query words that also stand together in the title, a way of asking,
  a family question or the short answer ("court order", "opt out", "how long ... see"), worth the rarity of the pair,
- times a penalty for an article about one state's law when the question does not name that state.

Cross-language evidence: the question is also ranked, the same way, against the same articles in the other
language (the concept tokens are shared by both languages, and a Spanglish question's English words find their
English twin), and the article whose twin ranks well gets a bonus in proportion to the twin's score. The two
rankings are independent opinions from differently worded texts, so together they err less than either.

Learned evidence: a topic classifier (:mod:`knowledge.classifier`), trained on the titles, ways of asking and
family questions of the language, gives each topic a probability for the question; every article's score is
finally multiplied by ``1 + CLASSIFIER_WEIGHT * probability``. It learns what word overlap cannot: which words tell
two neighbouring topics apart.

The caller gets ranked :class:`Hit` objects (one per topic) and a :class:`Verdict`: ``confident`` (answer with
the top article), ``ambiguous`` (offer the best two or three) or ``none`` (say so and offer a person). The verdict
rests on evidence, not on the raw score: how much of the question the top article explains (``coverage``: the
share of the question's informative words, weighted by rarity, that the article contains; words no article
contains count against it), how specific the match is (telling words and rare word pairs in common), whether the
question is nearly one of its ways of asking, how far the article is ahead of the second one, and whether the
classifier agrees (never an outright answer below ``CONFIDENT_PROBABILITY``). A long, chatty question can explain
little of itself and still be plainly on topic: with enough telling words and rare word pairs in the top article
it gets the choices (``ambiguous``) rather than ``none``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.i18n import as_language
from knowledge.articles import PLACEHOLDER_RE, Article
from knowledge.classifier import TopicClassifier, trained
from knowledge.examples import Example, by_topic
from knowledge.text import CONCEPT_OF, STATE_CONCEPTS, STOP_WORDS, edit_distance_at_most, terms, tokens, word_terms

Verdict = Literal["confident", "ambiguous", "none"]

# Ranking, tuned by cross-validation over the family questions (each fold asked of an index built without it) and
# on the shared development questions (bench/kb_accuracy.py --tuning); never on the held-out set.
# BM25F: each field's weight and length normalisation, and the term-frequency saturation.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "asked": 2.0,
    "examples": 1.0,
    "short": 1.0,
    "body": 1.0,
    "other": 0.3,
}
FIELD_B: dict[str, float] = {"title": 0.3, "asked": 0.5, "examples": 0.5, "short": 0.5, "body": 0.75, "other": 0.5}
K1 = 3.0
IDF_FIELDS: tuple[str, ...] = ("title", "asked", "examples")  # a term's document frequency counts these fields ...
IDF_REST = 0.25  # ... and an article that has the term only in its other fields counts this much
CORRECTED_WEIGHT = 0.7  # a word changed by the spelling corrector counts for this much of a word as typed
ASKED_BONUS = 1.5  # score *= 1 + ASKED_BONUS * similarity (0-1) to the closest way-of-asking (or the title)
CENTROID_BONUS = 1.5  # ... + CENTROID_BONUS * cosine (0-1) to the centre of all the article's ways of asking
TITLE_BONUS = 1.0  # ... + TITLE_BONUS * (share of the title's words the question has) ** 2
NB_BONUS = 1.0  # ... + NB_BONUS * the article's naive-Bayes posterior over its ways of asking and family questions
NB_ALPHA = 0.1  # add-alpha smoothing of the naive-Bayes term counts
PAIR_WINDOW = 2  # query words this close (one word may stand between) form a pair ...
PHRASE_WEIGHT = 0.4  # ... and each pair found together in the article adds this times the pair's idf
CLASSIFIER_WEIGHT = 1.0  # finally, score *= 1 + CLASSIFIER_WEIGHT * the topic's probability (knowledge.classifier)
# An article about one state's law answers a question that names that state (or one of its cities); otherwise
# its score is multiplied by this, so that a general question gets the general answer.
UNNAMED_STATE_FACTOR = 0.7
# Cross-language evidence: the question is also ranked against the same articles in the other language (its
# concept tokens are shared, its other words may be Spanglish), and an article's bonus above grows by
# TWIN_BONUS[lang] * (its twin's score / the best twin score). Worth more for Spanish questions, whose English
# twins have more and more varied ways of asking.
TWIN_BONUS = {"en": 1.0, "es": 2.0}

# Verdict, calibrated on the same questions and on off-topic questions (bench/data/kb_negatives.tsv).
CONFIDENT_PROBABILITY = 0.5  # never answer outright unless the topic classifier gives the topic at least this
UNKNOWN_MASS = 1.0  # a word no article contains weighs as much as a word found in a single article
INFORMATIVE_IDF = 0.7  # a word found in fewer than about half of the articles' titles and ways of asking
MIN_COVERAGE = 0.3  # below this share of the question's informative mass, the top article is no answer
CONFIDENT_COVERAGE = 0.4  # to answer outright: at least this share of the question explained ...
CONFIDENT_INFORMATIVE = 4  # ... and at least this many telling question words found in the article,
CONFIDENT_PHRASE = 4.0  # or word pairs found together in it this rare (summed pair idf) ...
CONFIDENT_MARGIN = 1.4  # ... and a score this many times the second article's;
STRONG_PHRASE = 10.0  # with this much pair evidence ...
STRONG_MARGIN = 1.15  # ... a smaller lead is enough
CONFIDENT_OVERLAP = 0.7  # or: the question is (nearly) one of the article's ways of asking, and it ranks first
LIKELY_MARGIN = 1.5  # or: the topic classifier agrees (CONFIDENT_PROBABILITY) and the article leads by this much
FULL_COVERAGE = 0.99  # or: the article explains (nearly) every word of the question, ...
HALF_OVERLAP = 0.4  # ... the question is at least this close to one of its ways of asking ...
WIDE_MARGIN = 2.0  # ... and the article scores this many times the second one ("¿qué es FERPA?")
# A long question full of words no article uses can fall below MIN_COVERAGE although it is plainly on topic; with
# this many telling words and word pairs this rare (summed pair idf) found in the top article, offer choices.
RESCUE_INFORMATIVE = 3
RESCUE_PHRASE = 4.0
# A question with no reliable answer is still about student data (so it gets the closest articles and a person,
# never "I can't help") when it names one of these concepts (knowledge.text): records, sharing, consent, apps,
# breaches, laws, privacy... School words alone ("bus", "lunch", "teacher") do not make a question about data.
DOMAIN_CONCEPTS = frozenset(
    "@" + name
    for name in (
        "record share copy correct consent app vendor police breach complaint violate delete retain sensitive survey "
        "photo health mental counselor divorce recruiter directory ads optout ai special transfer fee court ssn law "
        "rights privacy data security identity hearing log notify annual ferpa ppra coppa california colorado "
        "connecticut illinois newyork principles governance discipline monitor immigration socialmedia"
    ).split()
)


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
    in_domain: bool = False  # about student data (the verdict is not "none", or it names a concept of the domain)
    about_data: bool = False  # it names a concept of the domain (DOMAIN_CONCEPTS)

    @property
    def top(self) -> Article | None:
        """The best article, if any."""
        return self.hits[0].article if self.hits else None


@dataclass
class _Doc:
    """One indexed article."""

    article: Article
    weighted: dict[str, float]  # BM25F pseudo term frequency: field-weighted, length-normalised counts
    own: frozenset[str]  # terms of the article's own fields (not the other language's)
    pairs: frozenset[tuple[str, str]]  # nearby terms in the title, ways of asking and short answer
    title: list[frozenset[str]]  # the title's content words, each as its terms
    state: str | None = None  # the concept token of the state, for an article about one state's law
    asked: list[tuple[dict[str, float], float]] = field(default_factory=list)  # each way of asking: idf by term, sum
    centroid: dict[str, float] = field(default_factory=dict)  # unit-length centre of the ways of asking


@dataclass(frozen=True)
class _Word:
    """One content word of a query: its retrieval terms and how much it counts."""

    terms: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class _Evidence:
    """Why an article scored: how much of the question it explains and how closely a way of asking matches."""

    coverage: float  # share of the question's informative mass found in the article (unknown words count against)
    informative: int  # question words found in the article that are rare enough to tell articles apart
    overlap: float  # similarity (0-1) of the question to the article's closest way of asking or title
    phrase: float  # rarity (summed idf) of the pairs of neighbouring question words found together in the article
    likely: float = 1.0  # the topic classifier's probability for the article's topic (1 without a classifier)


def _strip_placeholders(text: str) -> str:
    return PLACEHOLDER_RE.sub(" ", text)


def _pairs(text: str) -> set[tuple[str, str]]:
    """Unordered pairs of terms of neighbouring content words of ``text`` (also across one word)."""
    return _pairs_of([unit for unit in map(word_terms, tokens(text)) if unit])


def _pairs_of(units: Sequence[Sequence[str]]) -> set[tuple[str, str]]:
    """Unordered pairs of terms of neighbouring words (each word's terms), also across one word."""
    out: set[tuple[str, str]] = set()
    for i, left in enumerate(units):
        for right in units[i + 1 : i + 3]:
            out.update((a, b) if a < b else (b, a) for a in left for b in right if a != b)
    return out


def _unit(vector: Mapping[str, float]) -> dict[str, float]:
    length = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / length for t, v in vector.items()}


class LanguageIndex:
    """BM25F index of the articles of one language.

    ``companions`` are the same articles in the other language, by id; their titles and ways of asking are
    indexed as a low-weight field so that words of the other language still count.
    """

    def __init__(
        self,
        articles: Iterable[Article],
        companions: Mapping[str, Article] | None = None,
        examples: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        companions = companions or {}
        examples = examples or {}
        articles = list(articles)
        self.twin: LanguageIndex | None = None  # the same articles in the other language (set by KnowledgeBase)
        self.lang = articles[0].lang if articles else ""
        # The spelling corrector's vocabulary: the words of the articles (and of the concept map), not of the
        # family questions, which have typos of their own; those are corrected like a query before indexing.
        vocabulary: set[str] = {w for w in CONCEPT_OF if w not in STOP_WORDS}
        self.word_df: Counter[str] = Counter()  # in how many articles each word appears (spelling correction)
        texts_of: list[dict[str, list[str]]] = []
        for article in articles:
            other = companions.get(article.id)
            texts = {
                "title": [article.title],
                "asked": list(article.asked_as),
                "short": [_strip_placeholders(article.short)],
                "body": [_strip_placeholders(article.body)],
                "other": [other.title, *other.asked_as] if other else [],
            }
            texts_of.append(texts)
            own_words = {
                w
                for name in ("title", "asked", "short", "body")
                for part in texts[name]
                for w in tokens(part)
                if w.isalpha() and w not in STOP_WORDS
            }
            self.word_df.update(own_words)
            vocabulary |= own_words
        self.vocabulary = vocabulary
        self._by_start: dict[tuple[str, int], list[str]] = {}  # words by first letter and length
        for word in sorted(vocabulary):
            self._by_start.setdefault((word[0], len(word)), []).append(word)
        self._corrections: dict[str, str] = {}
        self._building = True  # while indexing, the parse of each question is kept (_parsed)
        self._parsed: dict[str, list[_Word]] = {}
        self._known: set[str] = {t for texts in texts_of for parts in texts.values() for p in parts for t in terms(p)}

        fields: list[dict[str, Counter[str]]] = []
        self.docs: list[_Doc] = []
        example_terms: list[list[list[str]]] = []  # per article, the corrected terms of each family question
        for article, texts in zip(articles, texts_of, strict=True):
            corrected = [self.query_terms(q) for q in examples.get(article.topic, ())]
            example_terms.append([t for t in corrected if t])
            doc_fields = {name: Counter(t for part in parts for t in terms(part)) for name, parts in texts.items()}
            doc_fields["examples"] = Counter(t for q in example_terms[-1] for t in q)
            fields.append(doc_fields)
            pairs: set[tuple[str, str]] = set()
            for part in (*texts["title"], *texts["asked"], *texts["short"]):
                pairs |= _pairs(part)
            for question in examples.get(article.topic, ()):
                pairs |= self._query_pairs(question)
            own = frozenset(t for name, counter in doc_fields.items() if name != "other" for t in counter)
            state = None
            if article.jurisdiction == "state" and len(article.states) == 1 and article.states[0] in STATE_CONCEPTS:
                state = "@" + STATE_CONCEPTS[article.states[0]]
            title = [frozenset(unit) for unit in map(word_terms, tokens(article.title)) if unit]
            self.docs.append(_Doc(article, {}, own, frozenset(pairs), title, state))
        self._known |= {t for per_article in example_terms for q in per_article for t in q}
        self.classifier: TopicClassifier | None = None
        if CLASSIFIER_WEIGHT and self.docs:
            questions = [
                (q, doc.article.topic)
                for doc in self.docs
                for q in (doc.article.title, *doc.article.asked_as, *examples.get(doc.article.topic, ()))
            ]
            key = "\n".join([self.lang, *sorted(self.vocabulary), *sorted(self._known)])
            self.classifier = trained(questions, self.features, key)
        self._building = False
        self._parsed.clear()

        n = len(self.docs)
        df: Counter[str] = Counter()
        rest: Counter[str] = Counter()
        for doc_fields in fields:
            described = {t for name in IDF_FIELDS for t in doc_fields[name]}
            df.update(described)
            rest.update({t for counter in doc_fields.values() for t in counter} - described)
        self.idf: dict[str, float] = {}
        for t in df.keys() | rest.keys():
            d = df[t] + IDF_REST * rest[t]
            self.idf[t] = math.log(1 + (n - d + 0.5) / (d + 0.5))
        pair_df: Counter[tuple[str, str]] = Counter()
        for doc in self.docs:
            pair_df.update(doc.pairs)
        self.pair_idf = {p: math.log(1 + (n - d + 0.5) / (d + 0.5)) for p, d in pair_df.items()}
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        lengths = [{name: sum(c.values()) for name, c in doc_fields.items()} for doc_fields in fields]
        avg_len = {name: (sum(length[name] for length in lengths) / n if n else 0.0) or 1.0 for name in FIELD_WEIGHTS}
        # term -> (article number, number of its way of asking) for every way of asking (and title) that has it
        self._asked_postings: dict[str, list[tuple[int, int]]] = {}
        self._nb: list[tuple[Counter[str], int]] = []  # per article: in how many of its questions each term is
        for number, (doc, doc_fields, length) in enumerate(zip(self.docs, fields, lengths, strict=True)):
            for name, counter in doc_fields.items():
                norm = 1 - FIELD_B[name] + FIELD_B[name] * length[name] / avg_len[name]
                for term, count in counter.items():
                    doc.weighted[term] = doc.weighted.get(term, 0.0) + FIELD_WEIGHTS[name] * count / norm
            own_questions = [terms(q) for q in (*doc.article.asked_as, doc.article.title)]
            family = example_terms[number]
            centroid: Counter[str] = Counter()
            for question_terms in (*own_questions, *family):
                vector = {t: self.idf[t] for t in question_terms if t in self.idf}
                if not vector:
                    continue
                centroid.update(_unit(vector))
                for term in vector:
                    self._asked_postings.setdefault(term, []).append((number, len(doc.asked)))
                doc.asked.append((vector, sum(vector.values())))
            doc.centroid = _unit(centroid)
            nb_counts: Counter[str] = Counter()
            for question_terms in (*own_questions, *family):
                nb_counts.update(set(question_terms))
            self._nb.append((nb_counts, sum(nb_counts.values())))
        self._nb_vocabulary = len({t for counts, _total in self._nb for t in counts}) or 1

    def correct(self, word: str) -> str:
        """``word`` or the indexed word it most likely misspells.

        Only words of six letters or more, not known to the index (neither as typed nor by stem or concept), are
        corrected: one edit (a swap of two neighbouring letters counts as one) up to eight letters, two beyond. The
        first letter must match (or be swapped with the second). Of several candidates the one found in the most
        articles wins.
        """
        if word in self.vocabulary or word in STOP_WORDS or len(word) < 6 or not word.isalpha():
            return word
        if any(t in self._known for t in word_terms(word)):
            return word  # another form of an indexed word ("charging" like "charge"), not a typo
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        best = word
        for distance in range(1, (1 if len(word) < 9 else 2) + 1):
            candidates = [
                candidate
                for length in range(len(word) - distance, len(word) + distance + 1)
                for first in {word[0], word[1]}
                for candidate in self._by_start.get((first, length), ())
                if (candidate[0] == word[0] or candidate[:2] == word[1::-1])
                and edit_distance_at_most(word, candidate, distance)
            ]
            if candidates:
                best = max(candidates, key=lambda c: (self.word_df.get(c, 0), c in CONCEPT_OF, c))
                break
        self._corrections[word] = best
        return best

    def _query(self, query: str) -> list[_Word]:
        if self._building and query in self._parsed:
            return self._parsed[query]  # a family question is read three times while indexing
        out: list[_Word] = []
        for word in tokens(query):
            fixed = self.correct(word)
            units = word_terms(fixed)
            if units:
                out.append(_Word(tuple(units), 1.0 if fixed == word else CORRECTED_WEIGHT))
        if self._building:
            self._parsed[query] = out
        return out

    def features(self, text: str) -> frozenset[str]:
        """What the topic classifier sees of ``text``: its retrieval terms and its words as typed."""
        return frozenset(self.query_terms(text)) | {"w:" + word for word in tokens(text)}

    def _query_pairs(self, text: str) -> set[tuple[str, str]]:
        """Like :func:`_pairs`, after spelling correction (for family questions, which have typos)."""
        return _pairs_of([w.terms for w in self._query(text)])

    def query_terms(self, query: str) -> list[str]:
        """The retrieval terms of ``query`` after spelling correction."""
        return [t for word in self._query(query) for t in word.terms]

    def _rank(self, query: str, twin: bool = True) -> list[tuple[float, _Evidence, _Doc]]:
        """Every article that shares a term with ``query``, best first, with the evidence for its score."""
        q_words = self._query(query)
        if not q_words or not self.docs:
            return []
        # The same question asked of the other language's articles: its score for each article id, relative to
        # its best (0-1). A second opinion from the twin texts, which are worded differently.
        twin_score: dict[str, float] = {}
        twin_weight = TWIN_BONUS.get(self.lang, 0.0) if twin else 0.0
        if twin_weight and self.twin is not None:
            twin_ranked = self.twin._rank(query, twin=False)
            if twin_ranked and twin_ranked[0][0] > 0:
                best_twin = twin_ranked[0][0]
                twin_score = {doc.article.id: s / best_twin for s, _e, doc in twin_ranked}
        q_weight: dict[str, float] = {}
        for word in q_words:
            for term in word.terms:
                q_weight[term] = max(q_weight.get(term, 0.0), word.weight)
        q_idf = {t: self.idf.get(t, 0.0) * w for t, w in q_weight.items()}
        q_total = sum(q_idf.values())
        q_norm = math.sqrt(sum(v * v for v in q_idf.values())) or 1.0
        q_pairs = [
            (min(left.weight, right.weight), [(a, b) if a < b else (b, a) for a in left.terms for b in right.terms])
            for i, left in enumerate(q_words)
            for right in q_words[i + 1 : i + 1 + PAIR_WINDOW]
        ]
        # The informative mass of each query word: its rarest indexed term, or "never seen" if none is indexed.
        word_mass = [
            max(self.idf.get(t, 0.0) for t in w.terms) * w.weight
            if any(t in self.idf for t in w.terms)
            else self.unknown_idf * UNKNOWN_MASS
            for w in q_words
        ]
        total_mass = sum(word_mass) or 1.0
        distinct = list({w.terms: w for w in sorted(q_words, key=lambda w: w.weight)}.values())

        # Mass shared with each way of asking, accumulated term by term over the postings.
        shared_by: dict[tuple[int, int], float] = {}
        for t, v in q_idf.items():
            for key in self._asked_postings.get(t, ()):
                shared_by[key] = shared_by.get(key, 0.0) + v
        overlap_of: dict[int, float] = {}
        for (number, asked_index), shared in shared_by.items():
            if shared:
                # idf-weighted Jaccard: shared mass over the mass of the union of the two questions' terms.
                asked_total = self.docs[number].asked[asked_index][1]
                value = shared / (asked_total + q_total - shared)
                if value > overlap_of.get(number, 0.0):
                    overlap_of[number] = value
        posterior: list[float] = []
        if NB_BONUS:
            known = [t for t in q_weight if any(t in counts for counts, _total in self._nb)]
            logs = [
                sum(math.log((counts.get(t, 0) + NB_ALPHA) / (total + NB_ALPHA * self._nb_vocabulary)) for t in known)
                for counts, total in self._nb
            ]
            top_log = max(logs, default=0.0)
            exps = [math.exp(v - top_log) for v in logs]
            norm = sum(exps) or 1.0
            posterior = [v / norm for v in exps]

        likely = self.classifier.probabilities(self.features(query)) if self.classifier else {}
        ranked: list[tuple[float, _Evidence, _Doc]] = []
        for number, doc in enumerate(self.docs):
            score = 0.0
            for word in distinct:
                score += word.weight * sum(self._term_score(doc, term) for term in word.terms)
            if not score:
                continue
            overlap = overlap_of.get(number, 0.0)
            centre = sum(doc.centroid.get(t, 0.0) * v for t, v in q_idf.items()) / q_norm
            phrase = 0.0
            for weight, keys in q_pairs:
                found = [self.pair_idf[key] for key in keys if key in doc.pairs]
                if found:
                    phrase += weight * max(found)
            titled = sum(1 for unit in doc.title if unit & q_weight.keys()) / len(doc.title) if doc.title else 0.0
            total = score * (
                1
                + ASKED_BONUS * overlap
                + CENTROID_BONUS * centre
                + TITLE_BONUS * titled**2
                + (NB_BONUS * posterior[number] if posterior else 0.0)
                + twin_weight * twin_score.get(doc.article.id, 0.0)
            )
            total += PHRASE_WEIGHT * phrase
            if doc.state and doc.state not in q_weight:
                total *= UNNAMED_STATE_FACTOR
            total *= 1 + CLASSIFIER_WEIGHT * likely.get(doc.article.topic, 0.0)
            matched = [m for m, w in zip(word_mass, q_words, strict=True) if any(t in doc.own for t in w.terms)]
            evidence = _Evidence(
                coverage=sum(matched) / total_mass,
                informative=sum(1 for m in matched if m >= INFORMATIVE_IDF),
                overlap=overlap,
                phrase=phrase,
                likely=likely.get(doc.article.topic, 0.0) if likely else 1.0,
            )
            ranked.append((total, evidence, doc))
        ranked.sort(key=lambda item: (-item[0], item[2].article.id))
        return ranked

    def _term_score(self, doc: _Doc, term: str) -> float:
        tf = doc.weighted.get(term)
        return self.idf[term] * tf / (K1 + tf) if tf else 0.0

    def search(self, query: str, limit: int = 5) -> SearchResult:
        """Rank the articles for ``query``; one hit per topic."""
        ranked = self._rank(query)
        about_data = bool(DOMAIN_CONCEPTS.intersection(terms(query)))
        if not ranked:
            return SearchResult([], "none", 0.0, about_data, about_data)
        hits: list[Hit] = []
        seen_topics: set[str] = set()
        for score, _evidence, doc in ranked:
            if doc.article.topic in seen_topics:
                continue
            seen_topics.add(doc.article.topic)
            hits.append(Hit(doc.article, round(score, 4)))
            if len(hits) >= limit:
                break
        top = ranked[0][1]
        verdict = _verdict(hits, top)
        return SearchResult(hits, verdict, round(top.coverage, 4), about_data or verdict != "none", about_data)


def _verdict(hits: Sequence[Hit], top: _Evidence) -> Verdict:
    if not hits:
        return "none"
    if top.coverage < MIN_COVERAGE:
        rescued = top.informative >= RESCUE_INFORMATIVE and top.phrase >= RESCUE_PHRASE
        return "ambiguous" if rescued else "none"
    if top.likely < CONFIDENT_PROBABILITY:
        return "ambiguous"
    margin = hits[0].score / hits[1].score if len(hits) > 1 and hits[1].score > 0 else math.inf
    if top.overlap >= CONFIDENT_OVERLAP and margin > 1.0:
        return "confident"
    specific = top.informative >= CONFIDENT_INFORMATIVE or top.phrase >= CONFIDENT_PHRASE
    if top.coverage >= CONFIDENT_COVERAGE and specific and margin >= CONFIDENT_MARGIN:
        return "confident"
    if top.coverage >= CONFIDENT_COVERAGE and top.phrase >= STRONG_PHRASE and margin >= STRONG_MARGIN:
        return "confident"
    if top.coverage >= FULL_COVERAGE and top.overlap >= HALF_OVERLAP and margin >= WIDE_MARGIN:
        return "confident"
    if margin >= LIKELY_MARGIN:
        # Two independent opinions agree (word evidence ranks it well ahead; the classifier gives it the topic):
        # a menu would only cost the family a turn (calibrated on the answers bench's tuning split).
        return "confident"
    return "ambiguous"


class KnowledgeBase:
    """All articles, an index per language, lookup by id."""

    def __init__(self, articles: Iterable[Article], examples: Iterable[Example] = ()) -> None:
        self.articles = list(articles)
        self.examples = list(examples)
        self.by_id: dict[tuple[str, str], Article] = {(a.lang, a.id): a for a in self.articles}
        self.indexes = {
            lang: LanguageIndex(
                (a for a in self.articles if a.lang == lang),
                {a.id: a for a in self.articles if a.lang != lang},
                by_topic(self.examples, lang),
            )
            for lang in ("en", "es")
        }
        self.indexes["en"].twin = self.indexes["es"]
        self.indexes["es"].twin = self.indexes["en"]

    def search(self, query: str, lang: str, limit: int = 5) -> SearchResult:
        """Search the articles in ``lang`` (English for anything else)."""
        return self.indexes[as_language(lang)].search(query, limit)

    def get(self, article_id: str, lang: str) -> Article | None:
        """The article ``article_id`` in ``lang``."""
        return self.by_id.get((lang, article_id))

    def in_language(self, lang: str) -> list[Article]:
        """Every article in ``lang``, by title."""
        return sorted((a for a in self.articles if a.lang == lang), key=lambda a: a.title.casefold())
