"""How a family's message is routed: answered, taken as a request, or given to a person (pure; no Rasa imports).

The intent classifier says what a message is about ("seeing records", "opting out"); it cannot tell asking about a
right from exercising it: "Can I see the list of people who looked at my son's file?" and "I want to see my son's
file" are both about records. This module reads how the message is put, with the words of
``routing_cues.yml`` (English and Spanish, phone spellings included), and decides:

- **a person** whenever one is asked for, in any phrasing and with extra words ("necesito hablar con alguien sobre
  el expediente de mi hijo"): ``human_handoff``;
- **answer first**: a message that asks *about* a right or a process ("can/may/do I have to/how/what/is it
  legal…", "¿puedo/pueden/tengo que/cómo/qué/es legal…"), or tells a story without asking for anything, is a
  question (``ask_rights``) even when the classifier heard a request; the request it was about comes along as
  ``offer`` in the ``routing`` property of the parse data, so the answer can carry the action as a button;
- **a request**: an explicit one ("I want a copy of my son's records", "please take my daughter out of the
  directory", "quiero una copia del expediente de mi hija"), a few words naming it ("records request", "opt
  out"), or a complaint or misuse report told as what happened ("someone posted my kid's report card online"),
  keeps the classifier's request intent and starts the request at once; a formal one ("Further, I am requesting
  that you provide…", "YOU ARE HEREBY NOTIFIED…", "Por medio de la presente solicito…") that the classifier did
  not place starts the request its words name (``request_kinds`` of the cues), else the classifier's runner-up;
- **both**: a message that asks for the request and asks a question about it is answered first, and the answer
  then asks whether to start the request (``request_cue`` in ``routing``).

A message that mentions no code, phone or email is not about the one-time code, whatever the classifier heard
("Where do I go if the district never answers my request?"); it is a question. Button payloads ("/affirm") are
never rerouted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml

CUES_FILE = Path(__file__).with_name("routing_cues.yml")

ASK = "ask_rights"
PERSON = "human_handoff"
# A request intent and the request it starts.
REQUEST_KINDS = {
    "request_records": "records",
    "request_correction": "correction",
    "request_directory_optout": "directory_optout",
    "request_consent": "consent",
    "report_complaint": "complaint",
    "report_misuse": "misuse",
    "check_status": "status",
}
# Reports: a family telling what happened ("someone posted my kid's report card online") is making the report.
REPORT_KINDS = frozenset({"complaint", "misuse"})
# Intents that only make sense while a code is awaited: a message that does not mention the code is a question.
CODE_INTENTS = frozenset({"no_code", "resend_code", "verify_another_way"})
# Intents of short everyday messages: a long question under one of them is a question.
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny"})
# Intents that change or leave a request in progress: a long question under one of them is a question.
FORM_CONTROL = frozenset({"change_answer", "change_slot", "cancel_request", "inform"})
# A request named in this many words or fewer, with nothing asked ("records request", "opt out"), is a request.
SHORT_REQUEST_WORDS = 6
# Intents under which an explicit request may hide ("I am requesting access logs for my child" read as a question),
# and how likely a request intent must be, in the classifier's ranking, to be taken instead.
UNDECIDED = frozenset({ASK, "nlu_fallback", "out_of_scope", "inform"})
REQUEST_CANDIDATE = 0.05
LONG_QUESTION_WORDS = 7

# The parse-data property the router adds, and its keys: the request a question was about, and that the family
# asked for it now as well.
ROUTING = "routing"
OFFER = "offer"
REQUEST_CUE = "request_cue"

_GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|good (?:morning|afternoon|evening)|hola|buenas(?: tardes| noches| dias)?|buenos dias|"
    r"ok(?:ay)?|so|um+|well|question|quick question|pregunta|una pregunta|oiga|disculpe|perdon|"
    r"excuse me|sorry|yes|si|bueno|pues|thanks|thank you|gracias)[\s,.:!-]+)+"
)
_CLAUSE_SPLIT = re.compile(r"[.!?;,¿¡\n]+")
_CONJUNCTION_SPLIT = re.compile(r"\s+(?:and|y|pero|but)\s+(?=[a-z])")
_PLEASE = re.compile(r"^(?:please|kindly|por favor|favor de)[\s,]+")


def fold(text: str) -> str:
    """Lower case, without accents, straight apostrophes, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(plain.split())


@dataclass(frozen=True)
class Cues:
    """The compiled patterns of ``routing_cues.yml``."""

    spellings: Dict[str, str]
    person: List["re.Pattern[str]"]
    question_start: "re.Pattern[str]"
    question_anywhere: List["re.Pattern[str]"]
    question_law_words: List["re.Pattern[str]"]
    request_start: "re.Pattern[str]"
    request_anywhere: List["re.Pattern[str]"]
    request_not: "re.Pattern[str]"
    status: List["re.Pattern[str]"]
    code_words: List["re.Pattern[str]"]
    openers: "re.Pattern[str]"
    request_kinds: List[tuple[str, "re.Pattern[str]"]]


def _alternation(patterns: List[str]) -> "re.Pattern[str]":
    return re.compile("(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")


@lru_cache(maxsize=4)
def load_cues(path: Path = CUES_FILE) -> Cues:
    """The cues file, compiled once per process."""
    data: Dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Cues(
        spellings={str(k): str(v) for k, v in data["spellings"].items()},
        person=[re.compile(p) for p in data["person"]],
        question_start=_alternation(data["question_start"]),
        question_anywhere=[re.compile(p) for p in data["question_anywhere"]],
        question_law_words=[re.compile(p) for p in data["question_law_words"]],
        request_start=_alternation(data["request_start"]),
        request_anywhere=[re.compile(p) for p in data["request_anywhere"]],
        request_not=re.compile(_alternation(data["request_not"]).pattern),
        status=[re.compile(p) for p in data["status"]],
        code_words=[re.compile(p) for p in data["code_words"]],
        openers=re.compile(r"^(?:(?:" + "|".join(data["openers"]) + r")[\s,:]+)+"),
        request_kinds=[
            (str(kind), _alternation(patterns)) for kind, patterns in (data.get("request_kinds") or {}).items()
        ],
    )


def normalize(text: str, cues: Cues | None = None) -> str:
    """The folded text with phone spellings written out ("pls" -> "please", "kiero" -> "quiero")."""
    cues = cues or load_cues()
    folded = fold(text)
    return re.sub(r"[a-z']+", lambda m: cues.spellings.get(m.group(0), m.group(0)), folded)


def _clauses(text: str, cues: Cues) -> List[tuple[str, bool]]:
    """The clauses of the normalized text, each without a leading greeting, opener ("further,") or "please".

    With each, whether it goes on the clause before it after "and"/"but" ("send me the file and tell me where").
    """
    clauses = []
    for piece in _CLAUSE_SPLIT.split(text):
        for number, raw in enumerate(_CONJUNCTION_SPLIT.split(piece)):
            clause = cues.openers.sub("", _GREETING.sub("", raw.strip(" ,:-\"'()")))
            if clause:
                clauses.append((clause, number > 0))
    return clauses


@dataclass(frozen=True)
class Reading:
    """How a message is put."""

    person: bool
    question: bool
    request: bool
    status: bool
    mentions_code: bool
    words: int
    normalized: str


def read(text: str, cues: Cues | None = None) -> Reading:
    """Read a message's wording."""
    cues = cues or load_cues()
    norm = normalize(text, cues)
    asks = bool(re.search("[?\u00bf]", norm))
    requests: List[str] = []
    others: List[str] = []
    last_was_request = False
    for clause, goes_on in _clauses(norm, cues):
        # Without a question mark, "…and where they are kept" goes on the request before it.
        last_was_request = bool(cues.request_start.match(_PLEASE.sub("", clause))) or (
            goes_on and last_was_request and not asks
        )
        (requests if last_was_request else others).append(clause)
    question = (
        any(p.search(norm) for p in cues.question_anywhere)
        or any(cues.question_start.match(c) for c in others)
        or (not requests and asks)
        or ((asks or not requests) and any(p.search(norm) for p in cues.question_law_words))
    )
    request = bool(requests)
    if not request:
        for pattern in cues.request_anywhere:
            for match in pattern.finditer(norm):
                if not cues.request_not.match(norm, match.end()) and not _subordinate(norm, match.start()):
                    request = True
                    break
            if request:
                break
    return Reading(
        person=any(p.search(norm) for p in cues.person),
        question=question,
        request=request,
        status=any(p.search(norm) for p in cues.status),
        mentions_code=any(p.search(norm) for p in cues.code_words),
        words=len(re.findall(r"[a-z0-9']+", norm)),
        normalized=norm,
    )


def request_named(norm: str, cues: Cues) -> str | None:
    """The request intent the words of the normalized text name (``request_kinds`` of the cues, in order), if any."""
    intents = {kind: intent for intent, kind in REQUEST_KINDS.items()}
    for kind, pattern in cues.request_kinds:
        if pattern.search(norm):
            return intents[kind]
    return None


_SUBORDINATE = re.compile(
    r"(?:\b(?:if|whether|when|unless|si|cuando|what if|y si)\s+(?:\S+\s+){0,2}"
    r"|\b(?:do|does|did|will|would|should|can|could|may|might|must)\s+)$"
)


def _subordinate(text: str, start: int) -> bool:
    """Whether a request cue at ``start`` stands in a condition or a question ("what if I want…", "do I need…")."""
    return bool(_SUBORDINATE.search(text[max(0, start - 30) : start]))


@dataclass
class Routed:
    """The intent to act on, what the answer needs to know (:data:`ROUTING`), and why."""

    intent: str
    routing: Dict[str, str] = field(default_factory=dict)
    reason: str = "classifier"


def route(text: str, intent: str, ranking: list[dict[str, Any]] | None = None, cues: Cues | None = None) -> Routed:
    """Route a message the classifier gave ``intent`` (``ranking``: its intents with confidences, best first)."""
    if not text or text.lstrip().startswith("/"):
        return Routed(intent, reason="payload")
    cues = cues or load_cues()
    reading = read(text, cues)
    if reading.person:
        return Routed(PERSON, reason="asks for a person")
    if reading.status and intent != "check_status":
        return Routed("check_status", reason="asks how a request is going")
    if reading.request and not reading.question and intent in UNDECIDED:
        # An explicit request the classifier did not recognise as one: the likeliest request it saw.
        candidate = next(
            (
                r["name"]
                for r in ranking or []
                if r.get("name") in REQUEST_KINDS and float(r.get("confidence") or 0.0) >= REQUEST_CANDIDATE
            ),
            None,
        )
        named = request_named(reading.normalized, cues)
        if named is not None:
            return Routed(named, reason="an explicit request, by the words that name it")
        if candidate is not None:
            return Routed(candidate, reason="an explicit request, by the classifier's runner-up")
    kind = REQUEST_KINDS.get(intent)
    if kind == "status":
        if reading.status or not reading.question:
            return Routed(intent, reason="status")
        return Routed(ASK, {OFFER: kind}, reason="a question, not a status check")
    if kind is not None:
        if reading.request and reading.question:
            return Routed(ASK, {OFFER: kind, REQUEST_CUE: kind}, reason="a request and a question")
        if reading.request:
            return Routed(intent, reason="an explicit request")
        if reading.question or (reading.words > SHORT_REQUEST_WORDS and kind not in REPORT_KINDS):
            return Routed(ASK, {OFFER: kind}, reason="asks about it")
        return Routed(intent, reason="names the request" if reading.words <= SHORT_REQUEST_WORDS else "a report")
    if intent in CODE_INTENTS and not reading.mentions_code:
        return Routed(ASK, reason="not about the code")
    if intent in (SMALL_TALK | FORM_CONTROL) and reading.question and reading.words >= LONG_QUESTION_WORDS:
        return Routed(ASK, reason="a question in many words")
    if intent == ASK and reading.request:
        return Routed(ASK, {REQUEST_CUE: "any"}, reason="a question that asks for something")
    return Routed(intent)
