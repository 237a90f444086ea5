"""The word lists of reply-language detection, read from ``language_lexicon.yml``, and the tables built from them.

- :data:`LEXICON` maps a folded word to its language and weight (strong: function and domain words; weak:
  greetings and politeness, often borrowed across languages). A word listed for both languages is neutral
  (:data:`NEUTRAL_WORDS`), as are the listed neutral tokens (acronyms, interjections).
- :func:`typo_index` and :func:`collapsed_index` let a one-letter typo ("scool") or an elongation ("holaa") find
  its word.

Pure: the file is read once, at import.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from core.i18n import Language

Lexicon = dict[str, tuple[Language, float]]

LEXICON_FILE: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parent / "language_lexicon.yml").read_text(encoding="utf-8")
)
REPEAT_RE = re.compile(r"(.)\1+")

STRONG_WEIGHT = 1.0  # function and domain words
WEAK_WEIGHT = 0.6  # greetings and politeness, often borrowed across languages
TYPO_FACTOR = 0.7  # a word recognised through a one-letter typo


def load_lexicon() -> tuple[Lexicon, frozenset[str]]:
    """Build the word -> (language, weight) table.

    Returns the table and the neutral words: a word listed for both
    languages ("yo", "ya") is ambiguous and becomes neutral.
    """
    table: Lexicon = {}
    ambiguous: set[str] = set()
    for words, language, weight in (
        (LEXICON_FILE["en_strong"], "en", STRONG_WEIGHT),
        (LEXICON_FILE["es_strong"], "es", STRONG_WEIGHT),
        (LEXICON_FILE["en_weak"], "en", WEAK_WEIGHT),
        (LEXICON_FILE["es_weak"], "es", WEAK_WEIGHT),
    ):
        for word in words.split():
            lang: Language = "en" if language == "en" else "es"
            previous = table.get(word)
            if previous is not None and previous[0] != lang:
                ambiguous.add(word)
            elif previous is None:
                table[word] = (lang, weight)
    neutral = frozenset(ambiguous) | frozenset(LEXICON_FILE["neutral"].split())
    for word in neutral:
        table.pop(word, None)
    return table, neutral


LEXICON, NEUTRAL_WORDS = load_lexicon()
WEAK_WORDS = frozenset(LEXICON_FILE["en_weak"].split()) | frozenset(LEXICON_FILE["es_weak"].split())
#: Connectors that never belong to a proper-name run.
FUNCTION_WORDS = frozenset(LEXICON_FILE["function_words"].split())


def typo_index(lexicon: Lexicon, neutral: frozenset[str]) -> Lexicon:
    """Map one-letter deletions and transpositions of lexicon words to them.

    Catches common SMS typos ("recods", "scool", "techer", "helo") without a
    full spelling corrector.  Keys that would point to both languages, or
    that are real lexicon words, are dropped.
    """
    index: Lexicon = {}
    clash: set[str] = set()
    for word, (language, weight) in lexicon.items():
        if len(word) < 4:
            continue
        variants = {word[:i] + word[i + 1 :] for i in range(len(word))}
        variants |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        for variant in variants:
            if len(variant) < 4 or variant == word:
                continue
            previous = index.get(variant)
            if previous is not None and previous[0] != language:
                clash.add(variant)
            elif previous is None:
                index[variant] = (language, weight * TYPO_FACTOR)
    for variant in clash | set(lexicon) | neutral:
        index.pop(variant, None)
    return index


def collapsed_index(lexicon: Lexicon) -> Lexicon:
    """Map lexicon words with repeated letters collapsed ("holaa" -> "hola")."""
    index: Lexicon = {}
    clash: set[str] = set()
    for word, entry in lexicon.items():
        key = REPEAT_RE.sub(r"\1", word)
        previous = index.setdefault(key, entry)
        if previous[0] != entry[0]:
            clash.add(key)
    for key in clash:
        del index[key]
    return index
