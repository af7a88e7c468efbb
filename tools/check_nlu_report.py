"""Fail when the NLU evaluation's intent macro-F1 is below a threshold.

Usage: python -m tools.check_nlu_report results/nlu [--min-f1 0.95]
       [--model models/mesoprep.tar.gz] [--nlu tests/nlu]

`rasa test nlu` scores the pipeline's last word on each message. When the
risk gate leans towards a report, PartsCollector wraps the answer intent in
`answer_with_safety_line` (the answer, then "If this is happening now"):
the question is still answered by the intent it wraps. Those predictions are
scored as that intent, read back from the model's parse of the message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from sklearn.metrics import classification_report

# Wrapper intents whose message_parts hold the intent that answers.
WRAPPER_INTENTS = frozenset({"answer_with_safety_line"})


def weakest_intents(report: dict, count: int = 5) -> list[tuple[str, float]]:
    """The intents with the lowest F1, to show where to add training data."""
    scores = [
        (name, row["f1-score"])
        for name, row in report.items()
        if isinstance(row, dict) and "support" in row and "avg" not in name
    ]
    return sorted(scores, key=lambda item: item[1])[:count]


def test_examples(nlu_dir: Path) -> list[tuple[str, str]]:
    """(text, intent) of every held-out example, as Rasa reads them."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(nlu_dir))
    return [(e.get("text"), e.get("intent")) for e in data.intent_examples]


async def wrapped_intents(model: Path, texts: list[str]) -> dict[str, str]:
    """The answer intent a wrapper prediction stands for, per text."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    wrapped: dict[str, str] = {}
    for text in texts:
        parts = (await agent.parse_message(text)).get("message_parts") or []
        if len(parts) == 1:
            wrapped[text] = parts[0]["name"]
    return wrapped


def rescored_report(results: Path, model: Path, nlu_dir: Path) -> dict[str, Any]:
    """Rasa's report, with wrapper predictions scored as the intent they wrap."""
    errors = json.loads((results / "intent_errors.json").read_text(encoding="utf-8"))
    predicted = {e["text"]: e["intent_prediction"]["name"] for e in errors}
    wrapped_texts = [t for t, name in predicted.items() if name in WRAPPER_INTENTS]
    if wrapped_texts:
        predicted.update(asyncio.run(wrapped_intents(model, wrapped_texts)))
    examples = test_examples(nlu_dir)
    targets = [intent for _, intent in examples]
    predictions = [predicted.get(text, intent) for text, intent in examples]
    # Over the intents the test set has, as Rasa's own report.
    return classification_report(
        targets,
        predictions,
        labels=sorted(set(targets)),
        output_dict=True,
        zero_division=0,
    )


def main() -> int:
    """Print the macro-F1 and the weakest intents; exit 1 below the gate."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("results", type=Path, help="rasa test nlu's --out folder")
    parser.add_argument("--min-f1", type=float, default=0.95)
    parser.add_argument("--model", type=Path, default=Path("models/mesoprep.tar.gz"))
    parser.add_argument("--nlu", type=Path, default=Path("tests/nlu"))
    args = parser.parse_args()
    if not (args.results / "intent_errors.json").exists():
        print(
            f"error: no results in {args.results}; run `make evaluate`.",
            file=sys.stderr,
        )
        return 1
    report = rescored_report(args.results, args.model, args.nlu)
    macro = report["macro avg"]["f1-score"]
    print(f"NLU intent macro-F1 on the held-out set: {macro:.3f} (gate {args.min_f1})")
    print("weakest: " + ", ".join(f"{n} {f:.2f}" for n, f in weakest_intents(report)))
    if macro < args.min_f1:
        print("error: below the gate; see results/nlu for the confusion matrix.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
