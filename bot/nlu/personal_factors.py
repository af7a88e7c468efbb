"""Spot the personal factors worth telling a practitioner, in the person's words.

A rule-based entity extractor: each factor kind has a pattern, and the entity
value is the sentence that matched, so the prep sheet quotes the person rather
than a paraphrase. Mentions framed as a condition ("is it ok if I'm
pregnant?") are not noted: they are questions, not facts about the person.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

MAX_VALUE_LENGTH = 200
_I = r"\b(?:i|i'm|im|i am|i've|ive|i have|i've been|my)\b"
# Entity name -> pattern that marks a statement of that factor.
FACTOR_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "allergy": (
            r"\ballerg(?:ic|y|ies)\b|\bhypersensitive\b|\breact(?:ed|s)? badly\b"
        ),
        "medication": (
            r"\b(?:i|i'm|im|i am)\b.{0,12}\b(?:take|taking|prescribed)\b"
            r"|\b(?:i'm|im|i am)\b.{0,12}\bon\b.{0,20}\b(?:medication|medicine|"
            r"meds|pills?|tablets?|blood thinners?|warfarin|aspirin|insulin|"
            r"anticoagulants?|isotretinoin|steroids?|antibiotics?)\b"
            r"|\bmy (?:medication|medicine|meds|tablets|pills|prescription)\b"
        ),
        "pregnancy": r"\b(?:pregnant|breast ?feeding|nursing my|trying to conceive|"
        r"expecting a baby)\b",
        "needle_fear": (
            r"\b(?:scared|afraid|terrified|frightened|phobi[ac]|fear|hate)\b.{0,20}"
            r"\bneedles?\b|\bneedle phobia\b|\blow pain (?:tolerance|threshold)\b|"
            r"\b(?:faint|pass out)\b.{0,20}\bneedles?\b"
        ),
        "cost_worry": (
            r"\b(?:tight budget|on a budget|can'?t afford|cannot afford|"
            r"money is tight|short of money|not much money|"
            r"worried about (?:the )?(?:cost|price|money))\b"
        ),
        "time_limit": (
            r"\b(?:busy|no time|not much time|little time|limited time|"
            r"travel a lot|work long hours|shift work|"
            r"(?:don'?t|do not) have (?:much |a lot of |the )?time|"
            r"can'?t (?:come|get) in (?:often|regularly))\b"
        ),
        "previous_treatment": (
            _I + r".{0,15}\b(?:tried|used|had|taken|done|was on)\b.{0,30}"
            r"\b(?:minoxidil|rogaine|regaine|finasteride|propecia|prp|"
            r"transplant|laser|mesotherapy|treatments?|shampoo|supplements?)\b"
        ),
    }.items()
}
# "if I'm pregnant", "what if I'm allergic": a condition, not a statement.
_CONDITIONAL = re.compile(r"\b(?:if|whether|what if|suppose|in case)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def _sentences(text: str) -> list[tuple[int, str]]:
    """Split text into (start offset, sentence) pairs."""
    return [
        (m.start(), m.group()) for m in _SENTENCE.finditer(text) if m.group().strip()
    ]


def _is_conditional(sentence: str, match_start: int) -> bool:
    """True when the factor is mentioned inside an if-clause."""
    return bool(_CONDITIONAL.search(sentence[:match_start]))


def find_factors(text: str) -> list[dict[str, Any]]:
    """Return one entity per factor kind stated in `text`, valued in its words."""
    entities = []
    for name, pattern in FACTOR_PATTERNS.items():
        for offset, sentence in _sentences(text):
            match = pattern.search(sentence)
            if match and not _is_conditional(sentence, match.start()):
                stripped = sentence.strip()
                start = offset + sentence.index(stripped)
                entities.append(
                    {
                        "entity": name,
                        "value": stripped[:MAX_VALUE_LENGTH],
                        "start": start,
                        "end": start + len(stripped),
                        "confidence_entity": 1.0,
                        "extractor": PersonalFactorExtractor.__name__,
                    }
                )
                break
    return entities


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class PersonalFactorExtractor(GraphComponent):
    """Rule-based extractor of personal factors for the consultation prep sheet."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PersonalFactorExtractor:
        """Create the component; it has nothing to train or load."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Add a factor entity for each personal factor a message states."""
        for message in messages:
            found = find_factors(message.get(TEXT) or "")
            if found:
                message.set(
                    ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True
                )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave training data as it is: the patterns need no examples."""
        return training_data
