"""What families get as the first reply, through the product: questions sent to ``POST /api/chat`` on a running stack.

    .venv/bin/python bench/answers.py [--split heldout|tuning|all] [--sms 40] [--routing] [--errors] [--url URL]

Every question starts a new conversation, as a family arriving with it would. The first reply (everything the
assistant says to that one message) is classified as:

- ``direct``: it carries an article (the chat contract's ``article``) of the expected topic (or one the set
  accepts as well);
- ``first_choice``: it is a menu of articles whose first choice is of the expected topic;
- ``menu``: a menu whose first choice is another topic;
- ``wrong``: it answers outright with an article of another topic;
- ``form``: it starts a request form (the request's introduction) instead of answering;
- ``person``: it brings in a person (a ticket reference);
- ``out_of_scope`` / ``none``: "I can't help with that" / "I don't have a reliable answer";
- ``other``: anything else (named in ``--errors``).

Beside it, in the same run, retrieval alone: the knowledge service's top article for the same text and language
(what ``rightsdesk kb search`` ranks first), and its verdict.

``--sms N`` also sends a sample of N questions (the same every run) through the signed Twilio webhook
(``POST /sms/twilio``) to a local fake Twilio, and classifies the SMS that comes back the same way.
``--routing`` runs the routing set (``bench/data/routing_*.tsv``): messages labelled ``answer``, ``request`` (with
its kind) or ``person``, and reports how often each got what it asked for.

The sets (``bench/data/answers_*.tsv``) hold questions families really asked, each with its source URL; each row's
``split`` was fixed by a hash of the question before anything was measured. ``--errors`` lists the misses of the
tuning split only: the held-out split is reported as figures, never looked at question by question.
Without ``--url`` the script starts its own stack (``rightsdesk run`` on free ports, a temporary data directory).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import running_stack
from knowledge.articles import load_articles
from knowledge.service import KnowledgeService

DATA = ROOT / "bench" / "data"
QUESTION_SETS = ("answers_real.tsv", "answers_real_topics.tsv", "answers_real_2.tsv")
WRITTEN_SETS = ("answers_written_es.tsv",)
ROUTING_SETS = ("routing_real.tsv", "routing_real_2.tsv", "routing_written.tsv")
DOMAIN_DIR = ROOT / "bot" / "domain"
SMS_PUBLIC_URL = "https://bench-desk.example.org"
SMS_NUMBER = "+15550002222"
OUTCOMES = ("direct", "first_choice", "menu", "wrong", "form", "person", "out_of_scope", "none", "other")
REQUEST_KINDS = ("records", "correction", "directory_optout", "consent", "complaint", "misuse", "status")
ARTICLE_PAYLOAD = re.compile(r'^/ask_rights\{\s*"article_id"\s*:\s*"([^"]+)"\s*\}$')
ARTICLE_URL = re.compile(r"/rights/(?:en|es)/([a-z0-9-]+)")


@dataclass(frozen=True)
class Question:
    text: str
    lang: str
    topics: frozenset[str]
    split: str
    source: str
    origin: str  # "real" or "written"


@dataclass(frozen=True)
class RoutingCase:
    text: str
    lang: str
    expected: str  # answer | request | person
    kind: str
    split: str
    origin: str


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def load_questions(split: str, written: bool, paths: list[Path] | None = None) -> list[Question]:
    questions: list[Question] = []
    names = [*QUESTION_SETS, *(WRITTEN_SETS if written else ())]
    for path in paths or [DATA / name for name in names]:
        name = path.name
        if not path.exists():
            continue
        origin = "written" if name in WRITTEN_SETS else "real"
        for row in read_tsv(path):
            if split != "all" and row["split"] != split:
                continue
            also = {t for t in (row.get("also") or "").split("|") if t}
            questions.append(
                Question(
                    row["question"].strip(),
                    row["lang"],
                    frozenset({row["topic"], *also}),
                    row["split"],
                    row.get("source_url", ""),
                    origin,
                )
            )
    return questions


def load_routing(split: str) -> list[RoutingCase]:
    cases: list[RoutingCase] = []
    for name in ROUTING_SETS:
        path = DATA / name
        if not path.exists():
            continue
        origin = "written" if "written" in name else "real"
        for row in read_tsv(path):
            if split != "all" and row["split"] != split:
                continue
            cases.append(
                RoutingCase(
                    row["message"].strip(),
                    row["lang"],
                    row["expected"],
                    row.get("kind") or "",
                    row["split"],
                    origin,
                )
            )
    return cases


class Replies:
    """Names the bot's responses in a reply by matching the texts of ``bot/domain`` (placeholders as wildcards)."""

    def __init__(self, domain_dir: Path = DOMAIN_DIR) -> None:
        patterns: list[tuple[int, str, re.Pattern[str]]] = []
        for path in sorted(domain_dir.glob("*.yml")):
            domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for name, variations in (domain.get("responses") or {}).items():
                for variation in variations or []:
                    text = variation.get("text")
                    if not text:
                        continue
                    literal = re.sub(r"\{[a-z_]+\}", "", text)
                    regex = re.escape(" ".join(text.split()))
                    regex = re.sub(r"\\\{[a-z_]+\\\}", "(?:.*?)", regex)
                    patterns.append((len(literal), name, re.compile(regex, re.DOTALL)))
        # The most specific template first (more literal text).
        self.patterns = sorted(patterns, key=lambda p: -p[0])

    def names(self, text: str, whole: bool = True) -> list[str]:
        flat = " ".join(text.split())
        for _, name, pattern in self.patterns:
            if (pattern.fullmatch(flat) if whole else pattern.search(flat)) and len(pattern.pattern) > 12:
                return [name]
        return []

    def names_within(self, text: str) -> set[str]:
        """Every response whose fixed text (the longest literal run) appears in ``text`` (for SMS bodies)."""
        flat = " ".join(text.split())
        found: set[str] = set()
        for _, name, pattern in self.patterns:
            runs = [r for r in re.split(r"\(\?:\.\*\?\)", pattern.pattern) if r]
            longest = max(runs, key=len) if runs else ""
            plain = re.sub(r"\\(.)", r"\1", longest)
            if len(plain) >= 25 and plain in flat:
                found.add(name)
        return found


PERSON_MARKERS = ("reference number is", "número de referencia es", "already has your request", "ya tiene su solicitud")


@dataclass
class Outcome:
    kind: str
    topic: str | None = None  # the article answered or offered first
    request: str | None = None  # the request form started
    detail: str = ""


def classify(
    messages: list[dict[str, Any]],
    replies: Replies,
    topic_of: dict[str, str],
    expected: frozenset[str],
) -> Outcome:
    """The outcome of one web reply (the ``messages`` of ``POST /api/chat``)."""
    names: list[str] = []
    for message in messages:
        names += replies.names(message.get("text") or "")
    for name in names:
        if name.startswith("utter_request_intro_"):
            return Outcome("form", request=name.removeprefix("utter_request_intro_"), detail=",".join(names))
    texts = " ".join(m.get("text") or "" for m in messages)
    if "utter_handoff_opened" in names or any(marker in texts for marker in PERSON_MARKERS):
        return Outcome("person", detail=",".join(names))
    answered = next((m["article"] for m in messages if m.get("article")), None)
    if answered:
        topic = answered.get("topic") or topic_of.get(answered.get("id", ""), "")
        return Outcome("direct" if topic in expected else "wrong", topic=topic, detail=",".join(names))
    offered = [
        topic_of.get(match.group(1), "")
        for m in messages
        for b in m.get("buttons") or []
        if (match := ARTICLE_PAYLOAD.match(str(b.get("payload", ""))))
    ]
    if offered:
        return Outcome("first_choice" if offered[0] in expected else "menu", topic=offered[0], detail=",".join(names))
    if "utter_out_of_scope" in names:
        return Outcome("out_of_scope", detail=",".join(names))
    if "utter_kb_none" in names:
        return Outcome("none", detail=",".join(names))
    return Outcome("other", detail=",".join(names) or texts[:80])


def classify_sms(
    body: str, replies: Replies, topic_of: dict[str, str], title_topic: dict[str, str], expected: frozenset[str]
) -> Outcome:
    """The outcome of one SMS reply (plain text; options as "1 Title" lines)."""
    names = replies.names_within(body)
    for name in sorted(names):
        if name.startswith("utter_request_intro_"):
            return Outcome("form", request=name.removeprefix("utter_request_intro_"), detail=",".join(sorted(names)))
    if "utter_handoff_opened" in names or any(marker in body for marker in PERSON_MARKERS):
        return Outcome("person")
    linked = [topic_of.get(m.group(1), "") for m in ARTICLE_URL.finditer(body)]
    options = re.findall(r"^\d+ (.+)$", body, re.MULTILINE)
    offered = [title_topic[o.strip()] for o in options if o.strip() in title_topic]
    if linked:
        return Outcome("direct" if linked[0] in expected else "wrong", topic=linked[0])
    if offered:
        return Outcome("first_choice" if offered[0] in expected else "menu", topic=offered[0])
    if "utter_out_of_scope" in names:
        return Outcome("out_of_scope")
    if "utter_kb_none" in names:
        return Outcome("none")
    return Outcome("other", detail=",".join(sorted(names)) or body[:80])


async def ask_web(client: httpx.AsyncClient, url: str, text: str, lang: str | None = None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"text": text}
    for attempt in range(3):
        response = await client.post(f"{url}/api/chat", json=body, timeout=120)
        if response.status_code == 429 and attempt < 2:
            await asyncio.sleep(float(response.headers.get("retry-after", "2")))
            continue
        response.raise_for_status()
        return list(response.json()["messages"])
    raise RuntimeError("rate limited")


async def run_web(url: str, texts: list[str], concurrency: int = 4) -> list[list[dict[str, Any]]]:
    results: list[list[dict[str, Any]]] = [[] for _ in texts]
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient() as client:

        async def one(index: int, text: str) -> None:
            async with semaphore:
                results[index] = await ask_web(client, url, text)

        await asyncio.gather(*(one(i, t) for i, t in enumerate(texts)))
    return results


def share(counter: Counter[str], keys: Iterable[str], total: int) -> float:
    return 100.0 * sum(counter[k] for k in keys) / total if total else 0.0


@dataclass
class Tally:
    outcomes: Counter[str] = field(default_factory=Counter)
    retrieval_top1: int = 0
    retrieval_confident: int = 0
    n: int = 0


def report_questions(
    title: str, questions: list[Question], outcomes: list[Outcome], retrieval: list[tuple[str | None, str]]
) -> dict[str, Any]:
    by_lang: dict[str, Tally] = defaultdict(Tally)
    by_topic: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for question, outcome, (top, verdict) in zip(questions, outcomes, retrieval, strict=True):
        primary = sorted(question.topics)[0] if len(question.topics) == 1 else next(iter(sorted(question.topics)))
        for tally in (by_lang[question.lang], by_topic[(question.lang, primary)]):
            tally.n += 1
            tally.outcomes[outcome.kind] += 1
            tally.retrieval_top1 += int(top in question.topics)
            tally.retrieval_confident += int(verdict == "confident")
    print(f"\n## {title}\n")
    print(
        "| lang | n | right first reply | right in first reply (direct or first choice) | menu | wrong answer "
        "| request form | person | out of scope | no answer | other | confident first reply "
        "| retrieval top-1 (kb search) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    summary: dict[str, Any] = {}
    for lang in sorted(by_lang):
        t = by_lang[lang]
        o = t.outcomes
        row = {
            "n": t.n,
            "direct": share(o, ["direct"], t.n),
            "direct_or_first": share(o, ["direct", "first_choice"], t.n),
            "menu": share(o, ["first_choice", "menu"], t.n),
            "wrong": share(o, ["wrong"], t.n),
            "form": share(o, ["form"], t.n),
            "person": share(o, ["person"], t.n),
            "out_of_scope": share(o, ["out_of_scope"], t.n),
            "none": share(o, ["none"], t.n),
            "other": share(o, ["other"], t.n),
            "confident": share(o, ["direct", "wrong"], t.n),
            "retrieval_top1": 100.0 * t.retrieval_top1 / t.n,
        }
        summary[lang] = row
        print(
            f"| {lang} | {t.n} | {row['direct']:.1f}% | {row['direct_or_first']:.1f}% | {row['menu']:.1f}% "
            f"| {row['wrong']:.1f}% | {row['form']:.1f}% | {row['person']:.1f}% | {row['out_of_scope']:.1f}% "
            f"| {row['none']:.1f}% | {row['other']:.1f}% | {row['confident']:.1f}% | {row['retrieval_top1']:.1f}% |"
        )
    print("\nPer topic (right first reply / retrieval top-1):\n")
    print("| topic | en n | en chat | en retrieval | es n | es chat | es retrieval |")
    print("|---|---|---|---|---|---|---|")
    for topic in sorted({t for _, t in by_topic}):
        cells = []
        for lang in ("en", "es"):
            t = by_topic.get((lang, topic))
            if t is None or not t.n:
                cells += ["0", "", ""]
            else:
                cells += [
                    str(t.n),
                    f"{100.0 * t.outcomes['direct'] / t.n:.0f}%",
                    f"{100.0 * t.retrieval_top1 / t.n:.0f}%",
                ]
        print(f"| {topic} | " + " | ".join(cells) + " |")
    return summary


def report_routing(cases: list[RoutingCase], outcomes: list[Outcome]) -> dict[str, Any]:
    rows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for case, outcome in zip(cases, outcomes, strict=True):
        got = (
            "answer"
            if outcome.kind in ("direct", "first_choice", "menu", "wrong")
            else "request"
            if outcome.kind == "form"
            else outcome.kind
        )
        key = (case.origin, case.expected)
        rows[key]["n"] += 1
        if case.expected == "request":
            rows[key]["ok"] += int(got == "request" and (outcome.request == case.kind or not case.kind))
        else:
            rows[key]["ok"] += int(got == case.expected)
        if case.expected == "answer":
            rows[key]["hijacked"] += int(got == "request")
    print("\n## Routing (the first reply does what the message asked)\n")
    print("| origin | expected | n | got it | answer hijacked into a form |")
    print("|---|---|---|---|---|")
    summary: dict[str, Any] = {}
    for (origin, expected), c in sorted(rows.items()):
        ok = 100.0 * c["ok"] / c["n"]
        hijacked = f"{100.0 * c['hijacked'] / c['n']:.1f}%" if expected == "answer" else ""
        print(f"| {origin} | {expected} | {c['n']} | {ok:.1f}% | {hijacked} |")
        summary[f"{origin}/{expected}"] = {"n": c["n"], "ok": ok}
    return summary


def sms_sample(questions: list[Question], size: int) -> list[Question]:
    rng = random.Random(20261207)
    return sorted(rng.sample(questions, min(size, len(questions))), key=lambda q: (q.lang, q.text))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["heldout", "tuning", "all"], default="all")
    parser.add_argument("--url", help="a running stack (default: start one)")
    parser.add_argument("--sms", type=int, default=0, help="also send a sample of N questions by SMS")
    parser.add_argument("--routing", action="store_true", help="also run the routing set")
    parser.add_argument("--written", action="store_true", help="also report the written (not real) sets")
    parser.add_argument("--errors", action="store_true", help="list the tuning split's misses")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--set", type=Path, action="append", help="question files instead of bench/data's")
    args = parser.parse_args()

    questions = load_questions(args.split, written=args.written, paths=args.set)
    if not questions:
        print("no questions found in bench/data/answers_*.tsv", file=sys.stderr)
        return 1
    routing = load_routing(args.split) if args.routing else []
    articles = [loaded.article for loaded in load_articles()]
    topic_of = {a.id: a.topic for a in articles}
    title_topic = {a.title: a.topic for a in articles}
    replies = Replies()

    from tests.fakes.twilio_server import FakeTwilio

    fake = FakeTwilio().start() if args.sms else None
    # Every question comes from this one machine: the per-address limits that guard the public edge are off here.
    unlimited = {
        name: "off"
        for name in (
            "RIGHTSDESK_RATE_CHAT_PER_ADDRESS",
            "RIGHTSDESK_RATE_NEW_CONVERSATIONS_PER_ADDRESS",
            "RIGHTSDESK_RATE_CHAT_PER_CONVERSATION",
            "RIGHTSDESK_RATE_SMS_PER_SENDER",
        )
    }
    extra_env = unlimited | (
        {
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_FROM_NUMBER": SMS_NUMBER,
            "TWILIO_API_BASE": fake.base_url,
            "RIGHTSDESK_PUBLIC_URL": SMS_PUBLIC_URL,
            "RIGHTSDESK_OUTBOX_POLL_SECONDS": "0.2",
        }
        if fake
        else {}
    )
    results: dict[str, Any] = {"split": args.split}
    try:
        with running_stack(url=args.url, extra_env=extra_env) as stack:
            knowledge = KnowledgeService(stack.district_file, SMS_PUBLIC_URL if fake else stack.url)
            started = time.monotonic()
            web = asyncio.run(run_web(stack.url, [q.text for q in questions]))
            elapsed = time.monotonic() - started
            outcomes = [
                classify(messages, replies, topic_of, q.topics) for q, messages in zip(questions, web, strict=True)
            ]
            retrieval = []
            for q in questions:
                answer = knowledge.answer(q.text, q.lang)
                retrieval.append((answer.articles[0].topic if answer.articles else None, answer.verdict))
            print(f"# Answers through the chat ({len(questions)} questions, split={args.split}, {elapsed:.0f} s)")
            for origin in ("real", "written"):
                chosen = [i for i, q in enumerate(questions) if q.origin == origin]
                if chosen:
                    results[origin] = report_questions(
                        f"{origin} questions, web (POST /api/chat)",
                        [questions[i] for i in chosen],
                        [outcomes[i] for i in chosen],
                        [retrieval[i] for i in chosen],
                    )
            if fake is not None:
                sample = sms_sample([q for q in questions if q.origin == "real"], args.sms)
                sms_outcomes = []
                for index, q in enumerate(sample):
                    number = f"+1555{index:07d}"
                    params = fake.inbound_params(number, q.text)
                    headers = fake.signed_headers(SMS_PUBLIC_URL + "/sms/twilio", params)
                    httpx.post(f"{stack.url}/sms/twilio", data=params, headers=headers, timeout=30)
                    body = fake.wait_for(1, number, timeout=120)[0]["body"]
                    sms_outcomes.append(classify_sms(body, replies, topic_of, title_topic, q.topics))
                index_of = {id(q): i for i, q in enumerate(questions)}
                results["sms"] = report_questions(
                    f"SMS sample (POST /sms/twilio, {len(sample)} real questions)",
                    sample,
                    sms_outcomes,
                    [retrieval[index_of[id(q)]] for q in sample],
                )
            if routing:
                routed = asyncio.run(run_web(stack.url, [c.text for c in routing]))
                routing_outcomes = [classify(m, replies, topic_of, frozenset()) for m in routed]
                results["routing"] = report_routing(routing, routing_outcomes)
                if args.errors:
                    print("\n### Routing misses (tuning split)\n")
                    for case, outcome in zip(routing, routing_outcomes, strict=True):
                        got = outcome.kind + (f":{outcome.request}" if outcome.request else "")
                        if case.split == "tuning" and not routing_ok(case, outcome):
                            print(f"- [{case.lang}] expected {case.expected} {case.kind}, got {got}: {case.text}")
            if args.errors:
                print("\n### Misses (tuning split only)\n")
                for q, o, (top, verdict) in zip(questions, outcomes, retrieval, strict=True):
                    if q.split == "tuning" and o.kind != "direct":
                        print(
                            f"- [{q.lang}] {sorted(q.topics)} got {o.kind} {o.topic or ''} {o.detail} "
                            f"(retrieval {top}, {verdict}): {q.text[:200]}"
                        )
    finally:
        if fake is not None:
            fake.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def routing_ok(case: RoutingCase, outcome: Outcome) -> bool:
    if case.expected == "request":
        return outcome.kind == "form" and (outcome.request == case.kind or not case.kind)
    if case.expected == "person":
        return outcome.kind == "person"
    return outcome.kind in ("direct", "first_choice", "menu", "wrong")


if __name__ == "__main__":
    sys.exit(main())
