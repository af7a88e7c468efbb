"""A small search index over the guide's sentences (BM25 on word stems).

Used when the intent classifier is unsure or says "not in the guide": if the
question's words are the guide's words ("will my scalp itch after?": itching
is in Allergic Reactions), the section that says them answers. A question
with a content word the guide never uses ("sauna", "shampoo", "ibuprofen")
is about something the guide does not cover, however well its other words
match, so the index declines it.

Standard library only; built at training time and stored in the model.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

# BM25 parameters (the usual defaults).
K1 = 1.2
B = 0.75
MIN_STEM_LENGTH = 3
_WORD = re.compile(r"[a-z]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# Words that carry no topic: function words, everyday verbs of asking and
# worrying, and the treatment's own names and time words that any question
# about it may use.
_STOP_WORD_LIST = """
    a about above after again against all also am an and any anything are as at
    be because been before being below between both but by can could did do does
    doing done down during each else even ever every few for from further get
    gets getting go goes going gone got had has have having he her here hers him
    his how i if in into is it its itself just like lot lots me might more most
    much must my myself need no nor not now of off ok okay on once only or other
    our out over own really same shall she should so some such than that the
    their them then there these they this those through to too under until up us
    very was way we well were what whats when where which while who why will
    with would yes you your yours
    actually bit big cause causes deal even happen happens issue issues know
    little make makes matter mean problem problems still stop tell think want
    worried worry
    allowed anyone appointment bad clinic common day days doctor fine guys hair
    hairs hour hours injection injections jab jabs kind later lol meso
    mesotherapy month months morning ngl night normal people person please pls
    possible practitioner procedure procedures safe scalp session sessions
    someone soon sort stuff tbh thing things time today tomorrow tonight
    treatment treatments usual usually week weeks
"""
STOP_WORDS = frozenset(_STOP_WORD_LIST.split())
# Irregular forms and plain synonyms folded onto the guide's own words.
SYNONYMS = {
    "swollen": "swell",
    "hurt": "pain",
    "hurts": "pain",
    "painful": "pain",
    "sore": "pain",
    "itchy": "itch",
    "rash": "rash",
    "rashes": "rash",
    "price": "cost",
    "prices": "cost",
    "pricey": "cost",
    "expensive": "cost",
    "dear": "cost",
    "regrow": "regrowth",
    "grow": "growth",
    "permanently": "permanent",
}
_SUFFIXES = ("ations", "ation", "ings", "ing", "ness", "ies", "ied", "ed", "es", "s")


def stem(word: str) -> str:
    """A crude, consistent stem: synonyms first, then common suffixes."""
    word = SYNONYMS.get(word, word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM_LENGTH:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith(("y", "e")) and len(word) > 4 else word


def content_stems(text: str) -> list[str]:
    """Stems of the words in text that carry meaning."""
    words = _WORD.findall(text.lower().replace("'", ""))
    return [stem(w) for w in words if w not in STOP_WORDS and len(w) >= MIN_STEM_LENGTH]


def inverse_frequencies(documents: list[Counter[str]]) -> dict[str, float]:
    """BM25's inverse document frequency of every stem in the documents."""
    frequency = Counter(stem for terms in documents for stem in terms)
    count = len(documents)
    return {
        term: math.log(1 + (count - n + 0.5) / (n + 0.5))
        for term, n in frequency.items()
    }


def bm25(
    query: list[str],
    terms: Counter[str],
    idf: dict[str, float],
    average_length: float,
) -> float:
    """BM25 score of one document (its stem counts) for the query stems."""
    norm = K1 * (1 - B + B * sum(terms.values()) / average_length)
    return sum(
        idf[term] * terms[term] * (K1 + 1) / (terms[term] + norm)
        for term in query
        if terms.get(term)
    )


@dataclass(frozen=True)
class Match:
    """The best-matching sentence of the guide for a question."""

    section: str
    sentence: str
    score: float


class GuideIndex:
    """BM25 over the guide's sentences, each labelled with its section."""

    def __init__(self, sentences: list[tuple[str, str]]) -> None:
        """Index (section, sentence) pairs."""
        self.sentences = sentences
        self.terms = [Counter(content_stems(text)) for _, text in sentences]
        lengths = [sum(t.values()) for t in self.terms]
        self.average_length = sum(lengths) / max(len(lengths), 1)
        self.idf = inverse_frequencies(self.terms)

    @classmethod
    def from_sections(cls, sections: dict[str, str]) -> GuideIndex:
        """Index every sentence of the given sections."""
        return cls(
            [
                (name, sentence)
                for name, text in sections.items()
                for sentence in _SENTENCE.split(text)
                if sentence.strip()
            ]
        )

    def as_dict(self) -> dict[str, Any]:
        """What persist() stores: the labelled sentences."""
        return {"sentences": [list(pair) for pair in self.sentences]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuideIndex:
        """Rebuild the index stored by as_dict()."""
        return cls([(section, text) for section, text in data["sentences"]])

    def unknown_words(self, text: str) -> list[str]:
        """Content stems of text that the guide never uses."""
        return [s for s in content_stems(text) if s not in self.idf]

    def _score(self, query: list[str], index: int) -> float:
        """BM25 score of sentence `index` for the query stems."""
        return bm25(query, self.terms[index], self.idf, self.average_length)

    def best_match(self, text: str) -> Match | None:
        """The best sentence for a question the guide can speak to, or None.

        None when the question has no content word, or uses one the guide
        never does.
        """
        query = content_stems(text)
        if not query or self.unknown_words(text):
            return None
        # Most question words covered first, then the BM25 score: a long
        # sentence holding the rare word beats a short one holding a common one.
        ranked = [
            (len(set(query) & self.terms[i].keys()), self._score(query, i), i)
            for i in range(len(self.sentences))
        ]
        _, score, best = max(ranked)
        section, sentence = self.sentences[best]
        return Match(section, sentence, score)
