"""Measure reply-language accuracy on short first messages and dialogues.

Run from the repository root::

    .venv/bin/python bench/lang_accuracy.py [--shared-eval DIR] [--errors]

Methods compared (first messages: the detected language must equal
``expected``):

* (a) raw langdetect: top language over all 55 profiles; anything other
  than en/es counts as wrong.
* (b) langdetect restricted to en/es, two ways: "cand" keeps only the en/es
  candidates of ``detect_langs`` (falls back to "en" when neither is listed),
  "prof" loads only the en and es profiles.
* (c) lingua restricted to en/es (if ``lingua`` is installed).
* (d) ours: ``channels.language.detect_language``; plus its variants with the
  statistical part replaced (lexicon only, lexicon + lingua) for comparison.

Dialogues (columns ``first expected followups expected_after``, followups
separated by ``|``) are correct when the language after *each* followup
equals ``expected_after``.  Ours carries the conversation language from
message to message; the baselines are stateless, i.e. they reply in whatever
language they detect in each message.

The holdout files (``*_holdout.tsv``) were never looked at while tuning; with
``--errors`` only the errors on the development files are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
sys.path.insert(0, str(ROOT))

from channels import language as lang
from core.i18n import as_language

Detector = Callable[[str, "str | None"], "str | None"]


@dataclass
class Result:
    """Accuracy and timing of one method on one set."""

    correct: int
    total: int
    seconds: float
    calls: int
    errors: list[str]

    @property
    def accuracy(self) -> float:
        """Fraction of correct items."""
        return self.correct / self.total if self.total else 0.0

    @property
    def ms_per_call(self) -> float:
        """Mean milliseconds per detector call."""
        return 1000.0 * self.seconds / self.calls if self.calls else 0.0


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Read a tab-separated file with a header line."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


# --------------------------------------------------------------------------- methods


def _raw_langdetect() -> Detector:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0

    def run(text: str, current: str | None) -> str | None:
        try:
            return str(detect(text))
        except LangDetectException:
            return None

    return run


def _langdetect_candidates() -> Detector:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0

    def run(text: str, current: str | None) -> str | None:
        try:
            candidates = [c for c in detect_langs(text) if c.lang in ("en", "es")]
        except LangDetectException:
            return None
        if not candidates:
            return "en"
        return str(max(candidates, key=lambda c: c.prob).lang)

    return run


def _langdetect_profiles() -> Detector:
    def run(text: str, current: str | None) -> str | None:
        probability = lang.langdetect_english_probability(text)
        if probability is None:
            return None
        return "en" if probability >= 0.5 else "es"

    return run


def _lingua_probability() -> Callable[[str], float | None] | None:
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    detector = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build()

    def probability(text: str) -> float | None:
        if not any(ch.isalpha() for ch in text):
            return None
        return float(detector.compute_language_confidence(text, Language.ENGLISH))

    return probability


def _lingua() -> Detector | None:
    probability = _lingua_probability()
    if probability is None:
        return None

    def run(text: str, current: str | None) -> str | None:
        value = probability(text)
        if value is None:
            return None
        return "en" if value >= 0.5 else "es"

    return run


def _ours(
    english_probability: Callable[[str], float | None] | None = lang.langdetect_english_probability,
) -> Detector:
    def run(text: str, current: str | None) -> str | None:
        cur: lang.Language | None = None if current is None else as_language(current)
        return lang._decide(text, cur, "en", english_probability).language

    return run


# --------------------------------------------------------------------------- evaluation


def eval_first(detector: Detector, rows: list[dict[str, str]]) -> Result:
    """Accuracy on first messages."""
    correct = 0
    errors: list[str] = []
    started = time.perf_counter()
    for row in rows:
        got = detector(row["text"], None)
        if got == row["expected"]:
            correct += 1
        else:
            errors.append(f"{row['text']!r}: expected {row['expected']}, got {got}")
    elapsed = time.perf_counter() - started
    return Result(correct, len(rows), elapsed, len(rows), errors)


def eval_dialogues(detector: Detector, rows: list[dict[str, str]], stateful: bool) -> Result:
    """Accuracy on dialogues: the language after each followup must match."""
    correct = calls = 0
    errors: list[str] = []
    elapsed = 0.0
    for row in rows:
        started = time.perf_counter()
        current = detector(row["first"], None)
        calls += 1
        trace = [f"{row['first']!r}->{current}"]
        ok = True
        for followup in row["followups"].split("|"):
            got = detector(followup, current if stateful else None)
            calls += 1
            if stateful and got is not None:
                current = got
            trace.append(f"{followup!r}->{got}")
            if got != row["expected_after"]:
                ok = False
        elapsed += time.perf_counter() - started
        if ok:
            correct += 1
        else:
            errors.append(f"expected {row['expected_after']}: " + " | ".join(trace))
    return Result(correct, len(rows), elapsed, calls, errors)


@contextlib.contextmanager
def reduced_lexicon(keep_fraction: float, seed: int) -> Iterator[None]:
    """Temporarily keep only a seeded random fraction of the lexicon's words.

    Simulates messages whose vocabulary the lexicon does not know (the sets
    here were written by the lexicon's author, so full coverage flatters it).
    """
    saved = (lang._LEXICON, lang._TYPOS, lang._COLLAPSED)
    rng = random.Random(seed)
    words = sorted(lang._LEXICON)
    kept = set(rng.sample(words, int(len(words) * keep_fraction)))
    try:
        lang._LEXICON = {w: e for w, e in saved[0].items() if w in kept}
        lang._TYPOS = lang.typo_index(lang._LEXICON, lang.NEUTRAL_WORDS)
        lang._COLLAPSED = lang.collapsed_index(lang._LEXICON)
        yield
    finally:
        lang._LEXICON, lang._TYPOS, lang._COLLAPSED = saved


def oov_stress(methods: dict[str, Detector], rows: list[dict[str, str]], seeds: int = 5) -> dict[str, float]:
    """Mean first-message accuracy with half of the lexicon removed."""
    scores: dict[str, list[float]] = {name: [] for name in methods}
    for seed in range(seeds):
        with reduced_lexicon(0.5, seed):
            for name, detector in methods.items():
                scores[name].append(eval_first(detector, rows).accuracy)
    return {name: statistics.fmean(values) for name, values in scores.items()}


def main(argv: list[str] | None = None) -> int:
    """Print the accuracy table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared-eval",
        type=Path,
        default=ROOT.parent / "shared" / "eval",
        help="directory holding dev_lang_dialogues.tsv (default: ../shared/eval)",
    )
    parser.add_argument("--errors", action="store_true", help="print our errors on the development sets")
    args = parser.parse_args(argv)

    first_sets = {
        "first messages (dev)": read_tsv(DATA / "lang_first_messages.tsv"),
        "first messages (holdout)": read_tsv(DATA / "lang_first_messages_holdout.tsv"),
    }
    dialogue_sets = {
        "dialogues (dev)": read_tsv(DATA / "lang_dialogues.tsv"),
        "dialogues (holdout)": read_tsv(DATA / "lang_dialogues_holdout.tsv"),
    }
    shared = args.shared_eval / "dev_lang_dialogues.tsv"
    if shared.is_file():
        dialogue_sets["shared dev_lang_dialogues"] = read_tsv(shared)
    else:
        print(f"note: {shared} not found, shared dialogues skipped")

    lingua_probability = _lingua_probability()
    methods: dict[str, tuple[Detector, bool]] = {
        "(a) langdetect raw": (_raw_langdetect(), False),
        "(b) langdetect en/es cand": (_langdetect_candidates(), False),
        "(b') langdetect en/es prof": (_langdetect_profiles(), False),
    }
    lingua_detector = _lingua()
    if lingua_detector is not None:
        methods["(c) lingua en/es"] = (lingua_detector, False)
    else:
        print("note: lingua not installed, (c) skipped")
    methods["(d) ours"] = (_ours(), True)
    methods["ours: lexicon only"] = (_ours(None), True)
    if lingua_probability is not None:
        methods["ours: lexicon+lingua"] = (_ours(lingua_probability), True)

    # Warm up every method (profile and model loading is not timed).
    for detector, _ in methods.values():
        detector("hello warm up", None)

    table: dict[str, dict[str, Result]] = {}
    for name, (detector, stateful) in methods.items():
        table[name] = {}
        for set_name, rows in first_sets.items():
            table[name][set_name] = eval_first(detector, rows)
        for set_name, rows in dialogue_sets.items():
            table[name][set_name] = eval_dialogues(detector, rows, stateful)

    set_names = list(first_sets) + list(dialogue_sets)
    sizes = {**{k: len(v) for k, v in first_sets.items()}}
    sizes.update({k: len(v) for k, v in dialogue_sets.items()})
    header = "| method | " + " | ".join(f"{s} (n={sizes[s]})" for s in set_names)
    print(header + " | ms/call |")
    print("|---" * (len(set_names) + 2) + "|")
    for name, results in table.items():
        cells = [f"{100 * results[s].accuracy:.1f}%" for s in set_names]
        timing = statistics.fmean(results[s].ms_per_call for s in set_names)
        print(f"| {name} | " + " | ".join(cells) + f" | {timing:.2f} |")

    print()
    print("ratio of (d) ours to each baseline (accuracy / accuracy):")
    ours = table["(d) ours"]
    for name, results in table.items():
        if not name.startswith(("(a)", "(b", "(c)")):
            continue
        ratios = []
        for s in set_names:
            base = results[s].accuracy
            ratios.append(f"{ours[s].accuracy / base:.2f}x" if base else "inf")
        print(f"  vs {name}: " + ", ".join(f"{s} {r}" for s, r in zip(set_names, ratios, strict=True)))

    print()
    print("out-of-vocabulary stress: half of the lexicon removed (5 seeds), all first messages:")
    variants = {n: d for n, (d, _) in methods.items() if n.startswith(("(d)", "ours:"))}
    all_first = [row for rows in first_sets.values() for row in rows]
    for name, accuracy in oov_stress(variants, all_first).items():
        print(f"  {name}: {100 * accuracy:.1f}%")

    if args.errors:
        for s in set_names:
            if "holdout" in s:
                continue
            errors = ours[s].errors
            print(f"\n(d) ours errors on {s}: {len(errors)}")
            for error in errors:
                print("  " + error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
