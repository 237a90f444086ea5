"""The real stack (gateway + Rasa + action server), started with `rightsdesk run` on free ports.

One stack is started per test session and shared; tests that need their own (side by side, Ctrl-C) start more.
The model is trained once per run (`rightsdesk train` before pytest, or by the first stack) and reused.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from core.settings import REPO_ROOT

RIGHTSDESK = REPO_ROOT / ".venv" / "bin" / "rightsdesk"
START_TIMEOUT = 300.0
E2E_LIMITS = {
    "RIGHTSDESK_RATE_CHAT_PER_ADDRESS": "off",
    "RIGHTSDESK_RATE_NEW_CONVERSATIONS_PER_ADDRESS": "off",
    "RIGHTSDESK_RATE_CHAT_PER_CONVERSATION": "off",
    "RIGHTSDESK_RATE_SMS_PER_SENDER": "off",
    "RIGHTSDESK_MAX_EVENT_STREAMS_PER_ADDRESS": "1000",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """A running `rightsdesk run`."""

    process: subprocess.Popen[bytes]
    data_dir: Path
    port: int
    rasa_port: int
    actions_port: int
    output: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def chat(self, text: str, session_id: str | None = None, **extra: object) -> dict:  # type: ignore[type-arg]
        body: dict[str, object] = {"text": text, **extra}
        if session_id:
            body["session_id"] = session_id
        response = httpx.post(f"{self.url}/api/chat", json=body, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                return self.process.wait()
        return self.process.returncode


def start_stack(data_dir: Path, extra_env: dict[str, str] | None = None, port: int | None = None) -> Stack:
    """``rightsdesk run`` on free ports; ``extra_env`` adds settings (e.g. ``TWILIO_*``, ``RIGHTSDESK_PUBLIC_URL``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = {
        "RIGHTSDESK_PORT": port or free_port(),
        "RIGHTSDESK_RASA_PORT": free_port(),
        "RIGHTSDESK_ACTIONS_PORT": free_port(),
    }
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "RIGHTSDESK_DATA_DIR": str(data_dir)}
    # Every test talks from 127.0.0.1, far faster than a family types: the abuse limits (tested on their own in
    # tests/integration/test_rate_limits.py) would refuse them. A test that needs a limit sets it in extra_env.
    env.update(E2E_LIMITS)
    env.pop("RIGHTSDESK_DATABASE_URL", None)
    env.update(extra_env or {})
    output = data_dir / "run.out"
    with open(output, "wb") as out:
        process = subprocess.Popen(
            [str(RIGHTSDESK), "run"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = Stack(
        process,
        data_dir,
        ports["RIGHTSDESK_PORT"],
        ports["RIGHTSDESK_RASA_PORT"],
        ports["RIGHTSDESK_ACTIONS_PORT"],
        output,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rightsdesk run exited {process.returncode}:\n{output.read_text()}")
        if "is running at" in output.read_text():
            return stack
        time.sleep(0.5)
    stack.stop()
    raise RuntimeError(f"the stack did not come up in {START_TIMEOUT:.0f} s:\n{output.read_text()}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()
