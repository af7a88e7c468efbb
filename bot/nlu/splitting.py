"""Split a message into the questions and statements it is made of.

"does it hurt and how much does it cost?" holds two questions; "I'm terrified
of needles. How many sessions would I need?" a fact and a question. Each part
is classified on its own (bot.nlu.message_parts), so each gets its answer.

A sentence is split where a new clause starts with a question opener ("how",
"does", "will"...) after "and", "or", "also", "plus", a comma or a semicolon,
and a short comma list after a question head ("is it painful, expensive") is
spread out with that head ("is it painful" / "is it expensive"). Anything else
stays whole: splitting at every "and" would cut "swelling and bruising" apart.

Standard library only; patterns are compiled once at import time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Auxiliaries that open a question when a subject follows ("does it",
# "can I"); alone they may continue a statement ("and have been thinning").
_AUX = (
    r"does|doesnt|do|dont|did|is|isnt|are|arent|was|will|would|wont|can|cant|"
    r"could|should|shall|may|might|am|has|have|cn|cud|wud|shud|r"
)
# Auxiliaries that open a question even without a subject ("is swelling
# normal"); "have a nice day" and "am off now" are not questions.
_BARE_AUX = (
    r"does|doesnt|do|dont|is|isnt|are|arent|will|would|wont|can|cant|could|"
    r"should|shall|may|might|cn|cud|wud|shud|r"
)
_SUBJECT = (
    r"i|im|it|its|this|that|they|you|u|we|the|there|my|he|she|people|ppl|"
    r"meso\w*|hair|these|those"
)
_WH = (
    r"how|what|whats|which|when|where|why|who|whos|wat|wot|hw|tell me|explain|"
    r"what about|how about"
)
# What starts a new question inside a sentence.
_NEW_QUESTION = rf"(?:{_WH})\b|(?:{_AUX})\s+(?:{_SUBJECT})\b"
# What makes a clause a question at its start (fillers may come first:
# "like, should I...", "so is it...", "n does it...").
_LEAD_IN = r"(?:(?:like|so|and|n|but|ok|okay|oh|also|then|just|tbh|ngl|lol),?\s+)*"
_OPENER_START = re.compile(
    rf"^{_LEAD_IN}(?:{_NEW_QUESTION}|(?:{_BARE_AUX}|any|anything)\b|"
    r"i (?:want|need|would like|d like) to know\b|"
    r"(?:i was |im |just )?(?:wondering|curious)\b)",
    re.IGNORECASE,
)
# Sentence ends: ? ! : . (not inside a number) and line breaks.
_SENTENCE_END = re.compile(r"(?<=[?!:])\s*|(?<=\.)(?!\d)\s+|\s*\n+\s*")
# A clause boundary right before a new question: after a comma, semicolon
# or dash any question word will do ("I'm on steroids, is infection a risk?");
# after "and", "also"... a question word, or an auxiliary with its subject
# ("and have been thinning" goes on). "or" never splits: "can I wash it or
# should I wait?" is one question with two options.
_CLAUSE_BREAK = re.compile(
    r"\s*(?:[,;]|\s[—–+&-])\s*(?:(?:and|also|plus|but|so)\s+)?(?:also\s+|then\s+)?"
    rf"(?=(?:{_WH}|{_AUX}|any|anything)\b)"
    r"|\s+(?:and|also|plus|oh and|but|so)\s+(?:also\s+|then\s+)?"
    rf"(?={_NEW_QUESTION})",
    re.IGNORECASE,
)
# A question head that a short comma list can share: "is it", "will I be".
_HEAD = re.compile(
    r"^((?:is|are|will|would|can|could|does|do|was|am)\s+"
    r"(?:it|this|that|they|i|the treatment|mesotherapy|meso)"
    r"(?:\s+(?:be|get|feel|very|really|too))?)\s+(.+)$",
    re.IGNORECASE,
)
_LIST_ITEM_SPLIT = re.compile(r"\s*(?:,|\bor\b|\band\b)\s*", re.IGNORECASE)
# Where a ramble turns to another subject ("oh and", "but anyway"), and how
# long a sentence must be to count as a ramble.
_TOPIC_TURN = re.compile(
    r"\s*\b(?:oh and|and also|also|but anyway|so anyway|anyway|so yeah|"
    r"by the way|btw)\b\s*",
    re.IGNORECASE,
)
MIN_RAMBLE_WORDS = 25
# A relative pronoun, and how short the noun before it is ("my son, who").
_RELATIVE = re.compile(r"^(?:who|whos|whose|which)\b(?!.*\?\s*$)", re.IGNORECASE)
MAX_NOUN_WORDS = 3
# A comma list item this short is a word or two, not a clause of its own.
MAX_LIST_ITEM_WORDS = 3
# Chat fillers that say nothing by themselves.
_FILLER = re.compile(
    r"^(?:ok|okay|so|well|hi|hey|hello|yo|um|erm|right|also|and|thanks|lol|"
    r"ngl|tbh|pls|please)\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Part:
    """One clause of a message and whether it asks something."""

    text: str
    is_question: bool


def sentences(text: str) -> list[str]:
    """Split text at sentence ends and line breaks, dropping empty pieces."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def topic_turns(sentence: str) -> list[str]:
    """Split an unpunctuated ramble where it turns to another subject.

    "...sun cream on my head oh and the bleeding hasnt stopped but anyway
    about the sun..." is one sentence to `sentences`; its middle is a report
    of its own. A sentence shorter than MIN_RAMBLE_WORDS stays whole.
    """
    if len(sentence.split()) < MIN_RAMBLE_WORDS:
        return [sentence]
    pieces = (p.strip(" ,;") for p in _TOPIC_TURN.split(sentence))
    return [p for p in pieces if p]


def _spread_list(clause: str) -> list[str]:
    """'is it painful, expensive' -> ['is it painful', 'is it expensive']."""
    match = _HEAD.match(clause.rstrip("?!. "))
    if not match or "," not in clause:
        return [clause]
    head, rest = match.groups()
    items = [item for item in _LIST_ITEM_SPLIT.split(rest) if item]
    if len(items) < 2 or any(len(i.split()) > MAX_LIST_ITEM_WORDS for i in items):
        return [clause]
    return [f"{head} {item}" for item in items]


def _clauses(sentence: str) -> list[str]:
    """Split a sentence before each clause that opens a new question."""
    pieces = _rejoin_relatives([p.strip(" ,;") for p in _CLAUSE_BREAK.split(sentence)])
    return [c for p in pieces if p for c in _spread_list(p)]


def _rejoin_relatives(pieces: list[str]) -> list[str]:
    """Put a relative clause back on the noun it describes.

    "My son, who would be the one treated, works nights" is one statement:
    "who" after a bare noun ("My son") opens no question, and the statement
    goes on after it ("works nights", "is pregnant") unless a question mark
    ends what follows. After a
    clause of its own ("I'm torn between PRP and meso, which is better?") it
    opens one.
    """
    joined: list[str] = []
    after_relative = False
    for piece in pieces:
        relative = bool(joined and _RELATIVE.match(piece))
        if (
            relative
            and len(joined[-1].split()) <= MAX_NOUN_WORDS
            or (after_relative and not piece.endswith("?"))
        ):
            joined[-1] = f"{joined[-1]}, {piece}"
            after_relative = relative
        else:
            joined.append(piece)
            after_relative = False
    return joined


def is_question(text: str) -> bool:
    """True when a clause asks something: a question mark or an opener."""
    stripped = text.strip()
    return stripped.endswith("?") or bool(_OPENER_START.match(stripped))


def split_message(text: str) -> list[Part]:
    """The parts of a message in the order written; one part if it is simple."""
    parts = [
        Part(clause, is_question(clause))
        for sentence in sentences(text)
        for clause in _clauses(sentence)
        if not _FILLER.match(clause)
    ]
    return parts or [Part(text.strip(), is_question(text))]
