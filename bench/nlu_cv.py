"""NLU cross-validation of the bilingual model: per-intent and macro F1, overall and per language.

    .venv/bin/python bench/nlu_cv.py [--folds 5]

The NLU examples (bot/data/nlu/*.yml) are split into folds by a hash of their text. For each fold the real
pipeline (bot/config.yml) is trained on the other folds with Rasa and tested on the fold; every prediction is
kept, then F1 is computed per intent for all examples, for the English ones and for the Spanish ones (the
language of an example is what the gateway's detector says). The baseline, in the same run, is the majority
intent (always predicting the most frequent intent), whose macro F1 shows what chance looks like here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from channels.language import detect_language
from core.settings import Settings
from rightsdesk.model import rasa_env


def load_examples() -> list[tuple[str, str]]:
    examples: list[tuple[str, str]] = []
    for path in sorted((ROOT / "bot" / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append((block["intent"], line[2:].strip()))
    return examples


def write_nlu(path: Path, examples: list[tuple[str, str]]) -> None:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for intent, text in examples:
        by_intent[intent].append(text)
    data = {
        "version": "3.1",
        "nlu": [{"intent": i, "examples": "".join(f"- {t}\n" for t in texts)} for i, texts in by_intent.items()],
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def f1_table(pairs: list[tuple[str, str]]) -> dict[str, float]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold, predicted in pairs:
        if gold == predicted:
            tp[gold] += 1
        else:
            fp[predicted] += 1
            fn[gold] += 1
    scores = {}
    for intent in {g for g, _ in pairs}:
        p = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        r = tp[intent] / (tp[intent] + fn[intent]) if tp[intent] + fn[intent] else 0.0
        scores[intent] = 2 * p * r / (p + r) if p + r else 0.0
    return scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    settings = Settings()
    env = rasa_env(settings)
    rasa = str(settings.rasa_venv / "bin" / "rasa")
    examples = load_examples()
    language = {text: detect_language(text).language for _, text in examples}
    fold_of = {text: int(hashlib.sha256(text.encode()).hexdigest(), 16) % args.folds for _, text in examples}
    predictions: list[tuple[str, str, str]] = []  # (gold, predicted, text)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for fold in range(args.folds):
            train = [e for e in examples if fold_of[e[1]] != fold]
            test = [e for e in examples if fold_of[e[1]] == fold]
            write_nlu(tmp / "train.yml", train)
            write_nlu(tmp / "test.yml", test)
            out = tmp / f"model{fold}"
            subprocess.run(
                [
                    rasa,
                    "train",
                    "nlu",
                    "--config",
                    "bot/config.yml",
                    "--nlu",
                    str(tmp / "train.yml"),
                    "--out",
                    str(out),
                    "--fixed-model-name",
                    "m",
                ],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            results = tmp / f"results{fold}"
            subprocess.run(
                [
                    rasa,
                    "test",
                    "nlu",
                    "--model",
                    str(out / "m.tar.gz"),
                    "--nlu",
                    str(tmp / "test.yml"),
                    "--out",
                    str(results),
                    "--successes",
                    "--no-plot",
                ],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            for name in ("intent_successes.json", "intent_errors.json"):
                path = results / name
                if path.exists():
                    for row in json.loads(path.read_text()):
                        predicted = (row.get("intent_prediction") or {}).get("name") or "nlu_fallback"
                        predictions.append((row["intent"], predicted, row["text"]))
    elapsed = time.perf_counter() - started
    majority = Counter(g for g, _, _ in predictions).most_common(1)[0][0]
    print(
        f"{len(predictions)} examples, {args.folds}-fold cross-validation in {elapsed:.0f} s "
        f"(Rasa's evaluation undoes FallbackClassifier predictions: each example counts with its top intent)\n"
    )
    subsets = {
        "both": predictions,
        "en": [p for p in predictions if language[p[2]] == "en"],
        "es": [p for p in predictions if language[p[2]] == "es"],
    }
    tables = {name: f1_table([(g, p) for g, p, _ in rows]) for name, rows in subsets.items()}
    intents = sorted(tables["both"])
    print(f"{'intent':<26}{'n':>5}{'F1 both':>9}{'F1 en':>8}{'F1 es':>8}")
    for intent in intents:
        n = sum(1 for g, _, _ in predictions if g == intent)
        print(
            f"{intent:<26}{n:>5}"
            + "".join(f"{tables[s].get(intent, float('nan')):>{w}.3f}" for s, w in (("both", 9), ("en", 8), ("es", 8)))
        )
    print()
    for name, rows in subsets.items():
        macro = sum(tables[name].values()) / len(tables[name])
        base = f1_table([(g, majority) for g, _, _ in rows])
        base_macro = sum(base.values()) / len(base)
        accuracy = sum(g == p for g, p, _ in rows) / len(rows)
        print(
            f"{name:<5} n={len(rows):<5} macro F1 {macro:.3f}  accuracy {accuracy:.3f}   "
            f"majority-intent baseline macro F1 {base_macro:.3f} (ratio {macro / max(base_macro, 1e-9):.1f})"
        )


if __name__ == "__main__":
    main()
