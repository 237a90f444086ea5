"""Loopback is not trust (issue 11, review F20): Rasa's token is in no command line, and Rasa's REST channel and the
action server answer only callers presenting the shared secret."""

from __future__ import annotations

import json

import httpx
import psutil

from tests.e2e.conftest import Stack


def test_no_secret_on_a_command_line_and_no_caller_without_it(stack: Stack) -> None:
    token = json.loads((stack.data_dir / "secrets.json").read_text())["rasa_token"]
    for process in psutil.Process(stack.process.pid).children(recursive=True):
        assert token not in " ".join(process.cmdline()), process.cmdline()[:3]
    rasa = f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook"
    message = {"sender": "c" + "0" * 32, "message": "hello", "metadata": {"language": "en"}}
    assert httpx.post(rasa, json=message, timeout=60).status_code == 403
    assert httpx.post(rasa, json=message, headers={"X-Rightsdesk-Token": "wrong"}, timeout=60).status_code == 403
    assert httpx.post(rasa, json=message, headers={"X-Rightsdesk-Token": token}, timeout=60).status_code == 200
    actions = f"http://127.0.0.1:{stack.actions_port}"
    call = {"next_action": "action_answer_question", "sender_id": "x", "tracker": {}, "domain": {}, "version": "3.6"}
    assert httpx.post(f"{actions}/webhook", json=call, timeout=30).status_code == 403
    assert httpx.get(f"{actions}/actions", timeout=30).status_code == 403
    assert httpx.get(f"{actions}/health", timeout=30).status_code == 200
    # The gateway, which has the secrets, still gets its answers.
    assert stack.chat("who can see my child's school records?")["messages"]
