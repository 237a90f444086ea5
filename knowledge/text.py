"""Text normalisation for retrieval in English and Spanish: accents, stop words, stems, family vocabulary.

Families write "file", "cumulative folder", "expediente", "registros", "notas", with typos and Spanglish. Each
word is folded (lower case, no accents, no apostrophes: "kid's" -> "kids"); a few two-word expressions are joined
("log in" -> "login", "no idea" -> "noidea", "due process", "co-parent", "step dad", "lunch lady", "Ed Law 2-d");
stop words are dropped; a light stemmer shared by both languages removes plural, gender and verb endings and glued
pronouns ("shared", "sharing", "share" -> "shar"; "compartió", "compartir" -> "compart"; "avisarme" -> "avis"); and
words that mean the same thing in this domain map to one concept token, in both languages ("expediente", "records",
"cumulative folder" -> "@record"), so an English word in a Spanish question still finds the Spanish article. A word
that is not listed but shares its stem with a listed word gets the same concept ("roban" like "robaron" ->
"@breach"), except look-alikes kept apart on purpose ("statement" is not "state", "guardian" not "guardar",
"questions" not "questionnaires").
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from core.i18n import fold

_WORD_RE = re.compile(r"[a-z0-9]+")
_APOSTROPHES = re.compile(r"['’`´]")

# The vocabulary (stop words, concepts, suffixes, stem exceptions) lives in text_lexicon.yml, read once.
_LEXICON: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parent / "text_lexicon.yml").read_text("utf-8"))
STOP_WORDS = frozenset(_LEXICON["stop_words"].split())
# Words that mean the same thing to a family asking about school records, mapped to one concept token.
CONCEPTS: dict[str, tuple[str, ...]] = {name: tuple(text.split()) for name, text in _LEXICON["concepts"].items()}
# The concept that names each state with its own article (postal code as in the articles' ``states``).
STATE_CONCEPTS: dict[str, str] = {
    "CA": "california",
    "CO": "colorado",
    "CT": "connecticut",
    "IL": "illinois",
    "NY": "newyork",
}

CONCEPT_OF: dict[str, str] = {}
for _concept, _words in CONCEPTS.items():
    for _word in _words:
        CONCEPT_OF.setdefault(_word, _concept)

# Longest first; a suffix is only removed when at least three letters remain.
_SUFFIXES = tuple(sorted(_LEXICON["suffixes"].split(), key=len, reverse=True))
# Pronouns glued to a Spanish infinitive or gerund ("avisarme", "dándole").
_ENCLITIC = re.compile(
    r"(?:(?<=[aei]r)|(?<=ndo))(?:(?:me|te|se|nos)(?:lo|la|los|las)|me|te|le|les|lo|la|los|las|nos|se)$"
)
# Words the stemmer would merge with an unrelated word, or split from their family.
_STEM_EXCEPTIONS: dict[str, str] = dict(_LEXICON["stem_exceptions"])


# Expressions of two words that mean one thing here ("log in" is not a log; "no idea" is not the IDEA law).
_PHRASES = (
    (re.compile(r"\blog(?:ged|ging)? ?(?:in|into|on)\b"), "login"),
    (re.compile(r"\bsign(?:ed|ing)? ?up\b"), "signup"),
    (re.compile(r"\breport ?cards?\b"), "reportcard"),
    (re.compile(r"\bno idea\b"), "noidea"),
    (re.compile(r"\bspecial ?(?:ed|educ)\b"), "specialed"),
    (re.compile(r"\bsocial security\b"), "socialsecurity"),
    (re.compile(r"\bdue process\b"), "dueprocess"),
    (re.compile(r"\b(?:(?:ed|educ|education) law|ley(?: de educacion)?) 2 ?d\b"), "edlaw2d"),
    (re.compile(r"\bsecurity guards?\b"), "securityguard"),
    (re.compile(r"\bco ?parent(s|ing)?\b"), r"coparent\1"),
    (re.compile(r"\bstep (dad|mom|father|mother|parent|son|daughter)(s?)\b"), r"step\1\2"),
    (re.compile(r"\blunch lad(?:y|ies)\b"), "lunchlady"),
    (re.compile(r"\bsocial workers?\b"), "socialworker"),
    (re.compile(r"\bidentity theft\b"), "identitytheft"),
    (re.compile(r"\b(?:self ?harm(?:ing)?|hurt(?:ing)? (?:himself|herself|themselves|themself|myself))\b"), "selfharm"),
    (re.compile(r"\bfront office\b"), "frontoffice"),
    (re.compile(r"\bseguro social\b"), "segurosocial"),
    (re.compile(r"\bsocial media\b"), "socialmedia"),
    (re.compile(r"\bredes sociales\b"), "redessociales"),
)


def tokens(text: str) -> list[str]:
    """:func:`words`, with the two-word expressions of this domain joined into one word ("log in" -> "login")."""
    joined = " ".join(words(text))
    for pattern, replacement in _PHRASES:
        joined = pattern.sub(replacement, joined)
    return joined.split()


def words(text: str) -> list[str]:
    """The folded words of ``text`` ("kid's" -> "kids", "don't" -> "dont")."""
    return _WORD_RE.findall(_APOSTROPHES.sub("", fold(text)))


def stem(word: str) -> str:
    """A light stem shared by both languages: plurals, gender, -ing/-ed/-er, -ción, verb endings, final vowel."""
    if word in _STEM_EXCEPTIONS:
        return _STEM_EXCEPTIONS[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    w = _ENCLITIC.sub("", word) if len(word) >= 5 else word
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                break
            w = w[: -len(suffix)] + ("i" if suffix == "ies" else "")
            if suffix == "es" and w.endswith(("ar", "er", "ir")) and len(w) >= 5:
                w = w[:-2]  # "escolares" like "escolar", "lugares" like "lugar"
            break
    if w.endswith("y") and len(w) >= 4:
        w = w[:-1] + "i"
    if len(w) >= 4 and w[-1] in "aeo":
        w = w[:-1]
    if len(w) >= 5 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    return w


def concept_of(word: str) -> str | None:
    """The concept of a folded word: listed as it is, or sharing its stem with a listed word ("roban")."""
    found = CONCEPT_OF.get(word)
    if found or word in STOP_WORDS or len(word) < 4:
        return found
    return _CONCEPT_OF_STEM.get(stem(word))


def word_terms(word: str) -> list[str]:
    """The retrieval terms of one folded word: its concept token (if any), then its stem (unless a stop word)."""
    return list(_word_terms(word))


@functools.lru_cache(maxsize=65536)
def _word_terms(word: str) -> tuple[str, ...]:
    concept = concept_of(word)
    out: tuple[str, ...] = ("@" + concept,) if concept else ()
    if word not in STOP_WORDS and len(word) > 1:
        out += (stem(word),)
    return out


def terms(text: str) -> list[str]:
    """Retrieval terms of ``text``: the stem of each word that is not a stop word, plus its concept token.

    The stem keeps a word's own meaning ("police" stays "polic"); the concept token ("@police") lets "policía",
    "cops" and "SRO" meet it across wordings and languages.
    """
    return [term for word in tokens(text) for term in _word_terms(word)]


def _stem_concepts() -> dict[str, str]:
    """Stems of the concept words that point to a single concept (at least four letters, not a stop word)."""
    found: dict[str, set[str]] = {}
    for word, concept in CONCEPT_OF.items():
        if word not in STOP_WORDS and word.isalpha() and len(stem(word)) >= 4:
            found.setdefault(stem(word), set()).add(concept)
    return {s: next(iter(c)) for s, c in found.items() if len(c) == 1}


_CONCEPT_OF_STEM = _stem_concepts()


def edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    """Whether the edit distance of ``a`` and ``b`` is at most ``limit``.

    Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbouring
    letters each cost one ("recrods" is one edit from "records"). Banded, with an early exit.
    """
    if abs(len(a) - len(b)) > limit:
        return False
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        row_min = i
        for j, cb in enumerate(b, 1):
            cost = current[j - 1] + 1
            cost = min(cost, previous[j] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current[j] = cost
            row_min = min(row_min, cost)
        if row_min > limit:
            return False
        before, previous = previous, current
    return previous[-1] <= limit
