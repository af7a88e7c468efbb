"""all-MiniLM-L6-v2's forward pass in NumPy: a sentence vector for each text.

The model is a 6-layer BERT (384 wide, 12 heads). Run as matrix products in
NumPy it needs no deep-learning runtime on the per-message path, no export
step and no cache of a converted model: the weights are read from the
installed package (bot.semantic.model_files, hash-checked) once per process.
A sentence vector is the attention-masked mean of the last layer,
L2-normalised, which is how the model was trained to compare sentences (its
[CLS] vector is not a sentence embedding). tests/test_semantic_encoder.py
checks the vectors against reference ones computed with Hugging Face
transformers.

Texts are embedded in one batch per call (a message and its clauses
together) and cached by text, so a text met twice in a turn, or again in a
later turn, costs nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from safetensors.numpy import load as load_safetensors
from scipy.special import erf
from tokenizers import Tokenizer

from bot.semantic.model_files import ModelFiles, read_model_files

DIMENSION = 384
LAYERS = 6
HEADS = 12
# The model's own limit (sentence_bert_config.json); longer texts are cut.
MAX_TOKENS = 256
LAYER_NORM_EPS = 1e-12
# Texts whose vectors are kept, most recently used first.
CACHE_SIZE = 8192


class SentenceEncoder:
    """Sentence vectors from the model's weights and tokenizer."""

    def __init__(self, files: ModelFiles) -> None:
        """Prepare the weights for the forward pass (fused, transposed)."""
        weights = load_safetensors(files.weights)
        self.digest = files.digest
        self.tokenizer = Tokenizer.from_str(files.tokenizer.decode("utf-8"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._embeddings = _EmbeddingWeights.from_weights(weights)
        self._layers = [_LayerWeights.from_weights(weights, i) for i in range(LAYERS)]
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised vector per text (rows in the order given)."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                for text, vector in zip(missing, self._forward(missing), strict=True):
                    self._cache[text] = vector
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            for text in texts:
                self._cache.move_to_end(text)
            if not texts:
                return np.zeros((0, DIMENSION), dtype=np.float32)
            return np.stack([self._cache[text] for text in texts])

    def encode_many(self, texts: Sequence[str], batch: int = 64) -> np.ndarray:
        """Vectors for a large set (training data), bypassing the cache.

        Texts of similar length are batched together, so little is padded.
        """
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            vectors[chunk] = self._forward([texts[i] for i in chunk])
        return vectors

    def _forward(self, texts: list[str]) -> np.ndarray:
        """The model on a padded batch, mean-pooled over the real tokens."""
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        hidden = self._embeddings.apply(ids)
        # Padding gets no attention: a large negative score before softmax.
        attention_bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in self._layers:
            hidden = layer.apply(hidden, attention_bias)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(
            mask.sum(axis=1, keepdims=True), 1e-9
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


class _EmbeddingWeights:
    """Word, position and token-type embeddings, then layer norm."""

    def __init__(self, words: np.ndarray, positions: np.ndarray, norm: _Norm) -> None:
        self.words = words
        self.positions = positions
        self.norm = norm

    @classmethod
    def from_weights(cls, w: dict[str, np.ndarray]) -> _EmbeddingWeights:
        """The embedding tables; token type 0 is folded into the positions."""
        positions = (
            w["embeddings.position_embeddings.weight"]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        return cls(
            w["embeddings.word_embeddings.weight"],
            positions,
            _Norm.from_weights(w, "embeddings.LayerNorm"),
        )

    def apply(self, ids: np.ndarray) -> np.ndarray:
        """(batch, tokens) ids to (batch, tokens, 384) vectors."""
        return self.norm.apply(self.words[ids] + self.positions[: ids.shape[1]])


class _Norm:
    """Layer normalisation with its learned scale and shift."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray) -> None:
        self.weight = weight
        self.bias = bias

    @classmethod
    def from_weights(cls, w: dict[str, np.ndarray], prefix: str) -> _Norm:
        """The norm stored under prefix."""
        return cls(w[f"{prefix}.weight"], w[f"{prefix}.bias"])

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Normalise the last axis."""
        mean = x.mean(axis=-1, keepdims=True)
        centred = x - mean
        variance = (centred * centred).mean(axis=-1, keepdims=True)
        return centred / np.sqrt(variance + LAYER_NORM_EPS) * self.weight + self.bias


class _LayerWeights:
    """One transformer layer: self-attention, then the feed-forward block."""

    def __init__(self, w: dict[str, np.ndarray], prefix: str) -> None:
        attention = f"{prefix}.attention"
        # Query, key and value in one product: (384, 3 * 384).
        self.qkv = np.ascontiguousarray(
            np.concatenate(
                [w[f"{attention}.self.{p}.weight"] for p in ("query", "key", "value")]
            ).T
        )
        self.qkv_bias = np.concatenate(
            [w[f"{attention}.self.{p}.bias"] for p in ("query", "key", "value")]
        )
        self.out = np.ascontiguousarray(w[f"{attention}.output.dense.weight"].T)
        self.out_bias = w[f"{attention}.output.dense.bias"]
        self.attention_norm = _Norm.from_weights(w, f"{attention}.output.LayerNorm")
        self.up = np.ascontiguousarray(w[f"{prefix}.intermediate.dense.weight"].T)
        self.up_bias = w[f"{prefix}.intermediate.dense.bias"]
        self.down = np.ascontiguousarray(w[f"{prefix}.output.dense.weight"].T)
        self.down_bias = w[f"{prefix}.output.dense.bias"]
        self.output_norm = _Norm.from_weights(w, f"{prefix}.output.LayerNorm")

    @classmethod
    def from_weights(cls, w: dict[str, np.ndarray], index: int) -> _LayerWeights:
        """Layer number index of the encoder."""
        return cls(w, f"encoder.layer.{index}")

    def apply(self, x: np.ndarray, attention_bias: np.ndarray) -> np.ndarray:
        """(batch, tokens, 384) to the same shape, as BERT's layer does."""
        batch, tokens, width = x.shape
        head = width // HEADS
        qkv = (x @ self.qkv + self.qkv_bias).reshape(batch, tokens, 3, HEADS, head)
        q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head) + attention_bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, tokens, width)
        x = self.attention_norm.apply(x + context @ self.out + self.out_bias)
        inner = x @ self.up + self.up_bias
        inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))
        return self.output_norm.apply(x + inner @ self.down + self.down_bias)


@lru_cache(maxsize=1)
def sentence_encoder() -> SentenceEncoder:
    """The process's one encoder (weights read and checked on first use)."""
    return SentenceEncoder(read_model_files())
