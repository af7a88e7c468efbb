"""Five outcomes for a message, decided before any answer.

1. emergency: airway, anaphylaxis, collapse, bleeding that won't stop;
2. crisis: suicidal thoughts or plans, self-harm, in anyone;
3. same_day: infection signs, worsening;
4. symptom_now: a symptom after a session that is not a red flag;
5. question: answered as a question. When the risk model leans towards a
   report without reaching a report outcome, the answer is followed by the
   conditional "If this is happening now: ..." line (`check`).

A risk is urgent when either the deterministic patterns
(bot.safety.red_flags) or the risk model (bot.safety.risk_model) says so.
A pattern's match is set aside when the model is sure the message is a
question, or fairly sure while negspacy finds no affirmed symptom: leaving
one writer out, the patterns alone flagged 185 of 3,610 contrast messages
("I fainted once at school", "didn't feel faint at all"), most of which the
model reads as questions, while "is it normal that my tongue is swelling?"
must stay urgent. The thresholds are
config.yml's, measured with `make risk-cv`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.safety.assertion import RELATIONS, Assertions, assertions
from bot.safety.red_flags import (
    DISTRESS,
    EMERGENCY,
    INFECTION,
    detect_red_flag,
    normalise,
)
from bot.safety.risk_model import (
    CRISIS,
    LABELS,
    QUESTION,
    SAME_DAY,
    SYMPTOM_NOW,
    URGENT_LABELS,
)
from bot.safety.risk_model import EMERGENCY as EMERGENCY_LABEL

# The detector's intents, as outcomes.
PATTERN_OUTCOMES = {EMERGENCY: EMERGENCY_LABEL, DISTRESS: CRISIS, INFECTION: SAME_DAY}
# Outcome kinds: what the person is sent.
URGENT, SYMPTOM, CHECK, NONE = "urgent", "symptom", "check", "none"

_THIRD_PERSON_RE = re.compile(
    rf"\b(?:my (?:{'|'.join(RELATIONS)})s?|"
    r"he|she|hes|shes|him|his|her|they|theyre|them|their)\b"
)
_FIRST_PERSON_RE = re.compile(r"\b(?:i|im|ive|id|ill|me|myself|mine)\b")


# Each threshold's key in config.yml.
CONFIG_KEYS = {
    "urgent": "urgent_threshold",
    "symptom": "symptom_threshold",
    "check": "check_threshold",
    "pattern_veto": "pattern_veto",
    "sure_question": "sure_question",
}


@dataclass(frozen=True)
class Thresholds:
    """Probability thresholds of the decision, from config.yml."""

    # Sum of the urgent labels' probabilities that makes a report urgent.
    urgent: float = 0.5
    # Sum of the report labels' probabilities that makes a symptom report.
    symptom: float = 0.5
    # Report probability above which an answer gets the conditional line.
    check: float = 0.25
    # A pattern's match is set aside when the model gives "question" at least
    # this probability and no symptom mention is affirmed ("no fever",
    # "what if my throat swells?", "I fainted once at school")...
    pattern_veto: float = 0.5
    # ... or at least this probability whatever the mentions.
    sure_question: float = 0.8

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Thresholds:
        """The thresholds a component's config names; the defaults for the rest."""
        return cls(
            **{f: config[key] for f, key in CONFIG_KEYS.items() if key in config}
        )

    def as_config(self) -> dict[str, float]:
        """The thresholds under their config.yml keys."""
        return {key: getattr(self, f) for f, key in CONFIG_KEYS.items()}


@dataclass(frozen=True)
class Decision:
    """The outcome for a message, and what decided it."""

    outcome: str
    # urgent, symptom, check or none
    kind: str
    # "patterns", "model" or "" for a plain question.
    source: str
    # "self" or "other": who the report is about, for the wording.
    experiencer: str = "self"


def urgent_probability(probabilities: np.ndarray) -> float:
    """The risk model's probability of the urgent outcomes together."""
    return float(sum(probabilities[LABELS.index(label)] for label in URGENT_LABELS))


def report_probability(probabilities: np.ndarray) -> float:
    """... and of every report outcome: the urgent ones and a symptom now."""
    return urgent_probability(probabilities) + float(
        probabilities[LABELS.index(SYMPTOM_NOW)]
    )


def decide(text: str, probabilities: np.ndarray, thresholds: Thresholds) -> Decision:
    """The outcome of one message, from the patterns and the model's row."""
    p = dict(zip(LABELS, probabilities.tolist(), strict=True))
    pattern = detect_red_flag(text)
    normalised = normalise(text)
    found = assertions(normalised)
    who = experiencer(normalised, found)
    if pattern is not None and not _set_aside(found, p[QUESTION], thresholds):
        return Decision(PATTERN_OUTCOMES[pattern], URGENT, "patterns", who)
    urgent_mass = urgent_probability(probabilities)
    if urgent_mass >= thresholds.urgent:
        outcome = max(URGENT_LABELS, key=p.__getitem__)
        return Decision(outcome, URGENT, "model", who)
    if report_probability(probabilities) >= thresholds.symptom:
        return Decision(SYMPTOM_NOW, SYMPTOM, "model", who)
    if 1.0 - p[QUESTION] >= thresholds.check:
        return Decision(QUESTION, CHECK, "model", who)
    return Decision(QUESTION, NONE, "")


def _set_aside(found: Assertions, question: float, thresholds: Thresholds) -> bool:
    """Whether the model and the assertion status overrule a pattern's match."""
    if question >= thresholds.sure_question:
        return True
    return found.mentions > found.affirmed == 0 and question >= thresholds.pattern_veto


def experiencer(normalised: str, found: Assertions) -> str:
    """Who a report is about: "other" for someone else, else "self"."""
    if found.other and found.other >= found.affirmed:
        return "other"
    if _THIRD_PERSON_RE.search(normalised) and not _FIRST_PERSON_RE.search(normalised):
        return "other"
    return "self"
