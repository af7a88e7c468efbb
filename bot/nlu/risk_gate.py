"""Rasa NLU component that decides a message's outcome before any answer.

It trains the risk model (bot.safety.risk_model) on the corpus in data/risk/
with the rest of the model, and on every message decides one of five
outcomes (bot.safety.triage) from the deterministic patterns and the model:

- emergency, crisis, same day: the intent becomes `report_emergency`,
  `express_distress` or `report_infection_signs`, whatever the classifier
  said, so the urgent reply cannot be lost to a misclassification;
- a symptom now: `report_symptom` ("contact your clinic today");
- a question: left as classified; when the model leans towards a report,
  `risk_check` asks for the conditional "If this is happening now" line.

For outcomes 1-4 the personal-factor entities are dropped, so nothing of the
report reaches the prep sheet, and an `experiencer` entity (self or other)
picks the wording ("call for them now"). A symptom that a guide section
speaks about fills the `symptom_topic` entity, so the reply can say what the
guide says about it.

Config: config.yml's `bot.nlu.risk_gate.RiskGate` entry.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from typing_extensions import Self

from bot.nlu.intents import set_intent
from bot.nlu.message_parts import RISK_CHECK_KEY, is_part
from bot.nlu.splitting import sentences, topic_turns
from bot.paths import ROOT
from bot.safety.assertion import pipeline
from bot.safety.red_flags import normalise, red_flag_clauses
from bot.safety.risk_model import (
    CORPUS_SUFFIX,
    CRISIS,
    EMERGENCY,
    SAME_DAY,
    SYMPTOM_NOW,
    RiskModel,
    nlu_examples,
    read_corpus,
)
from bot.safety.spelling import corrector
from bot.safety.triage import (
    CHECK,
    SYMPTOM,
    URGENT,
    Decision,
    Thresholds,
    decide,
    report_probability,
    urgent_probability,
)

logger = logging.getLogger(__name__)
MODEL_FILE = "risk_model.npz"
# Parse-result key of the decision (RISK_CHECK_KEY: add the conditional line).
RISK_KEY = "risk"
EXPERIENCER_ENTITY = "experiencer"
SYMPTOM_TOPIC_ENTITY = "symptom_topic"
NO_SYMPTOM_TOPIC = "other"
# A sentence read alone has lost its context ("She's 16 and wants to come
# along" after "can I bring my daughter?"), so it overrides the whole
# message only when a red-flag pattern matches it (and survives the veto)
# and the model gives its urgent outcomes at least PATTERN_ALONE, or when no
# pattern matches and the model gives them at least MODEL_ALONE. Measured on
# the after-session sets (development sets from here): urgent replies to 750
# contrast messages 20 -> 23; the model alone at 0.85 or 0.9 made it 28-30.
PATTERN_ALONE = 0.5
# A clause a pattern reports in (_report_clauses) has lost even its
# sentence, so the model must be all but sure of it alone. On the
# development sets, clauses alone at PATTERN_ALONE made 9 more of 750
# contrast messages urgent, most of them history in another clause ("when I
# was 19 ... fainted a couple of times"); at 0.9, none.
CLAUSE_ALONE = 0.9
# With no pattern, the model must be all but sure of the sentence alone ("I
# want to throw me from the bridge" inside an apology and a question to a
# doctor). With the carer, run-on and learner corpus: crisis recall on the
# after-session set 127 -> 130 of 139, contrast messages urgent 18 -> 18.
MODEL_ALONE = 0.95
# A sentence that reports a symptom now ("my head is itching very much where
# the needles went" before "is it allergy?") makes the message a symptom
# report when the whole already leans to one (the conditional line) and the
# sentence's report outcomes reach SYMPTOM_ALONE. On the development sets:
# symptoms now 194 -> 196 of 207, contrast messages sent to the clinic today
# 21 -> 27 of 750 (urgent unchanged); from a plain question too, 0.8 sent 36
# and 0.6 sent 56 contrast messages there, most of them questions before a
# treatment with a sentence of history, so the whole must lean first.
SYMPTOM_ALONE = 0.8

OUTCOME_INTENTS = {
    EMERGENCY: "report_emergency",
    CRISIS: "express_distress",
    SAME_DAY: "report_infection_signs",
    SYMPTOM_NOW: "report_symptom",
}
# Guide sections that speak about a symptom, by the topic slot's values:
# itching and redness are in Allergic Reactions, bruising and swelling in
# Bruising and Swelling, soreness in Pain and Discomfort.
SYMPTOM_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bruising", re.compile(r"\b(?:bruis\w*|swell\w*|swollen|puff\w*)", re.I)),
    ("allergy", re.compile(r"\b(?:itch\w*|red\w*|rash\w*|hives|bumps?)\b", re.I)),
    (
        "pain",
        re.compile(r"\b(?:pain\w*|sore\w*|hurt\w*|ache\w*|aching|tender\w*)", re.I),
    ),
)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class RiskGate(GraphComponent, IntentClassifier):
    """Decides emergency, crisis, same day, symptom now or question."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults; config.yml sets and explains each."""
        return {
            "corpus": "data/risk",
            "C": 10.0,
            "random_state": 42,
            **Thresholds().as_config(),
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: RiskModel | None = None,
    ) -> None:
        """Store the config; the model comes from training or the model file."""
        self.config = {**self.get_default_config(), **config}
        self.thresholds = Thresholds.from_config(self.config)
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        """An untrained gate (it still applies the patterns)."""
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The corpus's content: a changed corpus retrains the model."""
        digest = hashlib.sha256()
        corpus = _corpus_dir({**cls.get_default_config(), **config})
        for path in sorted(corpus.rglob(f"*{CORPUS_SUFFIX}")):
            digest.update(str(path.relative_to(corpus)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the risk model on the corpus and the NLU examples."""
        examples = read_corpus(_corpus_dir(self.config)) + nlu_examples(
            (example.get(TEXT) or "", example.get(INTENT) or "")
            for example in training_data.intent_examples
        )
        logger.info(f"Training the risk model on {len(examples)} messages.")
        self.model = RiskModel.fit(
            [e.text for e in examples],
            [e.label for e in examples],
            self.config["C"],
            self.config["random_state"],
        )
        with self._model_storage.write_to(self._resource) as model_dir:
            self.model.save(model_dir / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Self:
        """Load the trained risk model, and build what it reads with now.

        The spelling index and the negspacy pipeline take about two seconds
        to build: at start-up, not on someone's first message.
        """
        with model_storage.read_from(resource) as model_dir:
            model = RiskModel.load(model_dir / MODEL_FILE)
        corrector()
        pipeline()
        return cls(config, model_storage, resource, model)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The NLU examples are left as they are."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Decide each whole message's outcome and apply it."""
        for message in messages:
            text = message.get(TEXT)
            # Button payloads name their intent; clauses are judged as part
            # of their whole message.
            if not isinstance(text, str) or text.startswith("/") or is_part(message):
                continue
            decision = self.decide(text)
            apply_decision(message, decision)
        return messages

    def decide(self, text: str) -> Decision:
        """The outcome of one message: the whole's, or a sentence's red flag.

        The whole message is judged, then each of its sentences on its own: a
        red flag in the middle of a long message about booking or the sun
        ("...and now my lips and eyelids are swelling. Anyway, is the
        parking free?") is diluted in the whole but plain in its sentence,
        and wins over the rest when it is sure alone (_sure_alone). So does
        the clause a pattern matched in (_report_clauses). A
        sentence reporting a symptom now makes a leaning message a symptom
        report (_symptom_alone).
        """
        if self.model is None:
            raise RuntimeError("The risk model is not trained: run `make train`.")
        segments = risk_segments(text)
        clauses = _report_clauses(text)
        rows = self.model.probabilities(segments + clauses)
        whole = decide(text, rows[0], self.thresholds)
        if whole.kind == URGENT:
            return whole
        for clause, row in zip(clauses, rows[len(segments) :], strict=True):
            decision = decide(clause, row, self.thresholds)
            if decision.kind == URGENT and urgent_probability(row) >= CLAUSE_ALONE:
                return decision
        symptom = None
        for segment, row in zip(segments[1:], rows[1 : len(segments)], strict=True):
            decision = decide(segment, row, self.thresholds)
            if decision.kind == URGENT and _sure_alone(decision, row):
                return decision
            if symptom is None and _symptom_alone(decision, row):
                symptom = Decision(SYMPTOM_NOW, SYMPTOM, "model", decision.experiencer)
        if symptom is not None and whole.kind == CHECK:
            return symptom
        return whole


def _sure_alone(decision: Decision, row: np.ndarray) -> bool:
    """Whether a sentence's urgent decision holds without its context."""
    alone = PATTERN_ALONE if decision.source == "patterns" else MODEL_ALONE
    return urgent_probability(row) >= alone


def _symptom_alone(decision: Decision, row: np.ndarray) -> bool:
    """Whether a sentence reports a symptom now, whatever the rest asks."""
    reports = decision.kind in (URGENT, SYMPTOM)
    return reports and report_probability(row) >= SYMPTOM_ALONE


def _report_clauses(text: str) -> list[str]:
    """The clauses a red-flag pattern reports in, unless a whole sentence.

    A run-on message joined by commas and "and" is one sentence, and its
    question probability can set aside a pattern matched in one clause of
    it ("... how much the course costs, he had his first one today and his
    throat feels tight and he can't swallow, and are you open Sunday").
    """
    clauses = red_flag_clauses(text)
    if len(clauses) == 1 and clauses[0] == normalise(text):
        return []
    return clauses


def risk_segments(text: str) -> list[str]:
    """The whole message first, then its sentences (a ramble's subjects).

    An unpunctuated ramble is one sentence; its turns to another subject
    ("oh and", "anyway") end a segment as a full stop does.
    """
    parts = [turn for sentence in sentences(text) for turn in topic_turns(sentence)]
    return [text, *parts] if len(parts) > 1 else [text]


def _corpus_dir(config: dict[str, Any]) -> Path:
    """The corpus folder, relative to the project root."""
    return ROOT / config["corpus"]


def apply_decision(message: Message, decision: Decision) -> None:
    """Set the intent and entities a decision calls for."""
    message.set(
        RISK_KEY,
        {"outcome": decision.outcome, "source": decision.source, "kind": decision.kind},
        add_to_output=True,
    )
    intent = OUTCOME_INTENTS.get(decision.outcome)
    if intent is None:
        if decision.kind == CHECK:
            message.set(RISK_CHECK_KEY, True, add_to_output=True)
            # The conditional line is worded for whoever it may be about.
            entities = message.get(ENTITIES) or []
            who = _entity(EXPERIENCER_ENTITY, decision.experiencer)
            message.set(ENTITIES, [*entities, who], add_to_output=True)
        return
    set_intent(message, intent, 1.0, by=RiskGate.__name__)
    # Nothing from a report goes on the prep sheet: no factor entities.
    entities = [_entity(EXPERIENCER_ENTITY, decision.experiencer)]
    if decision.outcome == SYMPTOM_NOW:
        topic = symptom_topic(message.get(TEXT) or "") or NO_SYMPTOM_TOPIC
        entities.append(_entity(SYMPTOM_TOPIC_ENTITY, topic))
    message.set(ENTITIES, entities, add_to_output=True)


def symptom_topic(text: str) -> str | None:
    """The guide topic that speaks about the symptom, if any."""
    return next((topic for topic, words in SYMPTOM_TOPICS if words.search(text)), None)


def _entity(name: str, value: str) -> dict[str, Any]:
    """An entity set by this component."""
    return {
        ENTITY_ATTRIBUTE_TYPE: name,
        ENTITY_ATTRIBUTE_VALUE: value,
        EXTRACTOR: RiskGate.__name__,
    }
