"""Fixtures of the unit tier. The database fixtures are in ``tests/conftest.py``; factories in
``tests/factories.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from actions.context import ActionContext, set_context
from core.db import make_session_factory
from core.settings import REPO_ROOT, Settings
from knowledge.service import KnowledgeService


@pytest.fixture
def action_context(tmp_path: Path, sqlite_engine: Engine) -> Iterator[ActionContext]:
    """What the action server gives every action (on the test's own migrated SQLite database), set for the test."""
    ctx = ActionContext(
        settings=Settings(RIGHTSDESK_DATA_DIR=tmp_path),
        knowledge=KnowledgeService(REPO_ROOT / "knowledge" / "district" / "demo.yml", "https://desk.example.org"),
        session_factory=make_session_factory(sqlite_engine),
    )
    set_context(ctx)
    yield ctx
    set_context(None)
