"""Leave-one-writer-out evaluation of the intent classifier: `make nlu-cv`.

Each file of data/nlu/writers/ was written by a different writer who never
saw the project's other data. For each writer in turn, the pipeline's
tokenizer, featurizers and intent classifier (config.yml's settings) are
trained on everything else in data/nlu/ and judged on that writer's
messages, so every figure is on wording from a writer the model never saw.
The dense-feature weight can be swept (--dense-weights) to show what the
sentence embedding adds; 0 is the classifier without it.

Prints, per weight, the share of each intent family's messages classified
as their intent, and the macro-F1 over all intents.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.metrics import f1_score

from bot.nlu.sentence_featurizer import SentenceEmbeddingFeaturizer
from bot.nlu.spacy_nlp import SpacyNLP
from bot.nlu.tfidf_classifier import TfidfLogisticRegressionClassifier
from bot.paths import ROOT
from bot.semantic.encoder import sentence_encoder

CONFIG = ROOT / "config.yml"
NLU_DIR = ROOT / "data" / "nlu"
WRITERS_DIR = NLU_DIR / "writers"
WRITER_KEY = "writer"
# The gold intent survives classification on each test message under this key.
GOLD_KEY = "gold_intent"
CLASSIFIER = "bot.nlu.tfidf_classifier.TfidfLogisticRegressionClassifier"
# Intent families, as the figures are reported.
FAMILIES: dict[str, tuple[str, ...]] = {
    "guide topics": (
        "ask_allergy", "ask_pain", "ask_infection", "ask_bruising",
        "ask_side_effects", "ask_efficacy", "ask_results_timeline",
        "ask_sessions", "ask_cost", "ask_permanence", "ask_suitability",
        "ask_what_is", "ask_ingredients", "ask_alternatives",
        "ask_choose_practitioner",
    ),
    "own health": ("ask_pregnancy", "ask_medical_condition", "ask_diagnosis"),
    "practical": ("ask_beyond_guide",),
    "facts": ("share_factor",),
    "feelings": ("express_feeling",),
    "small talk": (
        "greet", "goodbye", "thanks", "bot_challenge", "ask_capabilities",
        "out_of_scope",
    ),
    "consultation": (
        "request_prep_sheet", "request_human", "forget_factors", "delete_my_data",
    ),
    "follow-ups": (
        "followup_duration", "followup_reduce", "followup_signs", "followup_more",
    ),
}  # fmt: skip


def pipeline_config(path: Path = CONFIG) -> dict[str, dict[str, Any]]:
    """config.yml's pipeline steps, keyed "<name>#<n>" for the nth of a name."""
    steps: dict[str, dict[str, Any]] = {}
    counts: Counter[str] = Counter()
    for step in yaml.safe_load(path.read_text(encoding="utf-8"))["pipeline"]:
        name = step["name"]
        steps[f"{name}#{counts[name]}"] = step
        counts[name] += 1
    return steps


def writer_of(message: Message) -> str | None:
    """The corpus writer a training example is from (None: the project's data)."""
    return (message.get("metadata") or {}).get("intent", {}).get(WRITER_KEY)


class Featurizers:
    """The pipeline's tokenizer and featurizers, built as config.yml has them."""

    def __init__(self, steps: dict[str, dict[str, Any]], storage_dir: Path) -> None:
        """Load spaCy and the encoder once; the vocabularies are fitted per fold."""
        self.steps = steps
        self.storage = LocalModelStorage(storage_dir)
        self.context = ExecutionContext(GraphSchema({}), node_name="nlu_cv")
        spacy_step = steps["bot.nlu.spacy_nlp.SpacyNLP#0"]
        self.spacy = SpacyNLP.create(
            {**SpacyNLP.get_default_config(), **_options(spacy_step)},
            self.storage, Resource("spacy"), self.context,
        )  # fmt: skip
        self.tokenizer = SpacyTokenizer.create(
            SpacyTokenizer.get_default_config(),
            self.storage, Resource("tokenizer"), self.context,
        )  # fmt: skip
        self.embedder = SentenceEmbeddingFeaturizer({}, "embedding", sentence_encoder())
        self._docs: dict[str, Any] = {}

    def fit_transform(
        self, train: list[Message], test: list[Message], dense: bool
    ) -> None:
        """Tokenize and featurize both sets, vocabularies from train only."""
        for messages in (train, test):
            self._tokenize(messages)
        for index in range(2):
            step = self.steps.get(f"CountVectorsFeaturizer#{index}")
            if step is None:
                continue
            featurizer = CountVectorsFeaturizer.create(
                {**CountVectorsFeaturizer.get_default_config(), **_options(step)},
                self.storage, Resource(f"cvf{index}"), self.context,
            )  # fmt: skip
            featurizer.train(TrainingData(train))
            featurizer.process_training_data(TrainingData(train))
            featurizer.process(test)
        if dense:
            self.embedder.process_training_data(TrainingData(train))
            self.embedder.process(test)

    def _tokenize(self, messages: list[Message]) -> None:
        """SpaCy docs (computed once per text) and tokens."""
        model = self.spacy.provide()
        new = [m.get(TEXT) for m in messages if m.get(TEXT) not in self._docs]
        for text, doc in zip(new, model.model.pipe(new), strict=True):
            self._docs[text] = doc
        for message in messages:
            message.set("text_spacy_doc", self._docs[message.get(TEXT)])
        self.tokenizer.process_training_data(TrainingData(messages))


def fresh(examples: Iterable[Message]) -> list[Message]:
    """New messages with only the text and intent (no features yet)."""
    return [
        Message(
            data={TEXT: m.get(TEXT), INTENT: m.get(INTENT), GOLD_KEY: m.get(INTENT)}
        )
        for m in examples
    ]


def predictions(
    featurizers: Featurizers, examples: list[Message], weight: float
) -> list[tuple[str, str, str]]:
    """(writer, intent, predicted) for every writer's message, that writer left out."""
    classifier_step = featurizers.steps[f"{CLASSIFIER}#0"]
    ignored = set(classifier_step.get("ignore_intents", []))
    rows: list[tuple[str, str, str]] = []
    writers = sorted({w for m in examples if (w := writer_of(m))})
    for writer in writers:
        train = fresh(m for m in examples if writer_of(m) != writer)
        test = fresh(m for m in examples if writer_of(m) == writer)
        print(f"==> dense {weight}: without {writer}...", file=sys.stderr)
        featurizers.fit_transform(train, test, dense=weight > 0)
        classifier = TfidfLogisticRegressionClassifier.create(
            {
                **TfidfLogisticRegressionClassifier.get_default_config(),
                **_options(classifier_step),
                "dense_weight": weight,
                "ignore_intents": sorted(ignored),
            },
            featurizers.storage, Resource(f"clf-{writer}-{weight}"),
            featurizers.context,
        )  # fmt: skip
        classifier.train(TrainingData(train))
        classifier.process(test)
        rows += [
            (writer, m.get(GOLD_KEY), m.get(INTENT)[INTENT_NAME_KEY]) for m in test
        ]
    return rows


def report(rows: list[tuple[str, str, str]], weight: float) -> str:
    """Per family: the share right; overall: accuracy and macro-F1."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    family_of = {i: f for f, intents in FAMILIES.items() for i in intents}
    per_writer: dict[str, list[bool]] = defaultdict(list)
    for writer, gold, predicted in rows:
        family = family_of.get(gold, "other")
        total[family] += 1
        right[family] += gold == predicted
        per_writer[writer].append(gold == predicted)
    golds = [g for _, g, _ in rows]
    macro = f1_score(
        golds, [p for _, _, p in rows], average="macro", labels=sorted(set(golds))
    )
    lines = [
        f"dense weight {weight}: {sum(right.values())}/{len(rows)} right "
        f"({sum(right.values()) / len(rows):.1%}), macro-F1 {macro:.3f}"
    ]
    for family in [*FAMILIES, "other"]:
        if total[family]:
            share = right[family] / total[family]
            lines.append(
                f"  {family:<13} {right[family]:>4}/{total[family]:<4} {share:6.1%}"
            )
    lines.append(
        "  by writer: "
        + ", ".join(f"{w} {sum(v) / len(v):.0%}" for w, v in sorted(per_writer.items()))
    )
    return "\n".join(lines)


def _options(step: dict[str, Any]) -> dict[str, Any]:
    """A pipeline step's options without its name."""
    return {k: v for k, v in step.items() if k != "name"}


def main(argv: list[str] | None = None) -> int:
    """Train without each writer in turn; print the figures per dense weight."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dense-weights", type=float, nargs="+", default=None)
    parser.add_argument("--storage", type=Path, default=ROOT / ".run" / "nlu_cv")
    args = parser.parse_args(argv)
    steps = pipeline_config()
    configured = steps[f"{CLASSIFIER}#0"].get("dense_weight", 0.3)
    weights = args.dense_weights or [configured]
    examples = [m for m in load_data(str(NLU_DIR)).intent_examples if m.get(TEXT)]
    args.storage.mkdir(parents=True, exist_ok=True)
    featurizers = Featurizers(steps, args.storage)
    print(f"Leaving one writer out ({len(examples)} examples in data/nlu)")
    for weight in weights:
        print(report(predictions(featurizers, examples, weight), weight), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
