"""Files only this deployment's user may read: the data directory, generated secrets, Rasa's endpoints file.

Every process of the stack starts with ``umask 077`` (:func:`private_umask`, called by the ``rightsdesk``
command), so databases, logs and attachments come out readable by their owner alone. Secret files are written
through :func:`write_private`: created ``0600`` under a temporary name with ``O_EXCL`` (never world-readable, not
even for an instant) and renamed into place, so a reader sees the old file or the whole new one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def private_umask() -> None:
    """New files of this process (and its children) are readable by their owner only."""
    os.umask(0o077)


def private_dir(path: Path) -> Path:
    """``path`` as a directory only its owner can enter (created ``0700``, or narrowed to it)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # not ours to change (a mounted volume): leave it
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, mode ``0600`` from the first byte."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def append_private(path: Path, line: str) -> None:
    """Append one line to ``path`` (created ``0600`` if missing)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line.rstrip("\n") + "\n")
