"""Consultation preparation: note personal factors and build the prep sheet.

Topics come from the conversation itself (the intents the person used since
the last restart), factors from the factor_* slots that
bot.nlu.personal_factors.PersonalFactorExtractor fills with the person's own
words. Factor values are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.responses import DomainDict, response_text

TOPIC_SLOT = "topic"
FACTOR_SLOT_PREFIX = "factor_"
# Order of the factor slots on the sheet and the guide topic each one raises.
FACTOR_TOPICS = {
    "factor_allergy": "allergy",
    "factor_medication": None,
    "factor_pregnancy": None,
    "factor_needle_fear": "pain",
    "factor_cost_worry": "cost",
    "factor_time_limit": "sessions",
    "factor_previous_treatment": "efficacy",
}
BULLET = "• "


@dataclass
class PrepSheet:
    """The sheet's content: what to ask, what to tell, and the reminder."""

    title: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    reminder: str = ""

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


def topic_by_intent(domain: DomainDict) -> dict[str, str]:
    """Map intents to guide topics, read from the topic slot's mappings."""
    mappings = domain["slots"][TOPIC_SLOT]["mappings"]
    return {m["intent"]: m["value"] for m in mappings if m.get("type") == "from_intent"}


def topics_raised(
    events: list[dict[str, Any]], domain: DomainDict, factors: dict[str, str]
) -> list[str]:
    """Guide topics in the order the person raised them, without repeats."""
    by_intent = topic_by_intent(domain)
    intents = (
        e.get("parse_data", {}).get("intent", {}).get("name")
        for e in events
        if e.get("event") == "user"
    )
    raised = [by_intent[i] for i in intents if i in by_intent]
    raised += [FACTOR_TOPICS[slot] for slot in factors if FACTOR_TOPICS[slot]]
    return list(dict.fromkeys(raised))


def noted_factors(tracker: Tracker) -> dict[str, str]:
    """The factor slots that hold something, in sheet order."""
    values = ((slot, tracker.get_slot(slot)) for slot in FACTOR_TOPICS)
    return {slot: value for slot, value in values if value}


def build_prep_sheet(
    domain: DomainDict, topics: list[str], factors: dict[str, str]
) -> PrepSheet:
    """Assemble the sheet from domain responses, the topics and the factors."""
    text = lambda name: response_text(domain, name)  # noqa: E731
    general = text("utter_prep_question_general").splitlines()
    if not topics and not factors:
        return PrepSheet(
            title=text("utter_prep_heading_general"),
            sections=[(text("utter_prep_section_general"), general)],
            reminder=text("utter_prep_reminder"),
        )
    sheet = PrepSheet(
        title=text("utter_prep_heading"), reminder=text("utter_prep_reminder")
    )
    if topics:
        questions = [text(f"utter_prep_question_{topic}") for topic in topics]
        sheet.sections.append((text("utter_prep_section_topics"), questions))
    if factors:
        quoted = [f'"{value}"' for value in factors.values()]
        sheet.sections.append((text("utter_prep_section_factors"), quoted))
    sheet.sections.append((text("utter_prep_section_general"), general))
    return sheet


class ActionPrepSheet(Action):
    """Send the personal consultation prep sheet as text and as a payload."""

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
        sheet = build_prep_sheet(domain, topics, factors)
        dispatcher.utter_message(text=sheet.as_text(), json_message=sheet.as_payload())
        return []


class ActionAcknowledgeFactor(Action):
    """Confirm, in the person's words, what was noted for their sheet."""

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_acknowledge_factor"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Quote the factors found in the latest message, if any."""
        entities = tracker.latest_message.get("entities", [])
        noted = [
            e["value"]
            for e in entities
            if FACTOR_SLOT_PREFIX + e.get("entity", "") in FACTOR_TOPICS
        ]
        if noted:
            dispatcher.utter_message(
                response="utter_factor_noted", factor='", "'.join(dict.fromkeys(noted))
            )
        else:
            dispatcher.utter_message(response="utter_factor_not_noted")
        return []
