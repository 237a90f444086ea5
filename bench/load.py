"""Load: whole web and SMS conversations at 50 and 200 at once, beside bare Rasa answering the same texts.

    .venv/bin/python bench/load.py [--sizes 50 200] [--sms-share 0.3] [--seed 11]

Starts its own stack (`rightsdesk run` on free ports, a temporary data directory, Twilio pointed at a local fake
that speaks Twilio's HTTP API, the gateway told that 127.0.0.1 is its proxy so each conversation comes from its
own X-Forwarded-For address, as families would, with the default abuse limits on). For each size it runs, in the
same stack:

- bare Rasa: every conversation's texts straight to Rasa's REST channel (language as metadata, as the gateway
  sends it), with the same think time;
- the gateway: the same conversations, a share of them by SMS (the signed Twilio webhook; a turn's latency runs
  until its reply reaches the fake Twilio), the rest through `POST /api/chat`.

A conversation is a whole flow (greeting, a question, "more detail", "talk to a person", thanks; English or
Spanish) with 1-3 s of think time between turns. Reported per path: p50/p95/p99 latency, throughput (turns per
second over the phase), errors (an HTTP error or an exception), lost messages (a family message with no reply, or
left unanswered in the transcript), duplicate replies (a turn answered twice in the transcript, or an SMS sent
twice) and duplicate tickets (more "talk to a person" tickets than asked for).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.stack import BenchStack, running_stack
from tests.fakes.twilio_server import FakeTwilio, new_sid

FLOWS = {
    "en": ["hello", "who can see my child's school records?", "tell me more", "I want to talk to a person", "thanks"],
    "es": [
        "hola",
        "¿la escuela puede compartir las notas de mi hija con una aplicación?",
        "más información",
        "quiero hablar con una persona",
        "gracias",
    ],
}
HANDOFF_TURNS = 1  # "talk to a person" once per flow
SMS_TIMEOUT = 180.0


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lost: int = 0
    started: float = 0.0
    ended: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / max(1e-9, self.ended - self.started)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


async def think(rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(1.0, 3.0))


async def bare_flow(client: httpx.AsyncClient, stack: BenchStack, lang: str, rng: random.Random, out: Result) -> None:
    sender = "bench" + uuid.uuid4().hex
    for text in FLOWS[lang]:
        started = time.perf_counter()
        try:
            response = await client.post(
                f"{stack.rasa_url}/webhooks/rest/webhook",
                headers=stack.rasa_headers,
                json={"sender": sender, "message": text, "metadata": {"language": lang, "channel": "web"}},
            )
            response.raise_for_status()
            out.latencies.append(time.perf_counter() - started)
        except Exception:
            out.errors += 1
        await think(rng)


async def web_flow(
    client: httpx.AsyncClient, stack: BenchStack, lang: str, rng: random.Random, out: Result, address: str
) -> None:
    session = None
    for text in FLOWS[lang]:
        started = time.perf_counter()
        try:
            body = {"text": text, "session_id": session} if session else {"text": text, "language": lang}
            response = await client.post(f"{stack.url}/api/chat", json=body, headers={"X-Forwarded-For": address})
            response.raise_for_status()
            session = response.json()["session_id"]
            if not response.json()["messages"]:
                out.lost += 1
            out.latencies.append(time.perf_counter() - started)
        except Exception:
            out.errors += 1
        await think(rng)


async def sms_flow(
    client: httpx.AsyncClient,
    stack: BenchStack,
    twilio: FakeTwilio,
    lang: str,
    rng: random.Random,
    out: Result,
    phone: str,
    public_url: str,
) -> None:
    for text in FLOWS[lang]:
        before = len(twilio.sent_to(phone))
        params = twilio.inbound_params(phone, text)
        params["MessageSid"] = new_sid()
        headers = twilio.signed_headers(public_url + "/sms/twilio", params)
        started = time.perf_counter()
        try:
            response = await client.post(f"{stack.url}/sms/twilio", data=params, headers=headers)
            response.raise_for_status()
        except Exception:
            out.errors += 1
            await think(rng)
            continue
        while len(twilio.sent_to(phone)) <= before:
            if time.perf_counter() - started > SMS_TIMEOUT:
                out.lost += 1
                break
            await asyncio.sleep(0.05)
        else:
            out.latencies.append(time.perf_counter() - started)
        await think(rng)


async def run_phase(
    stack: BenchStack, twilio: FakeTwilio, size: int, sms_share: float, seed: int, bare: bool, public_url: str
) -> tuple[Result, Result]:
    rng = random.Random(seed)
    web, sms = Result(), Result()
    limits = httpx.Limits(max_connections=size + 10, max_keepalive_connections=size + 10)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        tasks = []
        for n in range(size):
            lang = "es" if n % 2 else "en"
            flow_rng = random.Random(rng.random())
            delay = rng.uniform(0, 2.0)  # conversations start within two seconds

            async def one(
                n: int = n, lang: str = lang, flow_rng: random.Random = flow_rng, delay: float = delay
            ) -> None:
                await asyncio.sleep(delay)
                if bare:
                    await bare_flow(client, stack, lang, flow_rng, web)
                elif n < size * sms_share:
                    phone = f"+1555{seed % 100:02d}{size % 10}{n:04d}"
                    await sms_flow(client, stack, twilio, lang, flow_rng, sms, phone, public_url)
                else:
                    await web_flow(client, stack, lang, flow_rng, web, f"198.18.{n // 250}.{n % 250 + 1}")

            tasks.append(one())
        started = time.perf_counter()
        web.started = sms.started = started
        await asyncio.gather(*tasks)
        web.ended = sms.ended = time.perf_counter()
    return web, sms


def transcript_checks(data_dir: Path) -> tuple[int, int, int]:
    """Unanswered family messages, turns answered twice, and duplicate tickets, read from the database."""
    db = sqlite3.connect(data_dir / "rightsdesk.db")
    unanswered = db.execute(
        "SELECT count(*) FROM conversation_messages WHERE direction = 'in' AND status NOT IN ('answered', 'office')"
    ).fetchone()[0]
    twice = db.execute("SELECT count(*) FROM conversation_messages WHERE direction = 'in' AND attempts > 1").fetchone()[
        0
    ]
    tickets = db.execute(
        "SELECT coalesce(sum(n - ?), 0) FROM (SELECT count(*) AS n FROM tickets GROUP BY requester_ref) WHERE n > ?",
        (HANDOFF_TURNS, HANDOFF_TURNS),
    ).fetchone()[0]
    db.close()
    return int(unanswered), int(twice), int(tickets)


def duplicate_sms(twilio: FakeTwilio) -> int:
    seen: dict[tuple[str, str], int] = {}
    for message in twilio.messages:
        key = (message["to"], message["body"])
        seen[key] = seen.get(key, 0) + 1
    return sum(n - 1 for n in seen.values() if n > 1)


def line(label: str, size: int, result: Result) -> str:
    lat = result.latencies
    return (
        f"| {label} | {size} | {len(lat)} | {pct(lat, 0.5) * 1000:.0f} | {pct(lat, 0.95) * 1000:.0f} | "
        f"{pct(lat, 0.99) * 1000:.0f} | {result.throughput:.2f} | {result.errors} | {result.lost} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--sms-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    twilio = FakeTwilio().start()
    public_url = "https://rightsdesk.example.org"
    env = {
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM_NUMBER": "+15550001111",
        "TWILIO_API_BASE": twilio.base_url,
        "RIGHTSDESK_PUBLIC_URL": public_url,
        "RIGHTSDESK_TRUSTED_PROXIES": "127.0.0.1",
        "RIGHTSDESK_OUTBOX_POLL_SECONDS": "0.2",
        "RIGHTSDESK_SLA_INTERVAL_SECONDS": "0",
    }
    try:
        with running_stack(extra_env=env) as stack:
            warm = asyncio.run(run_phase(stack, twilio, 2, 0.5, 1, bare=False, public_url=public_url))
            asyncio.run(run_phase(stack, twilio, 2, 0.0, 1, bare=True, public_url=public_url))
            print(f"warm-up: {len(warm[0].latencies) + len(warm[1].latencies)} turns")
            print("| path | conversations | turns | p50 ms | p95 ms | p99 ms | turns/s | errors | lost |")
            print("|---|---|---|---|---|---|---|---|---|")
            summary = []
            for size in args.sizes:
                bare, _ = asyncio.run(run_phase(stack, twilio, size, 0.0, args.seed + size, True, public_url))
                web, sms = asyncio.run(
                    run_phase(stack, twilio, size, args.sms_share, args.seed + size, False, public_url)
                )
                both = Result(web.latencies + sms.latencies, web.errors + sms.errors, web.lost + sms.lost)
                both.started, both.ended = web.started, web.ended
                print(line("bare Rasa", size, bare))
                print(line("gateway, web", size, web))
                print(line("gateway, SMS (until the reply reaches Twilio)", size, sms))
                print(line("gateway, all", size, both))
                summary.append((size, bare, both))
            time.sleep(5)  # the outbox's last messages
            unanswered, twice, tickets = transcript_checks(stack.data_dir)
            print(
                f"\ntranscript: {unanswered} family messages unanswered, {twice} turns sent to Rasa more than once, "
                f"{tickets} duplicate tickets; SMS sent twice: {duplicate_sms(twilio)}"
            )
            for size, bare, both in summary:
                print(
                    f"at {size}: gateway throughput x{both.throughput / bare.throughput:.2f} of bare Rasa, "
                    f"p95 x{pct(both.latencies, 0.95) / pct(bare.latencies, 0.95):.2f}, "
                    f"p50 x{statistics.median(both.latencies) / statistics.median(bare.latencies):.2f}"
                )
    finally:
        twilio.stop()


if __name__ == "__main__":
    main()
