"""Explicit requests for a reply language ("español", "in English please", "no hablo inglés") (pure).

:func:`explicit_language_request` is the first thing :func:`channels.language.detect_language` checks: a request
wins over every other evidence. A message that only mentions a language ("my son's Spanish class", "notas de
inglés") is not a request. Every pattern runs in linear time on the folded words of a message.
"""

from __future__ import annotations

import re

from channels.language_lexicon import LEXICON_FILE
from core.i18n import Language, fold, other_language

_CHUNK_RE = re.compile(r"\w+(?:['’]\w+)*")
_CLAUSE_SPLIT_RE = re.compile(r"[,.!?¡¿;:\n]+")


def folded_words(text: str) -> list[str]:
    """Return folded word tokens, apostrophes removed ("don't" -> "dont")."""
    return [chunk.replace("'", "") for chunk in _CHUNK_RE.findall(fold(text)) if not any(ch.isdigit() for ch in chunk)]


_ES_NAMES = frozenset({"espanol", "spanish", "castellano", "espanish"})
_EN_NAMES = frozenset({"english", "ingles", "inglish", "englis"})
_NEGATIONS = frozenset({"no", "not", "dont", "doesnt", "cant", "cannot", "nunca", "never", "without", "sin"})
#: Words that may surround a language name in a request (listed in language_lexicon.yml).
_REQUEST_WORDS = frozenset(LEXICON_FILE["request_words"].split())
_LANGUAGE_NAME_RE = "(?:espanol|spanish|castellano|espanish|english|ingles|inglish|englis)"
#: A negation right before the language name refuses it: "no spanish
#: please", "not in English", "no quiero inglés", "I don't want Spanish".  A
#: negation further away does not ("¿no hay información en español?").
_NEGATED_REQUEST_RE = re.compile(r"\b(?:no|not|dont|nunca|never)\s+(?:want\s+|quiero\s+|queremos\s+)?(?:in\s+|en\s+)?$")


def _language_of_name(token: str) -> Language | None:
    """Map a language name token to its code."""
    if token in _ES_NAMES:
        return "es"
    if token in _EN_NAMES:
        return "en"
    return None


_REQUEST_PATTERNS = tuple(
    re.compile(pattern.replace("{L}", _LANGUAGE_NAME_RE))
    for pattern in (
        # prefiero español / I prefer English / preferimos en inglés
        r"\b(?:prefiero|preferimos|preferiria|prefer|prefers)\s+(?:(?:en|in)\s+)?(?:el\s+)?{L}\b",
        # hablo inglés / solo hablo español / I speak Spanish / we only speak English
        r"\b(?:hablo|hablamos|(?:i|we)\s+(?:only\s+|just\s+|mostly\s+)?speak)\s+"
        r"(?:solo\s+|solamente\s+|only\s+)?{L}\b",
        # ¿habla español? / do you speak English / does anyone speak Spanish
        r"^(?:(?:hi|hello|hey|hola|buenas|buenos dias|buenas tardes|buenas noches)\s+)?"
        r"(?:(?:do|can|does)\s+(?:you|u|anyone|someone|somebody)\s+|(?:usted|ustedes|alguien)\s+)?"
        r"(?:speak|speaks|habla|hablas|hablan)\s+{L}\b",
        # in Spanish please / en inglés por favor
        r"\b(?:in|en)\s+{L}\s+(?:please|pls|plz|por favor|porfa|porfavor|porfis)\b",
        r"\b(?:please|pls|plz|por favor|porfa|porfavor)\s+(?:\w+\s+){0,3}(?:in|en)\s+{L}\b",
        # switch to English / cambiar a español / change the language to Spanish
        r"\b(?:switch|change|cambia|cambiar|cambie|cambien|cambiame|pasa|pasar|pasame)\s+"
        r"(?:\w+\s+){0,3}(?:to|a|al)\s+{L}\b",
        # reply in Spanish / contéstame en inglés / can we do this in English
        r"\b(?:reply|respond|answer|write|text|talk|speak|continue|responde|responder|respondan|"
        r"respondeme|contesta|contestar|contesten|contestame|escribe|escribir|escriban|"
        r"escribeme|hablame|hablar|seguir|continuar|atender|atiendan)\w*\s+(?:\w+\s+){0,3}"
        r"(?:in|en)\s+{L}\b",
        r"\b(?:can|could)\s+(?:we|you|u)\s+(?:\w+\s+){0,4}(?:in|en)\s+{L}\b",
        r"\b(?:puede|pueden|puedes|podemos|podria|podrian)\s+(?:\w+\s+){0,4}en\s+{L}\b",
        r"\b(?:have|tienen|tiene|hay)\s+(?:\w+\s+){0,4}(?:in|en)\s+{L}\b",
    )
)
_NEGATED_KNOWLEDGE_RE = re.compile(
    r"\b(?:no\s+(?:hablo|entiendo|comprendo|leo|se|escribo)|"
    r"(?:i\s+)?(?:dont|do not|cant|cannot|can not)\s+(?:speak|understand|read|write))\s+"
    r"(?:bien\s+|mucho\s+|well\s+|much\s+|el\s+|the\s+|any\s+)?"
    r"(" + _LANGUAGE_NAME_RE + r")\b"
)


def explicit_language_request(text: str) -> Language | None:
    """Return the language the user explicitly asks for, if any.

    Recognises requests in both languages ("español", "in English please",
    "prefiero español", "hablo inglés", "¿habla español?", "switch to
    English", "cambiar a español") and negated knowledge ("no hablo inglés"
    -> ``"es"``, "I don't speak Spanish" -> ``"en"``).  A message that only
    mentions a language ("my son's Spanish class", "notas de inglés") is not
    a request.  Returns ``None`` when there is no request, or when both
    languages are asked for ("hablo inglés y español").
    """
    folded = fold(text)
    clauses = [folded_words(clause) for clause in _CLAUSE_SPLIT_RE.split(folded)]
    words = [word for clause in clauses for word in clause]
    if not any(_language_of_name(word) for word in words):
        return None
    votes: set[Language] = set()
    flat = " ".join(words)
    for match in _NEGATED_KNOWLEDGE_RE.finditer(flat):
        named = _language_of_name(match.group(1))
        if named is not None:
            votes.add(other_language(named))
    if votes:
        return votes.pop() if len(votes) == 1 else None
    only_request_words = all(word in _REQUEST_WORDS or word in _NEGATIONS or _language_of_name(word) for word in words)
    short = len(words) <= 5
    for clause in clauses:
        # Whether the clause is phrased as a request does not depend on which name in it is read: decide it once.
        phrased_as_request: bool | None = None
        for index, word in enumerate(clause):
            named = _language_of_name(word)
            if named is None:
                continue
            # A refusal is at most three words before the name ("don't want in Spanish"): read only those.
            before = " ".join(clause[max(0, index - 3) : index]) + " "
            negated = _NEGATED_REQUEST_RE.search(before) is not None
            requested = other_language(named) if negated else named
            if only_request_words:
                votes.add(requested)
            elif short and index > 0 and clause[index - 1] in ("in", "en"):
                # "info en español", "help in Spanish"
                votes.add(requested)
            else:
                if phrased_as_request is None:
                    joined = " ".join(clause)
                    phrased_as_request = any(pattern.search(joined) for pattern in _REQUEST_PATTERNS)
                if phrased_as_request:
                    votes.add(requested)
    if len(votes) == 1:
        return votes.pop()
    return None
