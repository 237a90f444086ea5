"""Test and benchmark support: a throwaway stack (``rightsdesk run``: gateway, Rasa, action server) on free ports.

Used by the end-to-end tests (``tests/e2e/conftest.py``) and the benchmarks (``bench/stack.py``). A port found free
can be taken by another process before the stack binds it; when the stack then fails to bind, it is started again
on new ports (up to :data:`START_ATTEMPTS` times) instead of failing the run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
RIGHTSDESK = REPO_ROOT / ".venv" / "bin" / "rightsdesk"
DEMO_DISTRICT = REPO_ROOT / "knowledge" / "district" / "demo.yml"
START_TIMEOUT = 300.0
START_ATTEMPTS = 3
PORT_IN_USE = ("address already in use", "errno 98", "port is already", "is in use")


PORT_SETTINGS = ("RIGHTSDESK_PORT", "RIGHTSDESK_RASA_PORT", "RIGHTSDESK_ACTIONS_PORT")


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free right now (all held open together while they are picked)."""
    with ExitStack() as held:
        ports = []
        for _ in range(count):
            sock = held.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def free_port() -> int:
    """One port free right now."""
    return free_ports(1)[0]


@dataclass
class Stack:
    """A running ``rightsdesk run``."""

    process: subprocess.Popen[bytes]
    data_dir: Path
    port: int
    rasa_port: int
    actions_port: int
    output: Path
    district_file: Path = DEMO_DISTRICT

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rasa_headers(self) -> dict[str, str]:
        """What a caller of Rasa's REST channel presents (the stack's generated Rasa token)."""
        token = json.loads((self.data_dir / "secrets.json").read_text())["rasa_token"]
        return {"X-Rightsdesk-Token": token}

    def chat(self, text: str, session_id: str | None = None, **extra: object) -> dict[str, Any]:
        body: dict[str, object] = {"text": text, **extra}
        if session_id:
            body["session_id"] = session_id
        response = httpx.post(f"{self.url}/api/chat", json=body, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def busy(self) -> int:
        """How many family messages wait for the assistant and how many outbox messages wait to go (SQLite)."""
        with sqlite3.connect(self.data_dir / "rightsdesk.db") as db:
            waiting = db.execute(
                "SELECT (SELECT count(*) FROM conversation_messages WHERE status IN ('pending', 'sending'))"
                " + (SELECT count(*) FROM outbox_messages WHERE status IN ('queued', 'sending'))"
            ).fetchone()
        return int(waiting[0])

    def wait_until_idle(self, timeout: float = 60) -> None:
        """Until every family message is answered and the outbox has sent everything queued.

        What a test counts afterwards is final: a message that would come late has nothing left to come from.
        """
        deadline = time.monotonic() + timeout
        while self.busy():
            assert time.monotonic() < deadline, f"the stack still has {self.busy()} messages waiting after {timeout} s"
            time.sleep(0.05)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                return self.process.wait()
        return self.process.returncode


class StackFailed(RuntimeError):
    """``rightsdesk run`` exited or did not come up in time."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(f"{message}:\n{output}")
        self.port_in_use = any(marker in output.lower() for marker in PORT_IN_USE)


def _start_once(data_dir: Path, env: dict[str, str], ports: list[int], timeout: float) -> Stack:
    output = data_dir / "run.out"
    env = {**env, **{name: str(port) for name, port in zip(PORT_SETTINGS, ports, strict=True)}}
    with open(output, "wb") as out:
        process = subprocess.Popen(
            [str(RIGHTSDESK), "run"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = Stack(process, data_dir, ports[0], ports[1], ports[2], output)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackFailed(f"rightsdesk run exited {process.returncode}", output.read_text())
        if "is running at" in output.read_text():
            return stack
        time.sleep(0.5)
    stack.stop()
    raise StackFailed(f"the stack did not come up in {timeout:.0f} s", output.read_text())


def start_stack(
    data_dir: Path,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
    timeout: float = START_TIMEOUT,
) -> Stack:
    """``rightsdesk run`` on free ports (the gateway on ``port`` if given), data in ``data_dir``; ``extra_env``
    adds settings (e.g. ``TWILIO_*``, ``RIGHTSDESK_PUBLIC_URL``). The embedded database: any
    ``RIGHTSDESK_DATABASE_URL`` of the caller's environment is dropped unless ``extra_env`` sets one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RIGHTSDESK_DATA_DIR": str(data_dir)}
    env.pop("RIGHTSDESK_DATABASE_URL", None)
    env.update(extra_env or {})
    for attempt in range(1, START_ATTEMPTS + 1):
        ports = free_ports(3)
        if port:
            ports[0] = port
        # A port the caller set (the scale-out test names Rasa's, to list it among several servers) is kept.
        for index, name in enumerate(PORT_SETTINGS):
            if name in (extra_env or {}):
                ports[index] = int((extra_env or {})[name])
        try:
            return _start_once(data_dir, env, ports, timeout)
        except StackFailed as failure:
            if not failure.port_in_use or attempt == START_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


@contextmanager
def running_stack(
    data_dir: Path, extra_env: dict[str, str] | None = None, timeout: float = START_TIMEOUT
) -> Iterator[Stack]:
    """:func:`start_stack`, stopped when the block ends."""
    stack = start_stack(data_dir, extra_env, timeout=timeout)
    try:
        yield stack
    finally:
        stack.stop()
