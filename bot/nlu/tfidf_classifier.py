"""Logistic-regression intent classifier on TF-IDF-weighted features.

Rasa's LogisticRegressionClassifier feeds raw n-gram counts to the model. On
this project's short questions, weighting those counts by TF-IDF (sublinear
term frequency, L2-normalised) and regularising less lifted held-out intent
macro-F1 from 0.93 to above 0.95, while training in seconds and answering
without TensorFlow on the per-message path.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier,
)
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

logger = logging.getLogger(__name__)
TFIDF_FILE = "tfidf.skops"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class TfidfLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Logistic regression on TF-IDF sparse features plus scaled dense ones."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults: weak regularisation, dense features as a minor signal."""
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "max_iter": 3000,
            # Inverse regularisation strength; larger fits the n-grams closer.
            "C": 30.0,
            # Weight of the L2-normalised dense (spaCy) sentence vector
            # relative to the L2-normalised sparse n-gram vector.
            "dense_weight": 0.3,
            # Intents that a rule-based component sets, not this model: their
            # examples document them but are not learned.
            "ignore_intents": [],
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        """Build the untrained TF-IDF weighting and classifier."""
        super().__init__(config, name, model_storage, resource)
        self.tfidf = TfidfTransformer(sublinear_tf=True)
        self.clf = LogisticRegression(
            C=self.config["C"],
            max_iter=self.config["max_iter"],
            tol=self.config["tol"],
            solver=self.config["solver"],
            class_weight="balanced",
            random_state=self.config["random_state"],
        )

    @staticmethod
    def _sentence_features(messages: list[Message]) -> tuple[csr_matrix, np.ndarray]:
        """Stack the sparse and dense sentence-level features of messages."""
        sparse, dense = [], []
        for message in messages:
            _, sparse_sentence = message.get_sparse_features(attribute=TEXT)
            _, dense_sentence = message.get_dense_features(attribute=TEXT)
            sparse.append(csr_matrix(sparse_sentence.features))
            dense.append(
                dense_sentence.features if dense_sentence else np.zeros((1, 0))
            )
        return vstack(sparse).tocsr(), np.vstack(dense)

    def _create_X(self, messages: list[Message]) -> csr_matrix:  # noqa: N802 (overrides Rasa)
        """TF-IDF-weighted n-grams beside the scaled dense sentence vector."""
        sparse, dense = self._sentence_features(messages)
        blocks = [self.tfidf.transform(sparse)]
        # A spaCy pipeline without word vectors (en_core_web_sm) adds no
        # dense features; one with vectors (en_core_web_md) does.
        if dense.shape[1]:
            blocks.append(csr_matrix(self.config["dense_weight"] * normalize(dense)))
        return hstack(blocks).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the TF-IDF weights, then the classifier on the weighted features."""
        ignored = set(self.config["ignore_intents"])
        training_data = training_data.filter_training_examples(
            lambda example: example.get(INTENT) not in ignored
        )
        examples = [
            e for e in training_data.intent_examples if e.get("intent") and e.get(TEXT)
        ]
        if examples:
            self.tfidf.fit(self._sentence_features(examples)[0])
        return super().train(training_data)

    def persist(self) -> None:
        """Save the classifier (parent) and the TF-IDF weights beside it."""
        import skops.io as sio

        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.tfidf, model_dir / TFIDF_FILE)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfLogisticRegressionClassifier:
        """Load the classifier and its TF-IDF weights."""
        import skops.io as sio

        component = super().load(
            config, model_storage, resource, execution_context, **kwargs
        )
        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / TFIDF_FILE
                component.tfidf = sio.load(
                    path, trusted=sio.get_untrusted_types(file=path)
                )
        except ValueError:
            logger.debug("No TF-IDF weights stored; the classifier is untrained.")
        return component
