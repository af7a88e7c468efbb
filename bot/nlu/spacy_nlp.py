"""Rasa's SpacyNLP, loading only the spaCy components the pipeline uses.

Rasa disables spaCy's parser; the named-entity recogniser still runs on every
message although nothing here reads its entities (personal factors are
rule-based). Disabling it halves spaCy's time per message and changes no
feature: the tagger, lemmatiser and tok2vec that the tokenizer uses do not
depend on it.

A message that asks several things arrives with its clauses as extra
messages (bot.nlu.message_parts): they go through spaCy in one batch, as
the training data does, instead of one call each (spaCy's fixed cost per
call is most of a short text's).

The class keeps the name `SpacyNLP`: Rasa wires the loaded model to
SpacyTokenizer (and SpacyFeaturizer) by the provider's class name.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.nlu.utils.spacy_utils import SpacyNLP as RasaSpacyNLP
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(RasaSpacyNLP):
    """Provides the spaCy model with the unused components disabled."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's defaults, plus the spaCy components to switch off."""
        return {**RasaSpacyNLP.get_default_config(), "disable": ["ner"]}

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        """Adds spaCy docs to the messages, all their texts in one batch."""
        wanted = [
            (message, attribute)
            for message in messages
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES
            if message.get(attribute)
        ]
        texts = [self._preprocess_text(message.get(key)) for message, key in wanted]
        docs = model.model.pipe(texts)
        for (message, attribute), doc in zip(wanted, docs, strict=True):
            message.set(SPACY_DOCS[attribute], doc)
        return messages

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyNLP:
        """Load the model as Rasa does, then disable the configured components."""
        component = super().create(config, model_storage, resource, execution_context)
        language = component.provide().model
        for name in {**cls.get_default_config(), **config}["disable"]:
            if name in language.pipe_names:
                language.disable_pipe(name)
        return component
