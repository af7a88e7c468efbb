"""Leave-one-writer-out evaluation of the risk model: `make risk-cv`.

Each style folder of data/risk/ was written by a different writer. For each
folder in turn, the model is trained on all the others (and on the NLU
examples, as `make train` trains it) and judged on the one left out, so
every figure is on wording from a writer the model never saw. The decision
is bot.safety.triage's, with config.yml's thresholds except the urgent one,
and the symptom one, which are swept to show what each setting trades.

Prints, per urgent threshold: the share of urgent reports answered urgently,
of other symptoms sent at least to the clinic today, and of contrast
messages answered urgently, as a symptom, or with the conditional line;
then the same per symptom threshold, at the configured urgent one.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.paths import ROOT
from bot.safety.risk_model import (
    QUESTION,
    SYMPTOM_NOW,
    URGENT_LABELS,
    Example,
    RiskModel,
    nlu_examples,
    read_corpus,
)
from bot.safety.triage import SYMPTOM, URGENT, Thresholds, decide

CONFIG = ROOT / "config.yml"
GATE_NAME = "bot.nlu.risk_gate.RiskGate"
URGENT_THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6)
SYMPTOM_THRESHOLDS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def gate_config(path: Path = CONFIG) -> dict[str, Any]:
    """The RiskGate entry of config.yml."""
    pipeline = yaml.safe_load(path.read_text(encoding="utf-8"))["pipeline"]
    return next(step for step in pipeline if step["name"] == GATE_NAME)


def held_out_rows(
    corpus: list[Example], always: list[Example], config: dict[str, Any]
) -> list[tuple[Example, np.ndarray]]:
    """Each corpus message with the probabilities of a model blind to its writer."""
    rows: list[tuple[Example, np.ndarray]] = []
    for style in sorted({e.style for e in corpus}):
        train = [e for e in corpus if e.style != style] + always
        held = [e for e in corpus if e.style == style]
        print(
            f"==> without {style}: training on {len(train)} messages...",
            file=sys.stderr,
        )
        model = RiskModel.fit(
            [e.text for e in train],
            [e.label for e in train],
            config["C"],
            config["random_state"],
        )
        rows += zip(held, model.probabilities([e.text for e in held]), strict=True)
    return rows


def figures(rows: list[tuple[Example, np.ndarray]], thresholds: Thresholds) -> str:
    """One line: what the decision does to each kind of message."""
    counts: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    for example, row in rows:
        kind = decide(example.text, row, thresholds).kind
        group = "urgent" if example.label in URGENT_LABELS else example.label
        counts[group, kind] += 1
        totals[group] += 1

    def share(group: str, *kinds: str) -> str:
        return f"{sum(counts[group, k] for k in kinds) / max(totals[group], 1):6.1%}"

    to_clinic = share(SYMPTOM_NOW, URGENT, SYMPTOM)
    lined = share(QUESTION, "check")
    return (
        f"urgent {thresholds.urgent:4.2f} symptom {thresholds.symptom:4.2f} "
        f"| reports urgent {share('urgent', URGENT)} "
        f"of {totals['urgent']} | symptoms to the clinic {to_clinic} "
        f"of {totals[SYMPTOM_NOW]} | contrast: urgent {share(QUESTION, URGENT)}, "
        f"symptom {share(QUESTION, SYMPTOM)}, conditional line {lined} "
        f"of {totals[QUESTION]}"
    )


def main(argv: list[str] | None = None) -> int:
    """Train without each writer in turn; print the figures per threshold."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "data" / "risk")
    parser.add_argument("--nlu", type=Path, default=ROOT / "data" / "nlu")
    args = parser.parse_args(argv)
    config = gate_config()
    configured = Thresholds.from_config(config)
    nlu = load_data(str(args.nlu))
    always = nlu_examples(
        (e.get("text") or "", e.get("intent") or "") for e in nlu.intent_examples
    )
    rows = held_out_rows(read_corpus(args.corpus), always, config)
    print(f"Leaving one writer out ({len(rows)} messages)")
    for threshold in sorted({*URGENT_THRESHOLDS, configured.urgent}):
        print(figures(rows, replace(configured, urgent=threshold)), flush=True)
    for threshold in sorted({*SYMPTOM_THRESHOLDS, configured.symptom}):
        print(figures(rows, replace(configured, symptom=threshold)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
