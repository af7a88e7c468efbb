"""Classify each part of a message, so that every question gets its answer.

`MessageSplitter` runs first in the pipeline: for a message with several
clauses (bot.nlu.splitting) it appends one extra message per clause, so the
featurizers, the classifier and the answer router process the parts beside
the whole message in the same batch. `PartsCollector` runs last: it removes
the parts again and, when the message asked two or more things, or stated a
personal factor and asked something, it sets one of the combined intents and
lists the answers in order under `message_parts` in the parse result.
actions/answers.py then sends each answer, with its own citation.

The risk gate judges the whole message only (it skips parts), and a message
it marked urgent is never combined: the urgent reply comes alone. A question
it marked `risk_check` is always listed, so that the conditional safety line
follows its answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intents import set_intent
from bot.nlu.rule_based import RuleBasedComponent
from bot.nlu.splitting import Part, is_question, split_message

# Set on the extra messages: the index of the message they are a part of.
PART_OF_KEY = "part_of"
PART_IS_QUESTION_KEY = "part_is_question"
# Parse-result key listing the answers of a combined message, in order.
MESSAGE_PARTS_KEY = "message_parts"
# Key of a listed follow-up's own topic.
TOPIC_KEY = "topic"
# Set by the risk gate (bot.nlu.risk_gate) on a question that may also be a
# report: the answers are followed by the conditional safety line.
RISK_CHECK_KEY = "risk_check"


@dataclass(frozen=True)
class Answer:
    """One question of a message: the intent that answers it, and its words."""

    intent: str
    text: str
    confidence: float
    # For a follow-up: the topic it names, if any.
    topic: str | None = None


def is_part(message: Message) -> bool:
    """True for the extra per-clause messages MessageSplitter adds."""
    return message.get(PART_OF_KEY) is not None


# Registered as an extractor: Rasa wires tokenizers and featurizers to a
# model provider, which this component does not need.
@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class MessageSplitter(RuleBasedComponent):
    """Adds one message per clause of a message that has several."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Append the parts of every multi-clause message to the batch."""
        parts: list[Message] = []
        for index, message in enumerate(messages):
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/"):
                continue
            clauses = split_message(text)
            if len(clauses) > 1:
                parts += [_part_message(clause, index) for clause in clauses]
        return messages + parts


def _part_message(part: Part, index: int) -> Message:
    """A message for one clause, pointing back at its whole message."""
    return Message(
        data={
            TEXT: part.text,
            PART_OF_KEY: index,
            PART_IS_QUESTION_KEY: part.is_question,
        }
    )


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class PartsCollector(RuleBasedComponent):
    """Turns the classified parts into one intent and an ordered answer list."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults; config.yml sets and explains each."""
        return {
            "answer_intents": [],
            "conversational_intents": [],
            "factor_intent": "share_factor",
            "several_questions_intent": "several_questions",
            "fact_and_question_intent": "fact_and_question",
            "safety_line_intent": "answer_with_safety_line",
            "min_part_confidence": 0.3,
            "followup_prefix": "followup_",
            "topic_entity": "topic",
            "topic_words": {},
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Store the config and compile the topic words."""
        super().__init__(config)
        self.config = self.component_config
        self.answer_intents = frozenset(self.config["answer_intents"])
        self.topic_words = {
            topic: re.compile(rf"\b(?:{words})\b", re.IGNORECASE)
            for topic, words in self.config["topic_words"].items()
        }
        # Intents a message may have and still be combined or re-aimed at the
        # question it holds ("hi! does it hurt?"). Prep sheet, erasure, urgent
        # replies and the rest are never overridden.
        self.open_intents = frozenset(
            [
                *self.answer_intents,
                *self.config["conversational_intents"],
                self.config["factor_intent"],
            ]
        )

    def process(self, messages: list[Message]) -> list[Message]:
        """Fold each message's parts into it, and drop the parts from the batch."""
        wholes = []
        for index, message in enumerate(messages):
            if is_part(message):
                continue
            parts = [m for m in messages if m.get(PART_OF_KEY) == index]
            self._combine(message, parts)
            wholes.append(message)
        return wholes

    def _combine(self, message: Message, parts: list[Message]) -> None:
        """Set the combined intent when the message holds several answers."""
        name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if name not in self.open_intents:
            return
        # Only the personal-factor extractor has set entities so far.
        has_factor = bool(message.get(ENTITIES))
        text = message.get(TEXT)
        answers = [self._with_topic(a, text) for a in self._answers(message, parts)]
        self._add_topic_entity(message, answers)
        several = len({answer.intent for answer in answers}) >= 2
        # A question the risk gate leans on: its answer, then the conditional
        # line (never the line alone: an answer leads, the line follows).
        checked = bool(answers) and bool(message.get(RISK_CHECK_KEY))
        if several or (has_factor and answers) or checked:
            if has_factor and answers:
                combined = self.config["fact_and_question_intent"]
            elif several:
                combined = self.config["several_questions_intent"]
            else:
                combined = self.config["safety_line_intent"]
            set_intent(message, combined, 1.0, by=type(self).__name__)
            listed = [
                {INTENT_NAME_KEY: a.intent, TEXT: a.text, TOPIC_KEY: a.topic}
                for a in answers
            ]
            message.set(MESSAGE_PARTS_KEY, listed, add_to_output=True)
        elif has_factor and not answers and name in self.answer_intents:
            # A fact stated without a question ("I'm on warfarin for my
            # heart") is noted, not answered as if it asked something.
            set_intent(message, self.config["factor_intent"], 1.0, type(self).__name__)
        elif answers and answers[0].intent != name:
            # One question, asked more clearly by its own clause than by the
            # whole message ("hi! does it hurt?", background then a question).
            answer = answers[0]
            set_intent(message, answer.intent, answer.confidence, type(self).__name__)

    def _answers(self, message: Message, parts: list[Message]) -> list[Answer]:
        """Each answerable question, in the order asked.

        With one question or none, the better of its clause and the whole
        message: "I'm a wimp with pain, would this be too much for me?" asks
        about pain, which only the whole message says.
        """
        questions = [p for p in parts if p.get(PART_IS_QUESTION_KEY)]
        found = (self._as_answer(q.get(INTENT) or {}, q.get(TEXT)) for q in questions)
        answers = [answer for answer in found if answer]
        if len(answers) > 1:
            return answers
        if not questions and not is_question(message.get(TEXT) or ""):
            return []
        whole = self._best_answer_in_ranking(message)
        candidates = [a for a in (*answers, whole) if a]
        return [max(candidates, key=lambda a: a.confidence)] if candidates else []

    def _with_topic(self, answer: Answer, message_text: str) -> Answer:
        """Give a follow-up the topic it names, or the last one named before it.

        "how long does the pain last?" names pain; in "I had an infection
        once, how do I avoid that?" the topic comes before the question.
        """
        if not answer.intent.startswith(self.config["followup_prefix"]):
            return answer
        before = message_text[: max(message_text.find(answer.text), 0)]
        for text in (answer.text, before):
            named = [
                (match.start(), topic)
                for topic, pattern in self.topic_words.items()
                for match in pattern.finditer(text)
            ]
            if named:
                return replace(answer, topic=max(named)[1])
        return answer

    def _add_topic_entity(self, message: Message, answers: list[Answer]) -> None:
        """Fill the topic slot (by entity) from the first follow-up naming one."""
        topic = next((a.topic for a in answers if a.topic), None)
        if topic:
            entity = {
                ENTITY_ATTRIBUTE_TYPE: self.config["topic_entity"],
                ENTITY_ATTRIBUTE_VALUE: topic,
                EXTRACTOR: type(self).__name__,
            }
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], True)

    def _as_answer(self, intent: dict[str, Any], text: str) -> Answer | None:
        """An Answer for an intent entry, or None if not answerable or too weak."""
        name = intent.get(INTENT_NAME_KEY)
        confidence = intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
        if name in self.answer_intents and (
            confidence >= self.config["min_part_confidence"]
        ):
            return Answer(str(name), text, confidence)
        return None

    def _best_answer_in_ranking(self, message: Message) -> Answer | None:
        """The highest-ranked answer intent of the whole message, if confident."""
        for entry in message.get(INTENT_RANKING_KEY) or []:
            if entry.get(INTENT_NAME_KEY) in self.answer_intents:
                return self._as_answer(entry, message.get(TEXT))
        return None
