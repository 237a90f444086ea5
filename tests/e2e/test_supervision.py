"""A crashed part is restarted, not fatal (issue 11, item 9), on the real stack.

Mid-conversation Rasa is killed (kill -9), later the action server. The launcher restarts each; the gateway stays
up the whole time (same process), tells the family their message is saved while Rasa is gone, and once the part
is back every family message has its real answer: nothing is lost.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from core import messages as catalogue
from core.i18n import LANGUAGES
from tests.e2e.conftest import start_stack
from tests.support.stack import Stack

# Each followed by the privacy office's contact.
NOTICES = tuple(catalogue.message("chat.saved_notice", lang) for lang in LANGUAGES)


def child(stack: Stack, marker: str) -> psutil.Process:
    launcher = psutil.Process(stack.process.pid)
    return next(p for p in launcher.children() if marker in " ".join(p.cmdline()))


def history(stack: Stack, session: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{stack.url}/api/chat/history", json={"session_id": session}, timeout=30)
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def real_answers(stack: Stack, session: str) -> dict[int, list[str]]:
    """For each family message, the assistant's replies after it (saved-notices left out)."""
    answers: dict[int, list[str]] = {}
    current: int | None = None
    for message in history(stack, session):
        if message["direction"] == "in":
            current = message["id"]
            answers[current] = []
        elif current is not None and not message["text"].startswith(NOTICES):
            answers[current].append(message["text"])
    return answers


def wait_all_answered(stack: Stack, session: str, timeout: float = 300.0) -> dict[int, list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answers = real_answers(stack, session)
        if answers and all(answers.values()):
            return answers
        time.sleep(0.5)
    raise AssertionError(f"not every message was answered: {real_answers(stack, session)}")


def test_rasa_and_the_action_server_are_restarted_and_every_message_gets_its_real_answer(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "stack")
    try:
        gateway = child(stack, "uvicorn")
        session = stack.chat("who can see my child's school records?")["session_id"]
        assert wait_all_answered(stack, session, 60)

        # Rasa dies mid-conversation.
        os.killpg(child(stack, " run --interface").pid, signal.SIGKILL)
        during = stack.chat("can the school share my daughter's grades with an app?", session)
        assert during["messages"][0]["text"].startswith(NOTICES)  # "your message is saved"
        assert httpx.get(f"{stack.url}/healthz", timeout=10).status_code in (200, 503)  # the gateway answers
        answers = wait_all_answered(stack, session)
        assert len(answers) == 2

        # Then the action server.
        os.killpg(child(stack, "actions.server").pid, signal.SIGKILL)
        stack.chat("what is directory information?", session)
        answers = wait_all_answered(stack, session)
        assert len(answers) == 3 and all(answers.values())

        assert child(stack, "uvicorn").pid == gateway.pid  # the gateway never stopped
        deadline = time.monotonic() + 120
        while httpx.get(f"{stack.url}/healthz", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the stack did not come back up"
            time.sleep(1)
        output = stack.output.read_text()
        assert "rasa restarted" in output and "actions restarted" in output and "GIVING UP" not in output
        assert stack.process.poll() is None
    finally:
        stack.stop()
