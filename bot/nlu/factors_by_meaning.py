"""Note a personal factor the patterns missed, by its meaning.

The patterns of bot.nlu.personal_factors know the usual words ("I take
warfarin"); people also write "I've been on sertraline for two years" or
"last year I made PRP three times". When the intent classifier says a
message shares a personal factor (``share_factor``) and no pattern found
one, each statement in it is compared with the training examples of that
intent whose factor the patterns do name: the nearest, if its cosine reaches
``min_similarity``, gives the factor's kind, and the statement itself, in
the person's words, is the value, as the patterns' entities are.

Trained with the rest of the model: the examples' vectors and kinds are
stored with it (no text), so nothing here reads the training data at run
time.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from typing_extensions import Self

from bot.nlu.personal_factors import (
    FACTOR_PATTERNS,
    factor_entity,
    find_factors,
    statements,
)
from bot.semantic.encoder import sentence_encoder

logger = logging.getLogger(__name__)
EXEMPLARS_FILE = "factor_exemplars.npz"
EXTRACTOR_NAME = "FactorsByMeaning"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class FactorsByMeaning(GraphComponent):
    """Gives a stated factor the patterns missed the kind of its nearest example."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults; config.yml sets and explains each."""
        return {"factor_intent": "share_factor", "min_similarity": 0.5}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectors: np.ndarray | None = None,
        kinds: np.ndarray | None = None,
    ) -> None:
        """Store the config and, once trained, the examples' vectors and kinds."""
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectors = vectors if vectors is not None else np.zeros((0, 0))
        self.kinds = kinds if kinds is not None else np.array([], dtype=str)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        """An untrained component: it notes nothing until trained."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Embed the factor intent's examples whose kind the patterns name."""
        labelled = [
            (text, found[0]["entity"])
            for example in training_data.intent_examples
            if example.get(INTENT) == self.config["factor_intent"]
            and (text := example.get(TEXT) or "")
            and (found := find_factors(text))
        ]
        logger.info(f"Factors by meaning: {len(labelled)} labelled examples.")
        self.vectors = sentence_encoder().encode_many([t for t, _ in labelled])
        self.kinds = np.array([kind for _, kind in labelled], dtype=str)
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(model_dir / EXEMPLARS_FILE, vectors=self.vectors, kinds=self.kinds)
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
        """The trained examples' vectors and kinds."""
        with (
            model_storage.read_from(resource) as model_dir,
            np.load(model_dir / EXEMPLARS_FILE, allow_pickle=False) as saved,
        ):
            vectors, kinds = saved["vectors"], saved["kinds"]
        return cls(config, model_storage, resource, vectors, kinds)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The training data is left as it is."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Note the factor of a factor message that no pattern noted."""
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            entities = message.get(ENTITIES) or []
            if intent != self.config["factor_intent"] or any(
                e.get("entity") in FACTOR_PATTERNS for e in entities
            ):
                continue
            found = self.nearest(message.get(TEXT) or "")
            if found:
                message.set(ENTITIES, [*entities, found], add_to_output=True)
        return messages

    def nearest(self, text: str) -> dict[str, Any] | None:
        """The entity for the statement of `text` nearest to a known factor."""
        said = statements(text)
        if not said or not len(self.kinds):
            return None
        similarities = sentence_encoder().encode([c for _, c in said]) @ self.vectors.T
        row, column = np.unravel_index(int(similarities.argmax()), similarities.shape)
        if similarities[row, column] < self.config["min_similarity"]:
            return None
        offset, clause = said[row]
        kind, similarity = str(self.kinds[column]), float(similarities[row, column])
        return factor_entity(kind, offset, clause, EXTRACTOR_NAME, similarity)
