"""The TF-IDF logistic-regression classifier: features, training, storage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix

from bot.nlu.tfidf_classifier import (
    TfidfLogisticRegressionClassifier,
    sentence_features,
)

# Two featurizers' vocabularies, as two CountVectorsFeaturizers give them.
WORDS = ["hurt", "pain", "cost", "price", "hello"]
CHARS = ["hu", "pa", "co", "pr", "he"]
EXAMPLES = {
    "ask_pain": ["does it hurt", "pain", "hurt pain"],
    "ask_cost": ["cost", "price", "cost price"],
    "greet": ["hello", "hello hello"],
    "several_questions": ["hurt cost"],
}


def featurized(text: str, intent: str | None = None) -> Message:
    """A message with sparse sequence and sentence features from both blocks."""
    message = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    words = text.split()
    for origin, vocabulary in (("words", WORDS), ("chars", CHARS)):
        counts = np.zeros((1, len(vocabulary)))
        for word in words:
            for index, entry in enumerate(vocabulary):
                counts[0, index] += word == entry or word.startswith(entry)
        sequence = coo_matrix(np.ones((len(words), len(vocabulary))))
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, TEXT, origin))
        message.add_features(
            Features(coo_matrix(counts), FEATURE_TYPE_SENTENCE, TEXT, origin)
        )
    return message


def training_data() -> TrainingData:
    return TrainingData(
        [featurized(t, intent) for intent, texts in EXAMPLES.items() for t in texts]
    )


@pytest.fixture()
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def build(storage: LocalModelStorage) -> TfidfLogisticRegressionClassifier:
    config = {
        **TfidfLogisticRegressionClassifier.get_default_config(),
        "ignore_intents": ["several_questions"],
    }
    return TfidfLogisticRegressionClassifier.create(
        config, storage, Resource("classifier"), ExecutionContext(GraphSchema({}), "t")
    )


def test_sentence_features_are_what_rasa_combines() -> None:
    messages = [featurized(t) for t in ("does it hurt", "cost price", "hello")]
    sparse, dense = sentence_features(messages)
    expected = [m.get_sparse_features(TEXT)[1].features.toarray() for m in messages]
    assert np.array_equal(sparse.toarray(), np.vstack(expected))
    assert dense.shape == (3, 0)


def test_it_learns_the_intents_except_the_ignored_ones(storage) -> None:
    classifier = build(storage)
    classifier.train(training_data())
    assert sorted(classifier.intents) == ["ask_cost", "ask_pain", "greet"]
    [message] = classifier.process([featurized("hurt")])
    assert message.get(INTENT)["name"] == "ask_pain"
    ranking = message.get("intent_ranking")
    confidences = [entry["confidence"] for entry in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)


def test_a_stored_model_answers_as_the_trained_one(storage) -> None:
    classifier = build(storage)
    resource = classifier.train(training_data())
    loaded = TfidfLogisticRegressionClassifier.load(
        classifier.config, storage, resource, ExecutionContext(GraphSchema({}), "t")
    )
    texts = ["hurt", "price", "hello", "pain cost"]
    trained = classifier.process([featurized(t) for t in texts])
    served = loaded.process([featurized(t) for t in texts])
    for before, after in zip(trained, served, strict=True):
        assert before.get("intent_ranking") == after.get("intent_ranking")


def test_without_a_stored_model_it_sets_no_intent(storage) -> None:
    loaded = TfidfLogisticRegressionClassifier.load(
        build(storage).config,
        storage,
        Resource("never-trained"),
        ExecutionContext(GraphSchema({}), "t"),
    )
    [message] = loaded.process([featurized("hurt")])
    assert message.get(INTENT) is None


def test_a_message_without_a_known_word_gets_no_confidence(tmp_path: Path) -> None:
    config = {
        **TfidfLogisticRegressionClassifier.get_default_config(),
        "known_words_from": "words",
    }
    classifier = TfidfLogisticRegressionClassifier.create(
        config,
        LocalModelStorage(tmp_path),
        Resource("clf"),
        ExecutionContext(GraphSchema({}), "clf"),
    )
    classifier.train(training_data())
    known, unknown = featurized("does it hurt"), featurized("zxq vlorp")
    classifier.process([known, unknown])
    assert known.get(INTENT)["confidence"] > 0.3
    assert unknown.get(INTENT)["confidence"] == 0.0
