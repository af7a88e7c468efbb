"""Fail when the NLU evaluation's intent macro-F1 is below a threshold.

Usage: python -m tools.check_nlu_report results/nlu/intent_report.json
       [--min-f1 0.95]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def weakest_intents(report: dict, count: int = 5) -> list[tuple[str, float]]:
    """The intents with the lowest F1, to show where to add training data."""
    scores = [
        (name, row["f1-score"])
        for name, row in report.items()
        if isinstance(row, dict) and "support" in row and "avg" not in name
    ]
    return sorted(scores, key=lambda item: item[1])[:count]


def main() -> int:
    """Print the macro-F1 and the weakest intents; exit 1 below the gate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--min-f1", type=float, default=0.95)
    args = parser.parse_args()
    if not args.report.exists():
        print(f"error: {args.report} not found; run `make evaluate`.", file=sys.stderr)
        return 1
    report = json.loads(args.report.read_text(encoding="utf-8"))
    macro = report["macro avg"]["f1-score"]
    print(f"NLU intent macro-F1 on the held-out set: {macro:.3f} (gate {args.min_f1})")
    print("weakest: " + ", ".join(f"{n} {f:.2f}" for n, f in weakest_intents(report)))
    if macro < args.min_f1:
        print("error: below the gate; see results/nlu for the confusion matrix.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
