"""A risk model that reads a whole message and says which outcome it calls for.

Trained on the corpus in data/risk/ (one folder per writing style, one file
per label, one message a line) and on the assistant's NLU examples (every
intent a question, but the report intents: they give the model thousands of
ordinary questions in the words people use with this assistant): a
multinomial logistic regression over
TF-IDF-weighted word (1-2) and character (2-5, inside word boundaries)
n-grams of the normalised text (bot.safety.red_flags.normalise: lower case,
chat shorthand, symspellpy spelling), beside six assertion counts from
negspacy (bot.safety.assertion: how many symptom mentions are affirmed,
negated, hypothetical, historical or someone else's).

Stored as plain NumPy arrays (no pickle) and applied with one sparse product.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from scipy.special import softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.safety.assertion import assertions
from bot.safety.red_flags import normalise

EMERGENCY = "emergency"
CRISIS = "crisis"
SAME_DAY = "same_day"
SYMPTOM_NOW = "symptom_now"
QUESTION = "question"
LABELS: tuple[str, ...] = (EMERGENCY, CRISIS, SAME_DAY, SYMPTOM_NOW, QUESTION)
URGENT_LABELS: tuple[str, ...] = (EMERGENCY, CRISIS, SAME_DAY)
CORPUS_SUFFIX = ".txt"
# Weight of the assertion counts beside the L2-normalised n-gram blocks.
ASSERTION_WEIGHT = 0.5


@dataclass(frozen=True)
class Example:
    """One corpus line: the message, its label and the style folder it is from."""

    text: str
    label: str
    style: str


def read_corpus(root: Path) -> list[Example]:
    """Every message of the corpus, in a fixed order (style, label, line)."""
    examples: list[Example] = []
    for style_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for label in LABELS:
            path = style_dir / f"{label}{CORPUS_SUFFIX}"
            if not path.exists():
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            examples += [
                Example(t.strip(), label, style_dir.name) for t in lines if t.strip()
            ]
    return examples


# The assistant's own NLU examples teach the model too: every intent is a
# question except these, which are reports of their outcome.
NLU_REPORT_LABELS: dict[str, str] = {
    "report_emergency": EMERGENCY,
    "express_distress": CRISIS,
    "report_infection_signs": SAME_DAY,
    "report_symptom": SYMPTOM_NOW,
}
NLU_STYLE = "nlu"


def nlu_examples(intent_examples: Iterable[tuple[str, str]]) -> list[Example]:
    """(text, intent) pairs of the NLU data as corpus examples."""
    return [
        Example(text, NLU_REPORT_LABELS.get(intent, QUESTION), NLU_STYLE)
        for text, intent in intent_examples
        if text.strip()
    ]


def _word_vectorizer(vocabulary: Sequence[str] | None = None) -> TfidfVectorizer:
    """Word unigrams and bigrams of the normalised text."""
    return TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        token_pattern=r"[a-z0-9]+",
        sublinear_tf=True,
        min_df=2 if vocabulary is None else 1,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def _char_vectorizer(vocabulary: Sequence[str] | None = None) -> TfidfVectorizer:
    """Character 2-5-grams inside word boundaries: robust to spelling."""
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=2 if vocabulary is None else 1,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


class RiskModel:
    """Probabilities of the five outcomes for one message."""

    def __init__(
        self,
        words: TfidfVectorizer,
        chars: TfidfVectorizer,
        weights: np.ndarray,
        biases: np.ndarray,
    ) -> None:
        """A fitted model: both vectorizers and the (features x labels) weights."""
        self.words = words
        self.chars = chars
        self.weights = weights
        self.biases = biases
        self._word_ngrams = words.build_analyzer()
        self._char_ngrams = chars.build_analyzer()

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        C: float,  # noqa: N803 (scikit-learn's name)
        seed: int,
    ) -> RiskModel:
        """Fit the vectorizers and the classifier on the corpus."""
        normalised = [normalise(text) for text in texts]
        words, chars = _word_vectorizer(), _char_vectorizer()
        words.fit(normalised)
        chars.fit(normalised)
        features = _features(words, chars, normalised)
        classifier = LogisticRegression(
            C=C, max_iter=3000, class_weight="balanced", random_state=seed
        )
        classifier.fit(features, [LABELS.index(label) for label in labels])
        weights = np.zeros((features.shape[1], len(LABELS)))
        biases = np.full(len(LABELS), -1e9)
        for column, label_index in enumerate(classifier.classes_):
            weights[:, label_index] = classifier.coef_[column]
            biases[label_index] = classifier.intercept_[column]
        return cls(words, chars, np.ascontiguousarray(weights), biases)

    def probabilities(self, texts: Iterable[str]) -> np.ndarray:
        """One row of label probabilities (in LABELS order) per message."""
        return np.array([self._probabilities(text) for text in texts])

    def batch_probabilities(self, texts: Iterable[str]) -> np.ndarray:
        """The same through scikit-learn's vectorizers: the reference."""
        normalised = [normalise(text) for text in texts]
        logits = _features(self.words, self.chars, normalised) @ self.weights
        return softmax(np.asarray(logits) + self.biases, axis=1)

    def _probabilities(self, text: str) -> np.ndarray:
        """One message's row, without scikit-learn's per-call checks.

        The same features as `_features` (the vectorizers' own analyzers,
        sublinear TF-IDF, each block L2-normalised), summed straight into
        the logits: about a tenth of the time of a sparse-matrix round trip.
        """
        normalised = normalise(text)
        logits = self.biases.copy()
        offset = 0
        for vectorizer, analyze in (
            (self.words, self._word_ngrams),
            (self.chars, self._char_ngrams),
        ):
            index, values = _tfidf(vectorizer, analyze(normalised))
            logits += values @ self.weights[offset + index]
            offset += len(vectorizer.vocabulary_)
        status = np.array(assertions(normalised).as_features())
        logits += ASSERTION_WEIGHT * status @ self.weights[offset:]
        return softmax(logits)

    def save(self, path: Path) -> None:
        """Write the vocabularies, IDF weights and classifier as arrays."""
        np.savez(
            path,
            word_terms=_terms(self.words),
            word_idf=self.words.idf_,
            char_terms=_terms(self.chars),
            char_idf=self.chars.idf_,
            weights=self.weights,
            biases=self.biases,
        )

    @classmethod
    def load(cls, path: Path) -> RiskModel:
        """Rebuild the model from `save`'s arrays."""
        with np.load(path, allow_pickle=False) as arrays:
            words = _word_vectorizer(list(arrays["word_terms"]))
            words.idf_ = arrays["word_idf"]
            chars = _char_vectorizer(list(arrays["char_terms"]))
            chars.idf_ = arrays["char_idf"]
            return cls(words, chars, arrays["weights"], arrays["biases"])


def _tfidf(
    vectorizer: TfidfVectorizer, grams: Iterable[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and L2-normalised sublinear TF-IDF values of the n-grams."""
    counts = Counter(g for g in grams if g in vectorizer.vocabulary_)
    index = np.array([vectorizer.vocabulary_[g] for g in counts], dtype=np.int64)
    values = (1.0 + np.log(np.array(list(counts.values()), dtype=float))) * (
        vectorizer.idf_[index]
    )
    norm = np.linalg.norm(values)
    return index, values / norm if norm else values


def _terms(vectorizer: TfidfVectorizer) -> np.ndarray:
    """The vocabulary as an array ordered by feature index."""
    terms = np.empty(len(vectorizer.vocabulary_), dtype=object)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    return terms.astype(str)


def _features(
    words: TfidfVectorizer, chars: TfidfVectorizer, normalised: Sequence[str]
) -> csr_matrix:
    """Word and character TF-IDF blocks beside the assertion counts."""
    counts = np.array([assertions(text).as_features() for text in normalised])
    return hstack(
        [
            words.transform(normalised),
            chars.transform(normalised),
            csr_matrix(ASSERTION_WEIGHT * counts),
        ]
    ).tocsr()
