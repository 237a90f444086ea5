"""A topic classifier learned from the ways of asking and the family questions: a second opinion for retrieval.

Retrieval (:mod:`knowledge.search`) scores an article by the words it shares with the question, weighted by how
rare they are. That cannot learn that a common word matters for one topic and not another ("see" with "log" is a
question about who has seen the records, not about seeing them). A multinomial logistic regression over the same
retrieval terms and the question's words as typed, trained on every way of asking, title and family question of
one language, can: its probability for each topic re-weights the ranked articles.

Training is plain stochastic gradient descent with a decaying step, in a fixed order (seeded), so the same texts
always give the same model. It takes about a second or two for the shipped knowledge base; a trained model is
kept per process by a hash of what it was trained on, so rebuilding the same knowledge base does not train again.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
from collections.abc import Callable, Iterable, Sequence

EPOCHS = 5
LEARNING_RATE = 0.5  # the step of the first epoch; epoch n takes LEARNING_RATE / n
SEED = 20261129
_CACHE_SIZE = 8
_cache: dict[str, TopicClassifier] = {}
_cache_lock = threading.Lock()


class TopicClassifier:
    """Topic probabilities for a set of features (strings) of a question."""

    def __init__(self, topics: Sequence[str], weights: dict[str, list[float]]) -> None:
        self.topics = list(topics)
        self._weights = weights

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        """The probability of each topic (summing to 1); uniform when no feature is known."""
        scores = [0.0] * len(self.topics)
        for feature in set(features):
            row = self._weights.get(feature)
            if row is not None:
                scores = [s + w for s, w in zip(scores, row, strict=True)]
        return dict(zip(self.topics, _softmax(scores), strict=True))


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores, default=0.0)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps) or 1.0
    return [e / total for e in exps]


def train(samples: Sequence[tuple[frozenset[str], str]]) -> TopicClassifier:
    """Fit a classifier to ``samples`` (the features of a question, its topic)."""
    topics = sorted({topic for _features, topic in samples})
    index = {topic: i for i, topic in enumerate(topics)}
    width = len(topics)
    weights: dict[str, list[float]] = {}
    order = [(sorted(features), index[topic]) for features, topic in samples if features]
    rng = random.Random(SEED)
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        step = LEARNING_RATE / (epoch + 1)
        for features, target in order:
            rows = [weights.setdefault(f, [0.0] * width) for f in features]
            scores = [0.0] * width
            for row in rows:
                scores = [s + w for s, w in zip(scores, row, strict=True)]
            gradient = _softmax(scores)
            gradient[target] -= 1.0
            if max(abs(g) for g in gradient) < 1e-3:
                continue  # already right with confidence: nothing to learn
            change = [(c, step * g) for c, g in enumerate(gradient) if abs(g) >= 1e-4]
            for row in rows:
                for c, delta in change:
                    row[c] -= delta
    return TopicClassifier(topics, weights)


def trained(
    questions: Sequence[tuple[str, str]], features: Callable[[str], frozenset[str]], key: str
) -> TopicClassifier:
    """A classifier for ``questions`` (text, topic), reusing the one trained on the same texts in this process.

    ``key`` names everything else the features depend on (the language, the index's vocabulary).
    """
    digest = hashlib.sha256(key.encode("utf-8"))
    for text, topic in questions:
        digest.update(f"{topic}\t{text}\n".encode())
    name = digest.hexdigest()
    with _cache_lock:
        found = _cache.get(name)
    if found is not None:
        return found
    model = train([(features(text), topic) for text, topic in questions])
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[name] = model
    return model
