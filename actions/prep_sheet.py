"""Consultation preparation: note personal factors and build the prep sheet.

Topics come from the conversation itself (the intents the person used since
the last restart, mapped to topics by the `topic` slot's mappings in the
domain); factors from the factor_* slots that
bot.nlu.personal_factors.PersonalFactorExtractor fills with the person's own
words. The sheet's wording lives in prep_sheet.yml beside this module. Factor
values are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

SHEET_TEXT_FILE = Path(__file__).with_name("prep_sheet.yml")
TOPIC_SLOT = "topic"
OPEN_QUESTIONS_SLOT = "open_questions"
# Parse-result key under which bot.nlu.message_parts lists a message's answers.
MESSAGE_PARTS_KEY = "message_parts"
NOTED_FACTOR_SLOT = "noted_factor"
# Factor slots in sheet order, each with the guide topic it raises (if any).
FACTOR_TOPICS = {
    "factor_allergy": "allergy",
    "factor_medication": None,
    "factor_pregnancy": None,
    "factor_needle_fear": "pain",
    "factor_cost_worry": "cost",
    "factor_time_limit": "sessions",
    "factor_previous_treatment": "efficacy",
    "factor_health_condition": None,
    "factor_hair_loss_history": "efficacy",
}
FACTOR_ENTITIES = {slot.removeprefix("factor_") for slot in FACTOR_TOPICS}
BULLET = "• "
# What a client puts in its messages' metadata, {"renders": ["prep_sheet"]},
# to say it renders the structured sheet (web/widget/widget.js does). The
# channel alone can't tell: generic REST clients read only `text`.
RENDERS_KEY = "renders"
SHEET_CAPABILITY = "prep_sheet"


@lru_cache(maxsize=1)
def sheet_text() -> dict[str, Any]:
    """The sheet's wording, read once per process."""
    return yaml.safe_load(SHEET_TEXT_FILE.read_text(encoding="utf-8"))


@dataclass
class PrepSheet:
    """The sheet's content: what to ask, what to tell, and the reminder."""

    title: str
    reminder: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    def as_text(self) -> str:
        """Plain text that reads well in a terminal or a messaging app."""
        blocks = [self.title]
        for heading, items in self.sections:
            blocks.append("\n".join([heading, *(BULLET + item for item in items)]))
        blocks.append(self.reminder)
        return "\n\n".join(blocks)

    def as_payload(self) -> dict[str, Any]:
        """Structured form for the web widget to render, print and download."""
        return {
            "type": "prep_sheet",
            "title": self.title,
            "sections": [
                {"heading": heading, "items": items} for heading, items in self.sections
            ],
            "reminder": self.reminder,
        }


def topic_by_intent(domain: dict[str, Any]) -> dict[str, str]:
    """Map intents to guide topics, read from the topic slot's mappings."""
    mappings = domain["slots"][TOPIC_SLOT]["mappings"]
    return {m["intent"]: m["value"] for m in mappings if m.get("type") == "from_intent"}


def topics_raised(
    events: list[dict[str, Any]], domain: dict[str, Any], factors: dict[str, str]
) -> list[str]:
    """Guide topics in the order the person raised them, without repeats."""
    by_intent = topic_by_intent(domain)
    intents = (
        intent
        for e in events
        if e.get("event") == "user"
        for intent in intents_answered(e.get("parse_data", {}))
    )
    raised = [by_intent[i] for i in intents if i in by_intent]
    raised += [topic for slot in factors if (topic := FACTOR_TOPICS[slot])]
    return list(dict.fromkeys(raised))


def intents_answered(parse_data: dict[str, Any]) -> list[str]:
    """The message's intent, then those of its parts (bot.nlu.message_parts)."""
    parts = parse_data.get(MESSAGE_PARTS_KEY) or []
    return [parse_data.get("intent", {}).get("name"), *(p["name"] for p in parts)]


def noted_factors(tracker: Tracker) -> dict[str, str]:
    """The factor slots that hold something, in sheet order."""
    values = ((slot, tracker.get_slot(slot)) for slot in FACTOR_TOPICS)
    return {slot: value for slot, value in values if value}


def build_prep_sheet(
    topics: list[str], factors: dict[str, str], open_questions: list[str] | None = None
) -> PrepSheet:
    """Assemble the sheet for the topics raised, factors noted and open questions."""
    text = sheet_text()
    general = (text["general_heading"], list(text["general_questions"]))
    if not topics and not factors and not open_questions:
        return PrepSheet(text["title_general"], text["reminder"], [general])
    sheet = PrepSheet(text["title"], text["reminder"])
    if topics:
        questions = [text["topic_questions"][topic] for topic in topics]
        sheet.sections.append((text["topics_heading"], questions))
    if factors:
        quoted = [f'"{value}"' for value in factors.values()]
        sheet.sections.append((text["factors_heading"], quoted))
    if open_questions:
        quoted = [f'"{question}"' for question in open_questions]
        sheet.sections.append((text["open_questions_heading"], quoted))
    sheet.sections.append(general)
    return sheet


def renders_sheet(tracker: Tracker) -> bool:
    """Whether the latest user message's client declared it renders the sheet.

    Rasa keeps a message's metadata (the REST body's "metadata") in its
    parse data, which reaches the action server as `latest_message`.
    """
    metadata = tracker.latest_message.get("metadata")
    if not isinstance(metadata, dict):
        return False
    renders = metadata.get(RENDERS_KEY)
    return isinstance(renders, list) and SHEET_CAPABILITY in renders


class ActionPrepSheet(Action):
    """Send the personal consultation prep sheet, in one form only.

    A client that declares it renders the sheet (metadata `renders` holding
    SHEET_CAPABILITY) gets only the structured payload; every other client,
    on any channel, gets only the plain text. Sending both left the client to
    guess which text messages repeated the sheet (the REST channel returns
    them as separate messages), so each client gets a single source of truth.
    """

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_prep_sheet"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Build the sheet from the conversation so far and send it."""
        factors = noted_factors(tracker)
        topics = topics_raised(tracker.applied_events(), domain, factors)
        open_questions = tracker.get_slot(OPEN_QUESTIONS_SLOT)
        sheet = build_prep_sheet(topics, factors, open_questions)
        if renders_sheet(tracker):
            dispatcher.utter_message(json_message=sheet.as_payload())
        else:
            dispatcher.utter_message(text=sheet.as_text())
        return []


class ActionNoteFactor(Action):
    """Record which personal factors the latest message stated.

    The factor slots themselves are filled by their entity mappings; this
    sets `noted_factor` so utter_factor_noted can quote the person's words,
    or say nothing was noted.
    """

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_note_factor"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Set noted_factor to the quoted factors, or None when there are none."""
        entities = tracker.latest_message.get("entities", [])
        noted = [e["value"] for e in entities if e.get("entity") in FACTOR_ENTITIES]
        return [SlotSet(NOTED_FACTOR_SLOT, '", "'.join(dict.fromkeys(noted)) or None)]
