"""The trained Rasa model: one per content of ``bot/``, trained once and reused.

The model's file name is a fingerprint of everything training reads (config, domain, NLU data, rules, stories)
and of the Rasa version, so an unchanged ``bot/`` never retrains and a changed one always does. A file lock makes
concurrent callers (``make run`` and a test run, two test sessions) train once and share the result.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import time
from pathlib import Path

from core.settings import REPO_ROOT, Settings

BOT_DIR = REPO_ROOT / "bot"
TRAINING_INPUTS = ("config.yml", "domain", "data")


def bot_fingerprint(bot_dir: Path = BOT_DIR) -> str:
    """A hash of every file training reads."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        root = bot_dir / name
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            digest.update(str(path.relative_to(bot_dir)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def rasa_env(settings: Settings) -> dict[str, str]:
    """The environment Rasa processes run with: no telemetry, quiet TensorFlow, our settings passed on."""
    env = dict(os.environ)  # noqa: TID251 - children inherit the caller's environment on purpose
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONHASHSEED": "0",
            # bot/components/ (custom NLU components) is imported by module path from the repository root.
            "PYTHONPATH": str(REPO_ROOT),
            "OMP_NUM_THREADS": "1",
            "TF_NUM_INTEROP_THREADS": "1",
            "TF_NUM_INTRAOP_THREADS": "1",
        }
    )
    return env


def model_path(settings: Settings) -> Path:
    """Where the model for the current ``bot/`` lives (it may not exist yet)."""
    return settings.model_dir / f"{bot_fingerprint()}.tar.gz"


def ensure_model(settings: Settings, log_file: Path | None = None) -> tuple[Path, float | None]:
    """The model for the current ``bot/``, training it first if needed; returns (path, seconds spent training)."""
    target = model_path(settings)
    if target.exists():
        return target, None
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.model_dir / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target, None
        started = time.monotonic()
        command = [
            str(settings.rasa_venv / "bin" / "rasa"),
            "train",
            "--config",
            str(BOT_DIR / "config.yml"),
            "--domain",
            str(BOT_DIR / "domain"),
            "--data",
            str(BOT_DIR / "data"),
            "--out",
            str(settings.model_dir),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ]
        output = open(log_file, "ab") if log_file else subprocess.DEVNULL
        try:
            result = subprocess.run(  # noqa: S603 - fixed argv, no shell
                command,
                cwd=REPO_ROOT,
                env=rasa_env(settings),
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        finally:
            if log_file:
                output.close()  # type: ignore[union-attr]
        if result.returncode != 0 or not target.exists():
            where = f"; see {log_file}" if log_file else ""
            raise RuntimeError(f"training the Rasa model failed (exit {result.returncode}){where}")
        return target, time.monotonic() - started
