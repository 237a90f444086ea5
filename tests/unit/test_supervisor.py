"""The launcher supervises its children (issue 11, item 9): a crashed one is started again with a growing wait,
and the launcher gives up only after repeated crashes within the window. Real child processes, a fake clock."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from core.settings import Settings
from rightsdesk.launcher import Stack


def stack_with(tmp_path: Path, **values: object) -> tuple[Stack, list[str]]:
    settings = Settings(RIGHTSDESK_DATA_DIR=tmp_path / "var", **values)  # type: ignore[arg-type]
    said: list[str] = []
    stack = Stack(settings, say=said.append)
    stack.logs.mkdir(parents=True)
    return stack, said


def wait_dead(stack: Stack, name: str) -> None:
    process = next(p for p in stack.processes if p.name == name)
    deadline = time.monotonic() + 10
    while process.popen.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_crashed_child_is_restarted_with_a_growing_wait_and_the_others_keep_running(tmp_path: Path) -> None:
    stack, said = stack_with(tmp_path, RIGHTSDESK_RESTART_MAX_FAILURES=5, RIGHTSDESK_RESTART_WINDOW_SECONDS=60)
    try:
        stack._spawn("rasa", [sys.executable, "-c", "import sys; sys.exit(3)"], {})
        stack._spawn("gateway", [sys.executable, "-c", "import time; time.sleep(60)"], {})
        gateway_pid = stack.processes[1].popen.pid
        wait_dead(stack, "rasa")
        assert stack.supervise(now=100.0) is None
        assert said[-1].startswith("rasa stopped (exit 3); restarting in 1 s")
        assert stack.supervise(now=100.5) is None and "rasa restarted" not in said  # still waiting
        assert stack.supervise(now=101.0) is None and said[-1] == "rasa restarted"
        wait_dead(stack, "rasa")
        stack.supervise(now=102.0)
        assert "restarting in 2 s" in said[-1]  # the wait doubles
        assert stack.processes[1].popen.poll() is None and stack.processes[1].popen.pid == gateway_pid
    finally:
        stack.stop(grace=2)


def crash_at(stack: Stack, now: float) -> object:
    """Let the child die, then supervise at ``now`` (a crash) and restart it when its wait is over."""
    wait_dead(stack, "actions")
    given_up = stack.supervise(now=now)
    if given_up is None:
        stack.supervise(now=now + 5.0)  # the wait (1, 2, 4 s) is over: started again
    return given_up


def test_the_launcher_gives_up_only_after_repeated_crashes_within_the_window(tmp_path: Path) -> None:
    stack, said = stack_with(tmp_path, RIGHTSDESK_RESTART_MAX_FAILURES=3, RIGHTSDESK_RESTART_WINDOW_SECONDS=60)
    try:
        stack._spawn("actions", [sys.executable, "-c", "raise SystemExit(1)"], {})
        # Crashes far apart (each outside the last one's window) never add up.
        assert [crash_at(stack, t) for t in (0.0, 100.0, 200.0, 300.0)] == [None, None, None, None]
        # Three within a minute: given up.
        assert crash_at(stack, 400.0) is None and crash_at(stack, 410.0) is None
        given_up = crash_at(stack, 420.0)
        assert given_up is not None and given_up.name == "actions"  # type: ignore[attr-defined]
        assert said.count("actions restarted") == 6
    finally:
        stack.stop(grace=2)
