"""Keys derived from the settings' secret key, and the one object per process that holds them.

Every key the system uses at rest (contact encryption and lookup, identity seals, code hashes) comes from
``settings.secret_key`` through HKDF-SHA256 with a label of its own, so no key can stand in for another.
:class:`ProcessKeys` keeps the object built from those keys for the whole process. :func:`configure` (called by
:func:`core.bootstrap` in every process: gateway, action server, outbox worker, CLI) gives every holder the
deployment's secret key, including holders of modules imported later; a process that never called it is
configured from the environment's settings on first use. ``ProcessKeys.configure`` sets one holder alone (tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

T = TypeVar("T")


def derive_key(secret_key: str, label: bytes) -> bytes:
    """A 32-byte key for ``label``, derived from ``secret_key``."""
    if not secret_key:
        raise ValueError("a secret key is required")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret_key.encode())


_holders_lock = threading.Lock()
_holders: list[ProcessKeys[Any]] = []
_process_secret: str | None = None


def configure(secret_key: str) -> None:
    """Every key holder of this process (those that exist and those created later) uses ``secret_key``."""
    global _process_secret
    with _holders_lock:
        _process_secret = secret_key
        holders = list(_holders)
    for holder in holders:
        holder.configure(secret_key)


def _configured_secret() -> str:
    with _holders_lock:
        secret = _process_secret
    if secret is None:
        from core.settings import get_settings

        secret = get_settings().secret_key
    return secret


class ProcessKeys(Generic[T]):
    """The process-wide object ``build`` makes from the secret key."""

    def __init__(self, build: Callable[[str], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._current: T | None = None
        with _holders_lock:
            _holders.append(self)

    def configure(self, secret_key: str) -> None:
        """Use ``secret_key`` from now on in this process."""
        with self._lock:
            self._current = self._build(secret_key)

    def get(self) -> T:
        """The configured object (from the process's secret key, or the environment's settings, if not yet)."""
        with self._lock:
            if self._current is None:
                self._current = self._build(_configured_secret())
            return self._current
