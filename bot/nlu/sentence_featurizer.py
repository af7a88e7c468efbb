"""Rasa featurizer: each text's meaning as a dense sentence feature.

The vector of all-MiniLM-L6-v2 (bot.semantic.encoder) goes beside the n-gram
features, so the intent classifier reads meaning as well as words ("one and
done or a season ticket?" lands near "how many sessions?"). The vector
is cached by text, so a later component asking the encoder for the same
text gets it without a second forward pass.

A message and its clauses (bot.nlu.message_parts) arrive in one batch and
are embedded in one forward pass; the encoder caches vectors by text.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.semantic.encoder import SentenceEncoder, sentence_encoder

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the sentence embedding of each message's text."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        """Load the encoder now: at start-up, not on someone's first message."""
        return cls(config, execution_context.node_name, sentence_encoder())

    def __init__(
        self, config: dict[str, Any], name: str, encoder: SentenceEncoder
    ) -> None:
        """Store the config and the process's encoder."""
        super().__init__(name, {**self.get_default_config(), **config})
        self.encoder = encoder

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to validate: the model is fixed by requirements-model.txt."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Embed every message's text in one batch and add the features."""
        with_text = [m for m in messages if isinstance(m.get(TEXT), str)]
        if with_text:
            self._add(with_text)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Embed the training examples (about a minute for six thousand)."""
        examples = [m for m in training_data.training_examples if m.get(TEXT)]
        logger.info(f"Embedding {len(examples)} training texts...")
        vectors = self.encoder.encode_many([m.get(TEXT) for m in examples])
        self._set(examples, vectors)
        return training_data

    def _add(self, messages: list[Message]) -> None:
        """Embed the messages' texts in one batch (cached by text)."""
        self._set(messages, self.encoder.encode([m.get(TEXT) for m in messages]))

    def _set(self, messages: list[Message], vectors: np.ndarray) -> None:
        """The vectors as the messages' sentence features."""
        for message, vector in zip(messages, vectors, strict=True):
            self.add_features_to_message(None, vector[None, :], TEXT, message)
