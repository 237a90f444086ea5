"""Keys derived from the settings' secret key, and the one object per process that holds them.

Every key the system uses at rest (contact encryption and lookup, identity seals, code hashes) comes from
``settings.secret_key`` through HKDF-SHA256 with a label of its own, so no key can stand in for another.
:class:`ProcessKeys` keeps the object built from those keys for the whole process: each process (gateway, action
server, outbox worker, CLI) configures it with its settings; one that did not is configured from the
environment's settings on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

T = TypeVar("T")


def derive_key(secret_key: str, label: bytes) -> bytes:
    """A 32-byte key for ``label``, derived from ``secret_key``."""
    if not secret_key:
        raise ValueError("a secret key is required")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret_key.encode())


class ProcessKeys(Generic[T]):
    """The process-wide object ``build`` makes from the secret key."""

    def __init__(self, build: Callable[[str], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._current: T | None = None

    def configure(self, secret_key: str) -> None:
        """Use ``secret_key`` from now on in this process."""
        with self._lock:
            self._current = self._build(secret_key)

    def get(self) -> T:
        """The configured object (from the environment's settings if nobody configured it)."""
        with self._lock:
            if self._current is None:
                from core.settings import get_settings

                self._current = self._build(get_settings().secret_key)
            return self._current
