"""Leave-one-writer-out evaluation of the risk model: `make risk-cv`.

Each style folder of data/risk/ was written by a different writer. The model
is trained on all other folders and judged on the one left out, for each
folder in turn, so every figure is on wording from a writer the model never
saw. The decision is bot.safety.triage's, with the thresholds in config.yml.

Prints, per left-out writer and overall: urgent recall on the urgent labels,
"contact your clinic today" or urgent on symptom_now, urgent replies and
conditional lines on the contrast questions.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

from bot.paths import ROOT as PROJECT_ROOT
from bot.safety.risk_model import (
    QUESTION,
    SYMPTOM_NOW,
    URGENT_LABELS,
    Example,
    RiskModel,
    read_corpus,
)
from bot.safety.triage import Thresholds, decide

CONFIG = PROJECT_ROOT / "config.yml"
GATE_NAME = "bot.nlu.risk_gate.RiskGate"


def gate_config(path: Path = CONFIG) -> dict:
    """The RiskGate entry of config.yml."""
    pipeline = yaml.safe_load(path.read_text(encoding="utf-8"))["pipeline"]
    return next(step for step in pipeline if step["name"] == GATE_NAME)


def outcome_counts(
    model: RiskModel, examples: list[Example], thresholds: Thresholds
) -> Counter[tuple[str, str]]:
    """(label, outcome kind) counts, outcome kinds: urgent, symptom, check, none."""
    counts: Counter[tuple[str, str]] = Counter()
    rows = model.probabilities([e.text for e in examples])
    for example, row in zip(examples, rows, strict=True):
        decision = decide(example.text, row, thresholds)
        counts[example.label, decision.kind] += 1
    return counts


def report(name: str, counts: Counter[tuple[str, str]]) -> str:
    """One line of figures."""
    urgent_total = sum(v for (label, _), v in counts.items() if label in URGENT_LABELS)
    urgent_hit = sum(
        v for (label, kind), v in counts.items() if label in URGENT_LABELS and kind == "urgent"
    )
    symptom_total = sum(v for (label, _), v in counts.items() if label == SYMPTOM_NOW)
    symptom_hit = sum(
        v
        for (label, kind), v in counts.items()
        if label == SYMPTOM_NOW and kind in ("urgent", "symptom")
    )
    question_total = sum(v for (label, _), v in counts.items() if label == QUESTION)
    question_urgent = counts[QUESTION, "urgent"]
    question_symptom = counts[QUESTION, "symptom"]
    question_check = counts[QUESTION, "check"]
    return (
        f"{name:16} urgent {urgent_hit}/{urgent_total}  "
        f"symptom {symptom_hit}/{symptom_total}  "
        f"contrast: urgent {question_urgent}, symptom {question_symptom}, "
        f"check {question_check} of {question_total}"
    )


def main(argv: list[str] | None = None) -> int:
    """Train on all writers but one, judge on that one, for each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=PROJECT_ROOT / "data" / "risk")
    args = parser.parse_args(argv)
    config = gate_config()
    thresholds = Thresholds.from_config(config)
    examples = read_corpus(args.corpus)
    styles = sorted({e.style for e in examples})
    total: Counter[tuple[str, str]] = Counter()
    for style in styles:
        train = [e for e in examples if e.style != style]
        held = [e for e in examples if e.style == style]
        print(f"==> training without {style} ({len(train)} messages)...", file=sys.stderr)
        model = RiskModel.fit(
            [e.text for e in train], [e.label for e in train], config["C"], config["random_state"]
        )
        counts = outcome_counts(model, held, thresholds)
        total += counts
        print(report(style, counts), flush=True)
    print(report("all writers", total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
