"""Reading grade of an article: Flesch-Kincaid for English, Crawford's formula for Spanish.

Both are estimates from sentence length and syllables per word; good enough to flag an article written far above
the plain-language target (about grade 8), not a verdict on it. Web addresses and email addresses are left out
before measuring: a family copies or taps them rather than reading them as words, and the formulas would count
"studentprivacy.ed.gov" as several long words of one sentence.
"""

from __future__ import annotations

import re

from core.i18n import fold

_ADDRESS = re.compile(
    r"(?:https?://\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b(?:[a-z0-9-]+\.)+(?:gov|org|com|edu)(?:/\S*)?)", re.I
)
_SENTENCE_END = re.compile(r"[.!?;:]+(?:\s|$)|\n\s*\n|\n- ")
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+")
_EN_VOWELS = re.compile(r"[aeiouy]+")
_ES_VOWELS = re.compile(r"[aeiou]+")


def _syllables_en(word: str) -> int:
    word = word.lower()
    count = len(_EN_VOWELS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


def _syllables_es(word: str) -> int:
    # Strong-strong vowel pairs (a, e, o) split into two syllables; weak vowels (i, u) form diphthongs.
    folded = fold(word)
    groups = _ES_VOWELS.findall(folded)
    count = 0
    for group in groups:
        strong = sum(1 for ch in group if ch in "aeo")
        count += max(1, strong)
    return max(count, 1)


def reading_grade(text: str, lang: str) -> float:
    """Estimated school grade needed to read ``text`` (web and email addresses left out)."""
    text = _ADDRESS.sub(" ", text)
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]))
    if lang == "es":
        syllables = sum(_syllables_es(w) for w in words)
        per_100_sentences = sentences * 100 / len(words)
        per_100_syllables = syllables * 100 / len(words)
        return -0.205 * per_100_sentences + 0.049 * per_100_syllables - 3.407
    syllables = sum(_syllables_en(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59
