"""Route each message to the answer that fits it: the guide, or an honest "not covered".

Runs after the intent classifier and the FallbackClassifier, before the
safety net. Three corrections, in order:

1. **Urgency is not the classifier's call.** Its symptom-report and
   distress intents are replaced by the best other intent: only the risk
   gate (bot.nlu.risk_gate, which runs next) sends the urgent-care and
   crisis replies, so "can I go to the sauna after the session?" never does.
2. **The guide speaks where its words match.** When the classifier is unsure,
   or says the guide does not cover a question, the guide index
   (bot.nlu.guide_index) answers from the section whose sentence matches,
   if the match scores above the configured threshold.
3. **A clear question is not "could you rephrase".** A question still
   unsure, or called off-topic, that names the treatment or its subject
   ("can I dye my roots the week after my session?") gets the "the guide
   doesn't cover that" answer; any other plain question the model can't
   place gets the off-topic reply (which points to the practitioner for
   questions about one's own treatment). "Could you rephrase" is left for
   what can't be understood at all.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import read_json_file

from bot.guide import GUIDE_PATH, read_sections
from bot.nlu.guide_index import GuideIndex
from bot.nlu.intents import set_intent
from bot.nlu.splitting import is_question
from bot.safety.red_flags import DISTRESS, EMERGENCY, INFECTION

INDEX_FILE = "guide_index.json"
# Intents only the risk gate may send.
SYMPTOM_REPORT_INTENTS = frozenset({EMERGENCY, INFECTION, DISTRESS})
# Words that put a question about the treatment on topic, even when the
# guide never uses them.
ON_TOPIC = re.compile(
    r"\b(?:meso\w*|treatments?|sessions?|injections?|injected|jabs?|needles?|"
    r"scalp|hair|appointments?|procedures?|practitioner|clinic|aftercare|"
    r"after ?care|shots?|dermatologist|consultation)\b",
    re.IGNORECASE,
)
# A question this long is clear enough to deserve an answer, not "rephrase".
MIN_QUESTION_WORDS = 4
# Intents the router may re-route: the unsure and the "off-topic".
REROUTABLE = frozenset({DEFAULT_NLU_FALLBACK_INTENT_NAME, "out_of_scope"})


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class AnswerRouter(GraphComponent, IntentClassifier):
    """Corrects the classifier's intent: no urgency, guide matches, honest gaps."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults; config.yml sets and explains each."""
        return {
            "document": str(GUIDE_PATH),
            "section_intents": {},
            "beyond_guide_intent": "ask_beyond_guide",
            "off_topic_intent": "out_of_scope",
            # Classifier confidence below which the guide index is consulted.
            "unsure_below": 0.5,
            # An intent this weak, left after removing an urgent one, counts
            # as no intent at all (the FallbackClassifier's threshold).
            "fallback_below": 0.3,
            # Lowest BM25 score of the best sentence that answers from it.
            "min_match_score": 2.0,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        index: GuideIndex | None = None,
    ) -> None:
        """Store the config and the (possibly not yet built) guide index."""
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.index = index

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AnswerRouter:
        """Create the component before training."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Index the guide's sections that have an answer intent, and store it."""
        sections = read_sections(Path(self.component_config["document"]))
        wanted = self.component_config["section_intents"]
        self.index = GuideIndex.from_sections(
            {name: text for name, text in sections.items() if name in wanted}
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / INDEX_FILE).write_text(
                json.dumps(self.index.as_dict()), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> AnswerRouter:
        """Load the stored guide index."""
        with model_storage.read_from(resource) as directory:
            index = GuideIndex.from_dict(read_json_file(directory / INDEX_FILE))
        return cls(config, model_storage, resource, index)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave training data unchanged."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Correct each message's intent where one of the three rules applies."""
        for message in messages:
            text = message.get(TEXT)
            intent = message.get(INTENT) or {}
            # "/intent" payloads (buttons) already name their intent.
            if not isinstance(text, str) or text.startswith("/") or not intent:
                continue
            routed = self.route(text, message)
            if routed and routed != intent.get(INTENT_NAME_KEY):
                confidence = message.get(INTENT).get(PREDICTED_CONFIDENCE_KEY) or 0.0
                set_intent(message, routed, confidence, by=type(self).__name__)
        return messages

    def route(self, text: str, message: Message) -> str | None:
        """The intent this message should have, or None to keep it."""
        name, confidence = _best_non_report(message)
        if name != (message.get(INTENT) or {}).get(INTENT_NAME_KEY) and (
            confidence < self.component_config["fallback_below"]
        ):
            name = DEFAULT_NLU_FALLBACK_INTENT_NAME
        beyond = self.component_config["beyond_guide_intent"]
        unsure = confidence < self.component_config["unsure_below"]
        if name in REROUTABLE or name == beyond or unsure:
            guide_intent = self._guide_intent(text)
            if guide_intent:
                return guide_intent
        if name in REROUTABLE and ON_TOPIC.search(text):
            return beyond
        if name == DEFAULT_NLU_FALLBACK_INTENT_NAME and _is_clear_question(text):
            # A plain question the model can't place and that names nothing
            # of the treatment: most likely off-topic, whose reply also says
            # to ask the practitioner about one's own treatment.
            return self.component_config["off_topic_intent"]
        return name

    def _guide_intent(self, text: str) -> str | None:
        """The answer intent of the guide section matching text, if it is strong."""
        match = self.index.best_match(text) if self.index else None
        if match is None or match.score < self.component_config["min_match_score"]:
            return None
        return self.component_config["section_intents"].get(match.section)


def _is_clear_question(text: str) -> bool:
    """True for a well-formed question: "could you rephrase" won't help it."""
    return is_question(text) and len(text.split()) >= MIN_QUESTION_WORDS


def _best_non_report(message: Message) -> tuple[str, float]:
    """The top intent, or the best of the ranking that is not a report."""
    intent = message.get(INTENT) or {}
    name = intent.get(INTENT_NAME_KEY) or DEFAULT_NLU_FALLBACK_INTENT_NAME
    if name not in SYMPTOM_REPORT_INTENTS:
        return name, intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
    for entry in message.get(INTENT_RANKING_KEY) or []:
        if entry.get(INTENT_NAME_KEY) not in SYMPTOM_REPORT_INTENTS:
            return entry[INTENT_NAME_KEY], entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0
    return DEFAULT_NLU_FALLBACK_INTENT_NAME, 0.0
