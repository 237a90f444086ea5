"""Choose the reply language (English or Spanish) for a family's message.

Contract
--------
``detect_language(text, current=None, default="en") -> LanguageDecision``

* ``current`` is the conversation's language so far (``None`` on a first
  message); ``default`` is used when a first message has no language evidence.
* An explicit request wins: "español", "in English please", "prefiero
  español", "hablo inglés", "¿habla español?", "no hablo inglés" (-> es),
  "I don't speak Spanish" (-> en).  ``explicit`` is then ``True``.
  Mentions of a language that are not requests ("my son's Spanish class",
  "notas de inglés") are not explicit requests.
* A message without language evidence keeps ``current`` (``default`` when
  ``None``): "ok", "sí"/"si", "no", numbers, dates, codes such as "482913",
  phone numbers, e-mail addresses, URLs, names ("Maria Lopez"), acronyms
  (FERPA, IEP), emoji, punctuation, empty text.
* First messages: a small domain lexicon (greetings, function words and
  school/privacy words in both languages), Spanish orthography (¿ ¡ ñ
  accents) and langdetect restricted to English/Spanish profiles are combined;
  the lexicon dominates on short messages, langdetect weighs more the more
  words the lexicon does not know.
* Existing conversations: short messages ("gracias", "thanks", "records",
  "opt out", a school name) never switch; the language switches only on clear
  evidence in a full sentence (at least three content words, the combined
  score clearly favouring the other language, and langdetect not disagreeing),
  or on a comprehension complaint written in the other language
  ("no entiendo", "I don't understand").
* ``switched`` is ``True`` when ``current`` is not ``None`` and the chosen
  language differs from it.

The module is pure: no settings, no I/O besides langdetect's own profile data,
which is loaded once, lazily and thread-safely, with ``DetectorFactory.seed =
0`` so the same text always yields the same decision.  A call takes well under
a few milliseconds after warm-up.  Only the first 500 characters are read and
every pattern runs in linear time, so no message, however crafted, costs more
than a few milliseconds.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from channels.language_lexicon import (
    FUNCTION_WORDS,
    LEXICON,
    NEUTRAL_WORDS,
    REPEAT_RE,
    STRONG_WEIGHT,
    TYPO_FACTOR,
    WEAK_WORDS,
    collapsed_index,
    typo_index,
)
from channels.language_request import explicit_language_request, folded_words
from core.i18n import Language, fold, other_language

__all__ = [
    "Language",
    "LanguageDecision",
    "detect_language",
    "explicit_language_request",
]

#: Probability that a text is English according to a detector, or ``None``
#: when the detector has nothing to say.
EnglishProbability = Callable[[str], float | None]


@dataclass(frozen=True)
class LanguageDecision:
    """The language to reply in, and how it was chosen."""

    language: Language
    switched: bool
    explicit: bool


# ---------------------------------------------------------------------------
# Text normalisation
# ---------------------------------------------------------------------------

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Linear time: a match starts only where a run of non-space, non-@ characters starts (issue 11, F1: the earlier
# ``\S+@\S+\.\S+`` backtracked cubically, 2,000 "@" took seconds and froze the gateway).
_EMAIL_RE = re.compile(r"(?<![^\s@])[^\s@]+@[^\s@]+\.[^\s@]+")
_SENTENCE_SPLIT_RE = re.compile(r"[.!?¡¿;:\n]+")
_CHUNK_RE = re.compile(r"\w+(?:['’]\w+)*")


# The tables words are looked up in (module state: bench/lang_accuracy.py shrinks them to simulate unknown words).
_LEXICON = LEXICON
_TYPOS = typo_index(_LEXICON, NEUTRAL_WORDS)
_COLLAPSED = collapsed_index(_LEXICON)

#: Politeness formulas are borrowed across languages ("thank you so much" in
#: a Spanish conversation): each counts as one weak word, not a sentence.
_POLITENESS = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"\bthank(?:s|\s+you|\s+u)(?:\s+(?:so|very)\s+much|\s+a\s+lot|\s+so\s+much)?\b", "thanks"),
        (r"\b(?:muchas|mil|muchisimas)\s+gracias\b", "gracias"),
        (r"\bpor\s+favor\b", "porfavor"),
        (r"\bde\s+nada\b", "gracias"),
        (r"\byou(?:'|’)?re\s+welcome\b", "thanks"),
    )
)

#: A comprehension complaint switches to the language it is written in.
_COMPREHENSION_RE = re.compile(
    r"^(?:(?:pero|but|sorry|perdon|disculpe|ok|no)\s+)?(?:"
    r"no\s+(?:le\s+|les\s+|te\s+)?(?:entiendo|entendi|comprendo|comprendi)"
    r"|no\s+se\s+lo\s+que\s+dice|que\s+dice"
    r"|(?:i\s+)?(?:dont|do not|didnt|did not|cant|cannot)\s+understand"
    r")(?:\s+\w+){0,2}$"
)


# ---------------------------------------------------------------------------
# Detectors
# ---------------------------------------------------------------------------

_LANGDETECT_LOCK = threading.Lock()
_langdetect_factory: Any = None
_MAX_DETECTOR_CHARS = 500
# Longer messages are judged on their beginning: the language shows in the first sentences, and the cost of a
# detection stays bounded whatever a family (or anyone) sends.
_MAX_TEXT_CHARS = 500
_MAX_WORD_CHARS = 30  # longer "words" are codes, hashes or keyboard mashing


def _load_langdetect() -> Any:
    """Load langdetect's English and Spanish profiles once (thread-safe)."""
    global _langdetect_factory
    if _langdetect_factory is None:
        with _LANGDETECT_LOCK:
            if _langdetect_factory is None:
                from langdetect.detector_factory import (  # type: ignore[import-untyped,unused-ignore]
                    PROFILES_DIRECTORY,
                    DetectorFactory,
                )

                DetectorFactory.seed = 0
                factory = DetectorFactory()
                factory.load_json_profile(
                    [Path(PROFILES_DIRECTORY, code).read_text(encoding="utf-8") for code in ("en", "es")]
                )
                factory.set_seed(0)
                _langdetect_factory = factory
    return _langdetect_factory


def langdetect_english_probability(text: str) -> float | None:
    """Return P(English) from langdetect restricted to en/es, or ``None``."""
    factory = _load_langdetect()
    from langdetect.lang_detect_exception import (  # type: ignore[import-untyped,unused-ignore]
        LangDetectException,
    )

    detector = factory.create()
    detector.set_max_text_length(_MAX_DETECTOR_CHARS)
    detector.append(text)
    try:
        probabilities = detector.get_probabilities()
    except LangDetectException:
        return None
    by_language = {str(item.lang): float(item.prob) for item in probabilities}
    english, spanish = by_language.get("en", 0.0), by_language.get("es", 0.0)
    if english + spanish <= 0.0:
        return None
    return english / (english + spanish)


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Evidence:
    """Language evidence extracted from one message."""

    english: float
    spanish: float
    content_words: int
    unknown_words: int
    detector_text: str


def _is_title(original: str) -> bool:
    """Return True for a capitalised word such as "Maria" (not "FERPA")."""
    return len(original) > 1 and original[0].isupper() and original[1:].islower()


def _lookup(key: str) -> tuple[Language, float] | None:
    """Find a folded word in the lexicon, tolerating elongations and typos."""
    entry = _LEXICON.get(key)
    if entry is None and key not in NEUTRAL_WORDS:
        entry = _COLLAPSED.get(REPEAT_RE.sub(r"\1", key))
    if entry is None and key not in NEUTRAL_WORDS:
        entry = _TYPOS.get(key)
    return entry


def _evidence(text: str) -> _Evidence:
    """Score a message against the lexicon and orthographic cues."""
    cleaned = _EMAIL_RE.sub(" ", _URL_RE.sub(" ", unicodedata.normalize("NFC", text)))
    for pattern, replacement in _POLITENESS:
        cleaned = pattern.sub(replacement, cleaned)
    english = spanish = 0.0
    if "¿" in cleaned or "¡" in cleaned:
        spanish += 1.5
    content = unknown = 0
    detector_words: list[str] = []
    for sentence in _SENTENCE_SPLIT_RE.split(cleaned):
        chunks = [
            c for c in _CHUNK_RE.findall(sentence) if len(c) <= _MAX_WORD_CHARS and not any(ch.isdigit() for ch in c)
        ]
        chunks = [c.replace("_", "") for c in chunks if c.replace("_", "")]
        keys = [fold(c).replace("'", "") for c in chunks]
        names = _name_positions(chunks, keys)
        for position, (original, key) in enumerate(zip(chunks, keys, strict=True)):
            if position in names:
                continue
            if original.isupper() and len(original) <= 6 and _LEXICON.get(key) is None:
                continue  # acronym such as FERPA, IEP, GPA
            detector_words.append(original.lower())
            if key in NEUTRAL_WORDS:
                continue
            folded = fold(original)
            if folded.endswith("'s") and len(folded) > 3:
                english += 1.0  # English possessive: "my mija's grades"
                key = key[:-1]
                if key in NEUTRAL_WORDS:
                    content += 1
                    continue
            entry = _lookup(key)
            if entry is None:
                unknown += 1
                content += 1
                if any(ch in "áéíóúñü" for ch in original.lower()):
                    spanish += 0.5
                continue
            language, weight = entry
            if weight >= STRONG_WEIGHT * TYPO_FACTOR:
                content += 1
            if language == "en":
                english += weight
            else:
                spanish += weight
    return _Evidence(english, spanish, content, unknown, " ".join(detector_words))


def _name_positions(chunks: list[str], keys: list[str]) -> set[int]:
    """Return positions of words that look like proper names.

    A name is a run of capitalised words containing at least one word the
    lexicon does not know ("Maria Lopez", "Roosevelt High School", "Escuela
    Primaria Benito Juarez").  A single unknown capitalised word counts only
    when it is not the first word of the sentence, or is the whole sentence.
    Function words and greetings are never part of a name.  When the writer
    capitalises function words too ("Mi Hijo Tiene Problemas Con La Escuela"),
    capitals say little, so only runs made entirely of unknown words count.
    """
    positions: set[int] = set()
    run: list[int] = []
    title_cased_sentence = any(
        _is_title(chunk) and key in FUNCTION_WORDS
        for index, (chunk, key) in enumerate(zip(chunks, keys, strict=True))
        if index > 0
    )

    def flush() -> None:
        if not run:
            return
        unknown = [i for i in run if _lookup(keys[i]) is None and keys[i] not in NEUTRAL_WORDS]
        enough = len(unknown) == len(run) if title_cased_sentence else bool(unknown)
        if enough and (len(run) > 1 or run[0] > 0 or len(chunks) == 1):
            positions.update(run)
        run.clear()

    for position, (original, key) in enumerate(zip(chunks, keys, strict=True)):
        if _is_title(original) and key not in FUNCTION_WORDS and key not in WEAK_WORDS:
            run.append(position)
        else:
            flush()
    flush()
    return positions


def _detector_weight(evidence: _Evidence) -> float:
    """Weight of the statistical detector: more when the lexicon knows less.

    On short texts restricted langdetect is saturated (P is 0 or 1 and often
    wrong on a single word), so with no unknown word it weighs less than one
    greeting; each word the lexicon does not know adds most of a word's weight.
    """
    return min(3.0, 0.25 + 0.7 * evidence.unknown_words)


def _decide(
    text: str,
    current: Language | None,
    default: Language,
    english_probability: EnglishProbability | None,
) -> LanguageDecision:
    """Implement :func:`detect_language` with a pluggable statistical detector."""
    text = text[:_MAX_TEXT_CHARS]
    keep: Language = current if current is not None else default
    requested = explicit_language_request(text)
    if requested is not None:
        return LanguageDecision(requested, current is not None and requested != current, True)
    evidence = _evidence(text)
    if evidence.english == 0.0 and evidence.spanish == 0.0 and evidence.unknown_words == 0:
        return LanguageDecision(keep, False, False)
    probability: float | None = None
    if english_probability is not None and evidence.detector_text:
        probability = english_probability(evidence.detector_text)
    lexical = evidence.english - evidence.spanish
    statistical = 0.0
    if probability is not None:
        statistical = _detector_weight(evidence) * (2.0 * probability - 1.0)
    score = lexical + statistical
    if current is None:
        if abs(score) < 0.3:
            return LanguageDecision(default, False, False)
        return LanguageDecision("en" if score > 0 else "es", False, False)
    other = other_language(current)
    sign = 1.0 if other == "en" else -1.0
    joined = " ".join(folded_words(text))
    if _COMPREHENSION_RE.search(joined):
        written_in: Language = "en" if lexical > 0 else "es" if lexical < 0 else current
        return LanguageDecision(written_in, written_in != current, False)
    full_sentence = evidence.content_words >= 3
    detector_agrees = probability is None or (sign * (2.0 * probability - 1.0)) >= 0.2
    if full_sentence and sign * score >= 2.5 and sign * lexical >= 0.0 and detector_agrees:
        return LanguageDecision(other, True, False)
    return LanguageDecision(current, False, False)


def detect_language(text: str, current: Language | None = None, default: Language = "en") -> LanguageDecision:
    """Decide which language to answer ``text`` in.

    ``current`` is the conversation's language so far (``None`` on a first
    message) and ``default`` the language used when a first message has no
    language evidence.  See the module docstring for the rules.
    """
    return _decide(text, current, default, langdetect_english_probability)
