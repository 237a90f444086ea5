"""CI fails, never skips, when PostgreSQL or Redis is missing (architecture review, §5)."""

from __future__ import annotations

import re

import pytest

from core.settings import REPO_ROOT
from tests.services import REQUIRE_SERVICES, service_missing


def test_a_missing_service_skips_on_a_developer_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_SERVICES, raising=False)
    with pytest.raises(pytest.skip.Exception):
        service_missing("PostgreSQL is not running")


def test_a_missing_service_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_SERVICES, "1")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is not running"):
        service_missing("PostgreSQL is not running")


def test_ci_requires_the_services_and_does_not_swallow_a_failed_start() -> None:
    script = (REPO_ROOT / ".ci" / "run").read_text()
    assert re.search(rf"^export {REQUIRE_SERVICES}=1$", script, re.MULTILINE)
    starts = [line for line in script.splitlines() if "pg_ctlcluster" in line or "redis-server" in line]
    assert starts and not any("|| true" in line for line in starts)
    assert "wait_for_port 5432" in script and "wait_for_port 6379" in script
