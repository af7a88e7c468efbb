"""Assertion status of the symptoms a message mentions, with negspacy.

A symptom word alone says little: "no fever", "what if I get a fever",
"I had a fever years ago", "my mum had a fever" and "I have a fever" use the
same word. NegEx (negspacy) marks a mention negated when a trigger phrase
comes before or after it in the same stretch of sentence; ConText, the
clinical standard, extends the same algorithm to hypothetical, historical
and other-experiencer mentions with their own trigger lists. This module runs
negspacy's Negex four times, once per status, each with its trigger list
below, over the symptom mentions an entity ruler finds.

It runs on its own blank English pipeline (tokenizer, sentencizer, entity
ruler): a few tenths of a millisecond a message, no model to load.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import negspacy.negation  # noqa: F401 (registers the "negex" factory)
import spacy
from negspacy.termsets import termset
from spacy.language import Language
from spacy.tokenizer import Tokenizer

SYMPTOM_LABEL = "SYMPTOM"

# Symptom mentions: token patterns on the lower-case text. Phrases such as
# "cant breathe" are one mention, so the "cant" inside is not a negation.
_SYMPTOM_REGEXES: tuple[str, ...] = (
    r"swell\w*|swollen|swole|puff\w*|bloat\w*",
    r"rash\w*|hives?|welts?|itch\w*|blotch\w*",
    r"wheez\w*|breathless\w*|gasp\w*|chok\w*",
    r"faint\w*|dizz\w*|lightheaded|woozy|collaps\w*|unconscious|unresponsive",
    r"seizures?|fits?|fitting|convuls\w*",
    r"bleed\w*|blood\w*|bled",
    r"fevers?|feverish|temperature|chills|shiver\w*|sweats?",
    r"pus|discharge|ooz\w*|weep\w*|leak\w*|crust\w*|abscess\w*|boils?",
    r"red\w*|inflam\w*|streaks?|hot|warm|throb\w*",
    r"infect\w*|pain\w*|hurt\w*|sore\w*|tender\w*|ache\w*|aching|headaches?|migraines?",
    r"tingl\w*|numb\w*|lumps?|bumps?|bruis\w*|scabs?|spots?",
    r"suicid\w*|overdose|selfharm",
    r"reaction\w*|allerg\w*|anaphyla\w*",
)
_SYMPTOM_PHRASES: tuple[list[dict[str, Any]], ...] = (
    [{"LOWER": {"IN": ["cant", "cannot", "couldnt"]}},
     {"LOWER": {"REGEX": r"^(breath|swallow|stop|stay|wake|talk)"}}],
    [{"LOWER": {"IN": ["passed", "pass", "passing", "blacked", "black"]}},
     {"LOWER": "out"}],
    [{"LOWER": {"IN": ["kill", "hurt", "harm", "cut", "end"]}},
     {"LOWER": {"IN": ["myself", "himself", "herself", "themselves", "themself"]}}],
    [{"LOWER": {"IN": ["wont", "doesnt", "not"]}},
     {"LOWER": {"REGEX": r"^(stop|clot)"}}],
)  # fmt: skip

# ConText trigger lists for the three statuses NegEx does not cover.
# Each needs negspacy's four keys.
HYPOTHETICAL: dict[str, list[str]] = {
    "pseudo_negations": ["if only", "even if"],
    "preceding_negations": [
        "if", "what if", "in case", "suppose", "supposing", "could", "might",
        "would", "will", "may", "can it", "does it", "do people", "does anyone",
        "risk of", "risks of", "chance of", "signs of", "symptoms of",
        "worried", "afraid", "scared", "nervous", "should i", "how do i know",
        "what happens", "possible", "whether", "avoid", "prevent", "before",
        "next time", "how common",
    ],
    "following_negations": ["possible", "a side effect", "side effect", "risk"],
    "termination": ["but", "however", "now", "right now", "since", "and now",
                    "today", "already", "currently"],
}  # fmt: skip
HISTORICAL: dict[str, list[str]] = {
    "pseudo_negations": ["since then"],
    "preceding_negations": [
        "once", "years ago", "last year", "as a kid", "as a child",
        "when i was", "used to", "history of", "back in", "in the past",
        "previously", "in my twenties", "at school", "when he was",
        "when she was", "when they were", "growing up", "as a teenager",
    ],
    "following_negations": [
        "years ago", "last year", "as a child", "as a kid", "once",
        "in the past", "back then", "when i was little", "when i was younger",
        "last month", "last time", "at school", "long ago", "a while ago",
        "ages ago", "when he was little", "when she was little",
        "when he was younger", "when she was younger", "as a baby",
        "at my last", "at his last", "at her last", "at their last",
        "years back", "growing up",
    ],
    "termination": ["but", "now", "this time", "today", "since", "and now",
                    "again"],
}  # fmt: skip
RELATIONS: tuple[str, ...] = (
    "mum", "mom", "mother", "dad", "father", "husband", "wife", "partner",
    "sister", "brother", "son", "daughter", "friend", "boyfriend", "girlfriend",
    "client", "flatmate", "roommate", "colleague", "aunt", "uncle", "gran",
    "grandma", "grandad", "cousin", "fiance", "fiancee", "bf", "gf", "kid",
    "child", "patient", "mate", "neighbour", "neighbor",
)  # fmt: skip
OTHER_EXPERIENCER: dict[str, list[str]] = {
    "pseudo_negations": ["my own"],
    # "my dads face": possessives arrive without their apostrophe.
    "preceding_negations": [
        *(f"my {relation}" for relation in RELATIONS),
        *(f"my {relation}s" for relation in RELATIONS),
        "his", "her", "he", "she", "hes", "shes", "their", "they", "theyre",
    ],
    "following_negations": [],
    "termination": ["i", "im", "i'm", "me", "my own", "myself"],
}  # fmt: skip

# Status name -> (negspacy extension, trigger lists).
STATUSES: dict[str, dict[str, list[str]]] = {
    "negated": termset("en_clinical").get_patterns(),
    "hypothetical": HYPOTHETICAL,
    "historical": HISTORICAL,
    "other": OTHER_EXPERIENCER,
}
# Phrases that look like negation triggers but report the symptom.
_NOT_NEGATIONS = ["cant stop", "wont stop", "not stop", "not getting better"]
# Contractions as the risk model's normalisation writes them (no apostrophe).
_MORE_NEGATIONS = ["havent", "hasnt", "hadnt", "no more", "not any", "nothing like"]


@dataclass(frozen=True)
class Assertions:
    """How many symptom mentions a message has, and how many of each status."""

    mentions: int = 0
    affirmed: int = 0
    negated: int = 0
    hypothetical: int = 0
    historical: int = 0
    other: int = 0

    def as_features(self) -> list[float]:
        """Fixed-order numeric features for the risk model."""
        return [
            float(min(value, 3))
            for value in (
                self.mentions,
                self.affirmed,
                self.negated,
                self.hypothetical,
                self.historical,
                self.other,
            )
        ]


FEATURE_NAMES = (
    "mentions",
    "affirmed",
    "negated",
    "hypothetical",
    "historical",
    "other",
)


def _negated_termset() -> dict[str, list[str]]:
    """Negspacy's clinical termset, plus "can't stop" as a pseudo-negation."""
    patterns = {key: list(values) for key, values in STATUSES["negated"].items()}
    patterns["pseudo_negations"] += _NOT_NEGATIONS
    patterns["preceding_negations"] += _MORE_NEGATIONS
    return patterns


@cache
def pipeline() -> Language:
    """The blank English pipeline that marks each symptom mention's status."""
    nlp = spacy.blank("en")
    # The text is normalised already: tokens separated by spaces, and "cant"
    # must stay one token (spaCy's English rules would split it).
    nlp.tokenizer = Tokenizer(nlp.vocab)
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    patterns = [
        {"label": SYMPTOM_LABEL, "pattern": [{"LOWER": {"REGEX": f"^(?:{regex})$"}}]}
        for regex in _SYMPTOM_REGEXES
    ] + [{"label": SYMPTOM_LABEL, "pattern": phrase} for phrase in _SYMPTOM_PHRASES]
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    for status, triggers in STATUSES.items():
        chosen = _negated_termset() if status == "negated" else triggers
        nlp.add_pipe(
            "negex",
            name=f"context_{status}",
            config={"neg_termset": chosen, "extension_name": f"context_{status}"},
        )
    return nlp


@lru_cache(maxsize=4096)
def assertions(normalised: str) -> Assertions:
    """Count the symptom mentions by status, in text normalised as the model's."""
    doc = pipeline()(normalised)
    counts = dict.fromkeys(STATUSES, 0)
    affirmed = 0
    for mention in doc.ents:
        flags = {s: bool(getattr(mention._, f"context_{s}")) for s in STATUSES}
        for status, flagged in flags.items():
            counts[status] += flagged
        # Someone else's current symptom is still a report.
        affirmed += not (
            flags["negated"] or flags["hypothetical"] or flags["historical"]
        )
    return Assertions(mentions=len(doc.ents), affirmed=affirmed, **counts)
