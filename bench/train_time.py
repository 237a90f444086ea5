"""Rasa model training time, from scratch, beside an NLU-only training of the same data (the baseline).

    .venv/bin/python bench/train_time.py

Trains into a temporary directory (the cached model in models/ is not touched) with the settings `make run`
uses (2 cores here; OMP/TensorFlow limited to one thread each, deterministic seed).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core.settings import Settings
from rightsdesk.model import rasa_env


def train(args: list[str]) -> float:
    settings = Settings()
    with tempfile.TemporaryDirectory() as out:
        command = [str(settings.rasa_venv / "bin" / "rasa"), *args, "--out", out]
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=rasa_env(settings), check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    base = ["--config", "bot/config.yml"]
    nlu = train(["train", "nlu", *base, "--nlu", "bot/data/nlu"])
    full = train(["train", *base, "--domain", "bot/domain", "--data", "bot/data", "--force"])
    print(f"NLU only (baseline): {nlu:6.1f} s")
    print(f"full model:          {full:6.1f} s   ratio {full / nlu:.2f}")


if __name__ == "__main__":
    main()
