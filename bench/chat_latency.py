"""Chat latency and throughput through the gateway, beside bare Rasa answering the same messages.

    .venv/bin/python bench/chat_latency.py [--rounds 3]

Starts its own stack (`rightsdesk run` on free ports, a temporary data directory), then for 1 and 8 concurrent
conversations sends the same scripted conversation (English and Spanish: greetings, knowledge questions, a request
with its confirmation) through `POST /api/chat`, and the same texts straight to Rasa's REST channel (with the
language as metadata, as the gateway sends it). Prints p50/p95 latency, messages per second, the ratio of the
gateway to bare Rasa, and the resident memory of each process afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.stack import BenchStack, running_stack

SCRIPT = [
    ("hello", "en"),
    ("who can see my child's school records?", "en"),
    ("tell me more", "en"),
    ("I want to see my son's records", "en"),
    ("yes", "en"),
    ("thanks", "en"),
    ("hola", "es"),
    ("¿la escuela puede compartir las notas de mi hija con una aplicación?", "es"),
    ("quiero hablar con una persona", "es"),
    ("gracias", "es"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def converse_gateway(client: httpx.AsyncClient, stack: BenchStack, rounds: int) -> list[float]:
    timings: list[float] = []
    for _ in range(rounds):
        session_id = None
        for text, _lang in SCRIPT:
            started = time.perf_counter()
            response = await client.post(f"{stack.url}/api/chat", json={"text": text, "session_id": session_id})
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
            session_id = response.json()["session_id"]
    return timings


async def converse_rasa(client: httpx.AsyncClient, stack: BenchStack, rounds: int) -> list[float]:
    timings: list[float] = []
    for _ in range(rounds):
        sender = "bench" + uuid.uuid4().hex
        for text, lang in SCRIPT:
            started = time.perf_counter()
            response = await client.post(
                f"{stack.rasa_url}/webhooks/rest/webhook",
                headers=stack.rasa_headers,
                json={"sender": sender, "message": text, "metadata": {"language": lang, "channel": "web"}},
            )
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
    return timings


async def measure(stack: BenchStack, concurrency: int, rounds: int, bare: bool) -> tuple[list[float], float]:
    async with httpx.AsyncClient(timeout=60) as client:
        started = time.perf_counter()
        runner = converse_rasa if bare else converse_gateway
        results = await asyncio.gather(*(runner(client, stack, rounds) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    timings = [t for r in results for t in r]
    return timings, len(timings) / elapsed


def memory_report(stack: BenchStack) -> list[tuple[str, float]]:
    launcher = psutil.Process(stack.process.pid)
    rows = [("launcher (rightsdesk run)", launcher.memory_info().rss)]
    for child in launcher.children():
        cmd = " ".join(child.cmdline())
        if "rasa_sdk" in cmd:
            name = "action server"
        elif "outbox-worker" in cmd:
            name = "outbox worker"
        elif "uvicorn" in cmd:
            name = "gateway"
        else:
            name = "rasa"
        rss = child.memory_info().rss + sum(g.memory_info().rss for g in child.children(recursive=True))
        rows.append((name, rss))
    return [(name, rss / 2**20) for name, rss in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="conversations per worker")
    args = parser.parse_args()
    with running_stack() as stack:
        asyncio.run(measure(stack, 1, 1, bare=False))  # warm-up: load TensorFlow paths, caches
        asyncio.run(measure(stack, 1, 1, bare=True))
        print(f"{'path':<14}{'conc':>5}{'msgs':>6}{'p50 ms':>9}{'p95 ms':>9}{'msg/s':>8}   ratio to bare Rasa")
        for concurrency in (1, 8):
            bare, bare_rate = asyncio.run(measure(stack, concurrency, args.rounds, bare=True))
            ours, our_rate = asyncio.run(measure(stack, concurrency, args.rounds, bare=False))
            for label, timings, rate in (("bare Rasa", bare, bare_rate), ("gateway", ours, our_rate)):
                p50, p95 = percentile(timings, 0.5) * 1000, percentile(timings, 0.95) * 1000
                line = f"{label:<14}{concurrency:>5}{len(timings):>6}{p50:>9.1f}{p95:>9.1f}{rate:>8.1f}"
                if label == "gateway":
                    line += (
                        f"   p50 x{p50 / (statistics.median(bare) * 1000):.2f}, "
                        f"p95 x{p95 / (percentile(bare, 0.95) * 1000):.2f}, throughput x{rate / bare_rate:.2f}"
                    )
                print(line)
        print("\nresident memory after the run:")
        for name, mib in memory_report(stack):
            print(f"  {name:<26}{mib:8.1f} MiB")


if __name__ == "__main__":
    main()
