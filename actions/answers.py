"""Answers that depend on the message: several in one turn, and the guide's gaps.

bot.nlu.message_parts lists the answers a message needs under
`message_parts` in its parse result, in the order asked. The answers' text
is in domain.yml; this module only picks the responses by name, by the
convention the rules in data/rules/faq.yml follow:
`ask_<topic>` -> `utter_answer_<topic>`, `followup_<kind>` ->
`utter_followup_<kind>`, and the guide's gaps -> `utter_not_in_guide`.

Questions the guide does not answer are kept, in the person's words, in the
`open_questions` slot for the prep sheet. They are never logged.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.prep_sheet import (
    MESSAGE_PARTS_KEY,
    OPEN_QUESTIONS_SLOT,
    TOPIC_SLOT,
    topic_by_intent,
)
from bot.settings import NEUTRAL_CLINIC

WORDING_FILE = Path(__file__).with_name("answers.yml")
MORE_ABOUT_TOPIC_INTENT = "followup_more"
BEYOND_GUIDE_INTENT = "ask_beyond_guide"
NOT_IN_GUIDE_RESPONSE = "utter_not_in_guide"
CLINIC_NOTE_KEY = "clinic_note"
CLINIC_NAME_SLOT = "clinic_name"
# Sent after the answers when the risk gate marked the message `risk_check`.
SAFETY_LINE_RESPONSE = "utter_if_happening_now"
RISK_CHECK_KEY = "risk_check"
FOLLOWUP_PREFIX = "followup_"
# Enough for a consultation; the oldest give way to newer ones.
MAX_OPEN_QUESTIONS = 12
MAX_QUESTION_LENGTH = 200


@lru_cache(maxsize=1)
def wording() -> dict[str, str]:
    """The replies' own wording, read once per process."""
    return yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))


def intent_by_topic(domain: dict[str, Any]) -> dict[str, str]:
    """Each topic's main question intent: the first mapped to it."""
    by_topic: dict[str, str] = {}
    for intent, topic in topic_by_intent(domain).items():
        by_topic.setdefault(topic, intent)
    return by_topic


def topic_response(domain: dict[str, Any], topic: str | None) -> str | None:
    """The main answer about a topic, or None without one."""
    intent = intent_by_topic(domain).get(topic) if topic else None
    return response_for(intent) if intent else None


def response_for(intent: str) -> str:
    """The domain response that answers an intent."""
    if intent == BEYOND_GUIDE_INTENT:
        return NOT_IN_GUIDE_RESPONSE
    if intent.startswith(FOLLOWUP_PREFIX):
        return f"utter_{intent}"
    return "utter_answer_" + intent.removeprefix("ask_")


def with_question(questions: list[str] | None, question: str) -> list[str]:
    """The open questions with `question` added once, newest last."""
    question = " ".join(question.split())[:MAX_QUESTION_LENGTH]
    kept = [q for q in questions or [] if q.casefold() != question.casefold()]
    return [*kept, question][-MAX_OPEN_QUESTIONS:] if question else kept


def note_reply(note: dict[str, str], clinic: str | None) -> str:
    """A clinic note as a reply that names it as the clinic's, not the guide's."""
    return wording()["clinic_note"].format(
        clinic=clinic or NEUTRAL_CLINIC, heading=note["heading"], text=note["text"]
    )


class ActionAnswerClinicNote(Action):
    """Answer a question the guide doesn't cover from the clinic note it matched."""

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_answer_clinic_note"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Send the note bot.nlu.clinic_notes attached, or "not covered" without one."""
        note = tracker.latest_message.get(CLINIC_NOTE_KEY)
        if note:
            text = note_reply(note, tracker.get_slot(CLINIC_NAME_SLOT))
            dispatcher.utter_message(text=text)
        else:
            dispatcher.utter_message(response=NOT_IN_GUIDE_RESPONSE)
        return []


class ActionAnswerParts(Action):
    """Send the answer to every question of a message, in the order asked.

    A message the risk gate marked as possibly a report ends with the
    conditional "If this is happening now" line.
    """

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_answer_parts"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Utter each part's response once; note questions the guide lacks."""
        topics = topic_by_intent(domain)
        questions = tracker.get_slot(OPEN_QUESTIONS_SLOT)
        sent: list[str] = []
        topic = None
        for part in tracker.latest_message.get(MESSAGE_PARTS_KEY) or []:
            intent, text, named = part["name"], part["text"], part.get("topic")
            if note := part.get(CLINIC_NOTE_KEY):
                clinic = tracker.get_slot(CLINIC_NAME_SLOT)
                dispatcher.utter_message(text=note_reply(note, clinic))
                continue
            if intent == BEYOND_GUIDE_INTENT:
                questions = with_question(questions, text)
            # A follow-up answers about the topic slot, which holds the topic
            # it names (filled by entity) or the one before this message;
            # after a topic answer in this message it would answer the old one.
            if intent.startswith(FOLLOWUP_PREFIX) and topic and not named:
                continue
            if intent == MORE_ABOUT_TOPIC_INTENT:
                response = topic_response(domain, named or tracker.get_slot(TOPIC_SLOT))
            else:
                response = response_for(intent)
            if response and response not in sent:
                dispatcher.utter_message(response=response)
                sent.append(response)
            topic = named or topics.get(intent, topic)
        events = [SlotSet(TOPIC_SLOT, topic)] if topic else []
        if questions != tracker.get_slot(OPEN_QUESTIONS_SLOT):
            dispatcher.utter_message(text=wording()["question_noted"])
            events.append(SlotSet(OPEN_QUESTIONS_SLOT, questions))
        if tracker.latest_message.get(RISK_CHECK_KEY) and not any(
            gives_both_lists(domain, response) for response in sent
        ):
            dispatcher.utter_message(response=SAFETY_LINE_RESPONSE)
        return events


def gives_both_lists(domain: dict[str, Any], response: str) -> bool:
    """Whether every wording of a response names both lists of signs already.

    The conditional line after it would only say them again in the same turn.
    """
    variants = domain.get("responses", {}).get(response) or [{}]
    return all(
        "{emergency_signs}" in (text := variant.get("text") or "")
        and "{same_day_signs}" in text
        for variant in variants
    )


class ActionAnswerTopic(Action):
    """Answer "why is that?", "for everyone?" with the current topic's answer."""

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_answer_topic"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Repeat what the guide says on the topic, or ask which topic."""
        response = topic_response(domain, tracker.get_slot(TOPIC_SLOT))
        if response:
            dispatcher.utter_message(response=response)
        else:
            dispatcher.utter_message(text=wording()["which_topic"])
        return []


class ActionNoteOpenQuestion(Action):
    """Keep a question the guide does not answer for the prep sheet."""

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_note_open_question"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Add the latest message to the open questions and say so."""
        text = tracker.latest_message.get("text") or ""
        questions = with_question(tracker.get_slot(OPEN_QUESTIONS_SLOT), text)
        dispatcher.utter_message(text=wording()["question_noted"])
        return [SlotSet(OPEN_QUESTIONS_SLOT, questions)]
