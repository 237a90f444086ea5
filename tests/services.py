"""Test-only: what a test does when a service it needs (PostgreSQL, Redis) is not running.

On a developer's machine it skips, so the rest of the suite still runs. In CI (``.ci/run`` sets
``RIGHTSDESK_REQUIRE_SERVICES=1``) it fails: a broken database start must turn CI red, never into green skips.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE_SERVICES = "RIGHTSDESK_REQUIRE_SERVICES"


def services_required() -> bool:
    """Whether missing services fail the run (CI) rather than skip tests."""
    return os.environ.get(REQUIRE_SERVICES, "").strip().lower() in {"1", "true", "yes"}


def service_missing(reason: str) -> NoReturn:
    """Skip the test, or fail it when services are required."""
    if services_required():
        pytest.fail(f"{reason} ({REQUIRE_SERVICES} is set: CI needs every service)", pytrace=False)
    pytest.skip(reason)
