"""The sentence-embedding model: its files, its vectors, and the featurizer."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentence_featurizer import SentenceEmbeddingFeaturizer
from bot.semantic import model_files
from bot.semantic.encoder import DIMENSION, sentence_encoder
from bot.semantic.model_files import ModelFilesError, read_model_files

# Vectors of five texts from Hugging Face transformers 4.36.2
# (TFBertModel on the same weights, attention-masked mean, L2-normalised).
REFERENCE = Path(__file__).parent / "fixtures" / "minilm_reference_vectors.json"


def test_vectors_match_the_reference_implementation() -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    vectors = sentence_encoder().encode(reference["texts"])
    expected = np.array(reference["vectors"])
    assert vectors.shape == (5, DIMENSION)
    assert np.abs(vectors - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_meanings_are_closer_than_similar_words() -> None:
    hurt, painful, park, pain_cost = sentence_encoder().encode(
        [
            "does it hurt?",
            "is the procedure painful",
            "where can I park my car",
            "does the pain cost extra",
        ]
    )
    assert hurt @ painful > hurt @ park + 0.4
    assert hurt @ painful > hurt @ pain_cost


def test_batches_and_cache_give_the_same_vectors() -> None:
    encoder = sentence_encoder()
    texts = ["how many sessions", "one-and-done or a season ticket?", "x" * 5]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    many = encoder.encode_many(texts, batch=2)
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(together, many, atol=1e-5)
    assert encoder.encode([]).shape == (0, DIMENSION)


def test_a_long_text_is_cut_to_the_models_limit() -> None:
    vector = sentence_encoder().encode(["my scalp " * 400])
    assert vector.shape == (1, DIMENSION)
    assert np.isfinite(vector).all()


def test_a_changed_file_fails_with_its_hashes(tmp_path: Path) -> None:
    original = model_files.archive_path()
    tampered = tmp_path / "model.zip"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(tampered, "w") as out:
        for name in (model_files.WEIGHTS, model_files.TOKENIZER):
            data = source.read(name)
            out.writestr(name, data + b" " if name == model_files.TOKENIZER else data)
    with pytest.raises(ModelFilesError, match="tokenizer.json .* expected be50c362"):
        read_model_files(tampered)


def test_a_missing_file_or_package_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "model.zip"
    with zipfile.ZipFile(empty, "w") as out:
        out.writestr("other.txt", "")
    with pytest.raises(ModelFilesError, match="no model.safetensors.*make install"):
        read_model_files(empty)
    monkeypatch.setattr(model_files, "PACKAGE", "no_such_model_package")
    with pytest.raises(ModelFilesError, match="not installed.*make install"):
        model_files.archive_path()


def test_featurizer_adds_one_dense_sentence_feature(tmp_path: Path) -> None:
    featurizer = SentenceEmbeddingFeaturizer.create(
        {},
        LocalModelStorage(tmp_path),
        Resource("embedding"),
        ExecutionContext(GraphSchema({}), "embedding"),
    )
    messages = [Message(data={TEXT: "does it hurt"}), Message(data={"intent": "x"})]
    featurizer.process(messages)
    training = TrainingData([Message(data={TEXT: "how many sessions"})])
    featurizer.process_training_data(training)
    for message in (messages[0], training.training_examples[0]):
        (feature,) = message.features
        assert feature.type == FEATURE_TYPE_SENTENCE
        assert feature.attribute == TEXT
        assert feature.features.shape == (1, DIMENSION)
    assert not messages[1].features
    expected = sentence_encoder().encode(["does it hurt"])
    assert np.allclose(messages[0].features[0].features, expected)
