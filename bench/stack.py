"""A throwaway stack for the benchmarks: the shared one of ``tests/support/stack.py``, or one already running.

``running_stack()`` starts ``rightsdesk run`` on free ports in a temporary directory and stops it afterwards;
``running_stack(url=...)`` measures a stack someone else started.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support import stack as shared
from tests.support.stack import DEMO_DISTRICT

BenchStack = shared.Stack


@dataclass
class ExternalStack:
    """A stack someone else started (``--url``): only its address is known."""

    url: str
    district_file: Path = DEMO_DISTRICT


@contextmanager
def running_stack(
    timeout: float = 300, url: str | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[BenchStack | ExternalStack]:
    """A stack to measure: the one at ``url``, or a new one (with ``extra_env`` settings) stopped afterwards."""
    if url:
        yield ExternalStack(url.rstrip("/"))
        return
    with tempfile.TemporaryDirectory(prefix="rightsdesk-bench-") as tmp:
        with shared.running_stack(Path(tmp), extra_env, timeout=timeout) as stack:
            yield stack
