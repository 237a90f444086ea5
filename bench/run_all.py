"""Every benchmark of BENCHMARKS.md, one after the other (``make bench``); each prints its own figures and baseline.

    .venv/bin/python bench/run_all.py [--quick]

``--quick`` skips the slow ones (NLU cross-validation, a full training, the load run). A benchmark that fails (or
whose script is missing) is reported and the others still run; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# (script, arguments, slow)
BENCHMARKS: list[tuple[str, list[str], bool]] = [
    ("lang_accuracy.py", [], False),
    ("kb_accuracy.py", [], False),
    ("answers.py", ["--split", "heldout", "--routing", "--written", "--sms", "30"], False),
    ("answers.py", ["--split", "tuning", "--routing", "--written"], False),
    ("chat_latency.py", ["--rounds", "2"], False),
    ("roster_import.py", [], False),
    ("nlu_cv.py", [], True),
    ("train_time.py", [], True),
    ("load.py", [], True),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the slow benchmarks")
    args = parser.parse_args()
    failed: list[str] = []
    for script, arguments, slow in BENCHMARKS:
        if slow and args.quick:
            continue
        name = " ".join([script, *arguments])
        if not (BENCH / script).exists():
            print(f"=== bench/{name}: the script is missing", file=sys.stderr, flush=True)
            failed.append(name)
            continue
        print(f"\n=== bench/{name}", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(BENCH / script), *arguments], check=False)
        print(f"=== bench/{name}: exit {result.returncode} in {time.monotonic() - started:.0f} s", flush=True)
        if result.returncode:
            failed.append(name)
    if failed:
        print("failed: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
