"""Answer what the guide leaves open from the clinic's own notes, when one matches.

Runs last in the NLU pipeline. A question the guide does not cover
(``ask_beyond_guide``, the whole message or one of its parts) is matched
against the clinic's notes (bot.clinic_notes) with BM25 over word stems,
as the guide index matches the guide; the best note answers when its score
reaches ``min_score`` (measured, see config.yml). The guide comes first: a
question with a guide intent is never looked up. Safety comes first: a
report or a crisis has an intent of its own, and a question the risk gate
marked as possibly a report (``risk_check``), or that mentions a symptom at
all, is not answered from a note.

The notes are read when the component is created, which is when the server
starts: a changed notes file needs a restart, not a new model.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.clinic_notes import Note, load, notes_path
from bot.nlu.guide_index import bm25, content_stems, inverse_frequencies
from bot.nlu.intents import set_intent
from bot.nlu.message_parts import MESSAGE_PARTS_KEY, RISK_CHECK_KEY
from bot.nlu.rule_based import RuleBasedComponent

logger = logging.getLogger(__name__)
# Parse-result key: the matched note, on the message or on one of its parts.
CLINIC_NOTE_KEY = "clinic_note"
# The heading says what a note is about: its words count this many times.
HEADING_WEIGHT = 2
# A message that mentions a symptom is never answered from a note, even when
# the risk gate let it through as a question: "my scalp started oozing after
# I washed it, what should I do?" must not get the washing instructions.
SYMPTOM_WORDS = re.compile(
    r"\b(?:ooz\w*|pus|pussy|rash\w*|itch\w*|redness|reddened|inflam\w*|swell\w*|"
    r"swollen|puff\w*|bruis\w*|bleed\w*|blood\w*|pain\w*|sore\w*|hurt\w*|"
    r"ache\w*|aching|tender\w*|fever\w*|temperature|shiver\w*|chills|lumps?|"
    r"bumps?|blister\w*|burn\w*|sting\w*|numb\w*|tingl\w*|infect\w*|throb\w*|"
    r"scab\w*|crust\w*|weep\w*|discharge|hives|dizz\w*|faint\w*|headache\w*|"
    r"nause\w*|vomit\w*|breath\w*|wheez\w*|spots?|sick|unwell|hot to the touch)",
    re.IGNORECASE,
)


class NotesIndex:
    """BM25 over the notes, each note one document (heading and text)."""

    def __init__(self, notes: list[Note]) -> None:
        """Index the notes."""
        self.notes = notes
        self.terms = [
            Counter(content_stems(f"{note.heading} " * HEADING_WEIGHT + note.text))
            for note in notes
        ]
        self.idf = inverse_frequencies(self.terms)
        self.vocabulary = set(self.idf)
        lengths = [sum(terms.values()) for terms in self.terms]
        self.average_length = sum(lengths) / max(len(lengths), 1)

    def best(self, text: str) -> NoteMatch | None:
        """The best note for a question; None if no word of it matches."""
        query = content_stems(text)
        scored = [
            (bm25(query, terms, self.idf, self.average_length), index)
            for index, terms in enumerate(self.terms)
        ]
        score, index = max(scored, default=(0.0, -1))
        if score <= 0:
            return None
        known = set(query) & self.vocabulary
        shared = known & self.terms[index].keys()
        return NoteMatch(self.notes[index], score, len(shared) / len(known))


@dataclass(frozen=True)
class NoteMatch:
    """The best note for a question, its BM25 score and its coverage.

    Coverage is the share of the question's content words known to the
    notes (used by any of them) that this note uses: "can I go in the jacuzzi
    at the hotel after?" asks about whatever note says "jacuzzi", whatever
    else it mentions.
    """

    note: Note
    score: float
    coverage: float


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class ClinicNotesMatcher(RuleBasedComponent):
    """Turns a "not in the guide" question that a clinic note answers into one."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults; config.yml sets and explains each."""
        return {
            "beyond_guide_intent": "ask_beyond_guide",
            "note_intent": "ask_clinic_note",
            "min_score": 1.5,
            "min_coverage": 0.5,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Read the clinic's notes (none without a notes file) and index them."""
        super().__init__(config)
        notes = load(notes_path())
        self.index = NotesIndex(notes) if notes else None
        if notes:
            logger.info(f"Answering from {len(notes)} clinic notes.")

    def match(self, text: str) -> dict[str, str] | None:
        """The note that answers `text`, as the parse result carries it, or None."""
        if SYMPTOM_WORDS.search(text):
            return None
        found = self.index.best(text) if self.index else None
        if (
            not found
            or found.score < self.component_config["min_score"]
            or found.coverage < self.component_config["min_coverage"]
        ):
            return None
        return {"heading": found.note.heading, "text": found.note.text}

    def process(self, messages: list[Message]) -> list[Message]:
        """Attach the matching note to each uncovered question."""
        if not self.index:
            return messages
        beyond = self.component_config["beyond_guide_intent"]
        for message in messages:
            if message.get(RISK_CHECK_KEY) or not isinstance(message.get(TEXT), str):
                continue
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            note = self.match(message.get(TEXT)) if intent == beyond else None
            if note:
                message.set(CLINIC_NOTE_KEY, note, add_to_output=True)
                set_intent(message, self.component_config["note_intent"], 1.0, "notes")
            for part in message.get(MESSAGE_PARTS_KEY) or []:
                if part.get(INTENT_NAME_KEY) == beyond and (
                    note := self.match(part[TEXT])
                ):
                    part[CLINIC_NOTE_KEY] = note
        return messages
