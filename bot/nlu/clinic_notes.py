"""Answer what the guide leaves open from the clinic's own notes, when one matches.

Runs last in the NLU pipeline. A question the guide does not cover (one of
``answerable_intents``: "not covered", and the replies a practical question
used to be mistaken for, such as off-topic; the whole message or one of its
parts) is matched against the clinic's notes (bot.clinic_notes) by meaning,
with the sentence embedding, and by words, with BM25; the best note answers
when its score reaches ``min_score`` (measured, see config.yml). The guide
comes first: a question with a guide intent is never looked up. Safety comes
first: a report or a crisis has an intent of its own, and a question the
risk gate marked as possibly a report (``risk_check``), or that mentions a
symptom at all, is not answered from a note.

The notes file is checked on every message and read again when it changes
(NotesFile): a clinic's edit takes effect on the next message, with no
restart and no new model.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.clinic_notes import Note, NotesError, load, notes_path
from bot.nlu.guide_index import bm25, content_stems, inverse_frequencies
from bot.nlu.intents import set_intent
from bot.nlu.message_parts import MESSAGE_PARTS_KEY, RISK_CHECK_KEY
from bot.nlu.rule_based import RuleBasedComponent
from bot.nlu.splitting import sentences
from bot.semantic.encoder import sentence_encoder

logger = logging.getLogger(__name__)
# Parse-result key: the matched note, on the message or on one of its parts.
CLINIC_NOTE_KEY = "clinic_note"
# The heading says what a note is about: its words count this many times.
HEADING_WEIGHT = 2
# A note answers when its score reaches MIN_SCORE; BM25 counts at
# BM25_WEIGHT beside the cosine. Measured in config.yml.
MIN_SCORE = 0.6
BM25_WEIGHT = 0.1
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
    """The notes, matched to a question by meaning with word overlap beside it.

    Each note is embedded as its heading, each of its sentences, and the
    whole note; a question's similarity to a note is the highest cosine to
    any of these (a note about several activities matches a question about
    one of them). BM25 over word stems, weighted by ``bm25_weight``, adds the
    exact words a clinic chose ("bleach", "jacuzzi") that the embedding may
    rate below a looser paraphrase.
    """

    def __init__(self, notes: list[Note], bm25_weight: float = BM25_WEIGHT) -> None:
        """Index the notes (embedding them takes about 10 ms a sentence)."""
        self.notes = notes
        self.bm25_weight = bm25_weight
        self.terms = [
            Counter(content_stems(f"{note.heading} " * HEADING_WEIGHT + note.text))
            for note in notes
        ]
        self.idf = inverse_frequencies(self.terms)
        lengths = [sum(terms.values()) for terms in self.terms]
        self.average_length = sum(lengths) / max(len(lengths), 1)
        pieces = [
            (i, piece) for i, note in enumerate(notes) for piece in pieces_of(note)
        ]
        self.owners = np.array([i for i, _ in pieces])
        self.vectors = sentence_encoder().encode_many([text for _, text in pieces])

    def scores(self, text: str) -> np.ndarray:
        """Each note's score for a question: best cosine plus weighted BM25."""
        similarities = self.vectors @ sentence_encoder().encode([text])[0]
        query = content_stems(text)
        return np.array(
            [
                similarities[self.owners == i].max()
                + self.bm25_weight * bm25(query, terms, self.idf, self.average_length)
                for i, terms in enumerate(self.terms)
            ]
        )

    def best(self, text: str) -> NoteMatch | None:
        """The best note for a question and its score; None without notes."""
        if not self.notes:
            return None
        scores = self.scores(text)
        index = int(scores.argmax())
        return NoteMatch(self.notes[index], float(scores[index]))

    def answer(self, text: str, min_score: float = MIN_SCORE) -> Note | None:
        """The note that answers a question, if its score reaches `min_score`."""
        found = self.best(text)
        return found.note if found and found.score >= min_score else None


def pieces_of(note: Note) -> list[str]:
    """What a note is embedded as: its heading, its sentences, and all of it."""
    return [note.heading, *sentences(note.text), f"{note.heading}. {note.text}"]


@dataclass(frozen=True)
class NoteMatch:
    """The best note for a question, and its score (NotesIndex.scores)."""

    note: Note
    score: float


class NotesFile:
    """The clinic's notes file, read again whenever it changes.

    A clinic edits its notes while the server runs; the next message sees
    them, with no restart. A changed file that is not valid (bot.clinic_notes
    names the problem) is logged and the notes already read stay in use, so
    a half-saved edit never leaves people without answers.
    """

    def __init__(self, path: Path, bm25_weight: float = BM25_WEIGHT) -> None:
        """Read the notes at `path` (none while it doesn't exist)."""
        self.path = path
        self.bm25_weight = bm25_weight
        self.version: tuple[int, int] | None = None
        self.index: NotesIndex | None = None
        self.refresh()

    def refresh(self) -> NotesIndex | None:
        """The index of the file's current notes (None without notes)."""
        try:
            stat = self.path.stat()
            version: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            version = None
        if version == self.version:
            return self.index
        self.version = version
        try:
            notes = load(self.path)
        except NotesError as error:
            logger.error(
                f"Clinic notes not reloaded; the last valid ones stay: {error}"
            )
            return self.index
        self.index = NotesIndex(notes, self.bm25_weight) if notes else None
        logger.info(f"Answering from {len(notes)} clinic notes ({self.path.name}).")
        return self.index


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class ClinicNotesMatcher(RuleBasedComponent):
    """Turns a "not in the guide" question that a clinic note answers into one."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults; config.yml sets and explains each."""
        return {
            "answerable_intents": ["ask_beyond_guide"],
            "note_intent": "ask_clinic_note",
            "min_score": MIN_SCORE,
            "bm25_weight": BM25_WEIGHT,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Read the clinic's notes (none without a notes file) and index them."""
        super().__init__(config)
        self.notes_file = NotesFile(notes_path(), self.component_config["bm25_weight"])

    def match(self, index: NotesIndex, text: str) -> dict[str, str] | None:
        """The note that answers `text`, as the parse result carries it, or None."""
        if SYMPTOM_WORDS.search(text):
            return None
        note = index.answer(text, self.component_config["min_score"])
        return {"heading": note.heading, "text": note.text} if note else None

    def process(self, messages: list[Message]) -> list[Message]:
        """Attach the matching note to each uncovered question."""
        index = self.notes_file.refresh()
        if not index:
            return messages
        answerable = set(self.component_config["answerable_intents"])
        for message in messages:
            if message.get(RISK_CHECK_KEY) or not isinstance(message.get(TEXT), str):
                continue
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            text = message.get(TEXT)
            note = self.match(index, text) if intent in answerable else None
            if note:
                message.set(CLINIC_NOTE_KEY, note, add_to_output=True)
                set_intent(message, self.component_config["note_intent"], 1.0, "notes")
            for part in message.get(MESSAGE_PARTS_KEY) or []:
                if part.get(INTENT_NAME_KEY) in answerable and (
                    note := self.match(index, part[TEXT])
                ):
                    part[CLINIC_NOTE_KEY] = note
        return messages
