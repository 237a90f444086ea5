"""The real stack (gateway + Rasa + action server), started with `rightsdesk run` on free ports
(``tests/support/stack.py``, shared with the benchmarks). Every test in this directory is marked ``e2e``.

One stack is started per test session and shared; tests that need their own (side by side, Ctrl-C) start more.
Every stack started here runs without the abuse limits (:data:`E2E_LIMITS`). The model is trained once per run
(`rightsdesk train` before pytest, or by the first stack) and reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import stack as support
from tests.support.stack import Stack

E2E_LIMITS = {
    "RIGHTSDESK_RATE_CHAT_PER_ADDRESS": "off",
    "RIGHTSDESK_RATE_NEW_CONVERSATIONS_PER_ADDRESS": "off",
    "RIGHTSDESK_RATE_CHAT_PER_CONVERSATION": "off",
    "RIGHTSDESK_RATE_SMS_PER_SENDER": "off",
    "RIGHTSDESK_MAX_EVENT_STREAMS_PER_ADDRESS": "1000",
}


def start_stack(data_dir: Path, extra_env: dict[str, str] | None = None, port: int | None = None) -> Stack:
    """``rightsdesk run`` on free ports, without the abuse limits unless ``extra_env`` sets one."""
    # Every test talks from 127.0.0.1, far faster than a family types: the abuse limits (tested on their own in
    # tests/integration/channels/limits/test_service.py) would refuse them. A test that needs a limit sets it in
    # extra_env.
    return support.start_stack(data_dir, {**E2E_LIMITS, **(extra_env or {})}, port=port)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this directory ``e2e`` (so ``-m "not e2e"`` never starts a stack or a browser)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()
