"""`rightsdesk run` as a process: two stacks side by side, and Ctrl-C stops everything it started."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.e2e.conftest import start_stack
from tests.support.stack import Stack


def test_a_second_stack_runs_beside_the_first_and_ctrl_c_leaves_nothing_behind(stack: Stack, tmp_path: Path) -> None:
    second = start_stack(tmp_path / "second")
    try:
        assert second.port != stack.port and second.data_dir != stack.data_dir
        # Nothing under bot/ changed since the first stack: the model is reused, not retrained.
        assert "rasa model: unchanged" in second.output.read_text()
        a = stack.chat("hello")
        b = second.chat("hola")
        assert a["language"] == "en" and b["language"] == "es"
        assert httpx.get(f"{second.url}/healthz", timeout=10).status_code == 200
        # Each stack keeps its own data: a session of one is unknown to the other.
        refused = httpx.post(f"{second.url}/api/chat", json={"session_id": a["session_id"], "text": "hi"}, timeout=30)
        assert refused.status_code == 404
        children = psutil.Process(second.process.pid).children(recursive=True)
        assert len(children) >= 3
    finally:
        second.process.send_signal(signal.SIGINT)
        code = second.process.wait(60)
    assert code == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children):
        time.sleep(0.2)
    assert [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE] == []
    for port in (second.port, second.rasa_port, second.actions_port):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
    assert httpx.get(f"{stack.url}/healthz", timeout=10).status_code == 200


def test_run_prints_the_url_and_the_demo_officer_login(stack: Stack) -> None:
    out = stack.output.read_text()
    assert f"is running at http://127.0.0.1:{stack.port}" in out
    assert "demo officer:  privacy@maplevalley.example.org / " in out
