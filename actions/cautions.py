"""The caution that belongs to a personal fact, given once per conversation.

Someone who says they are pregnant, take a blood thinner, or have a bleeding
disorder, diabetes or an immune condition gets, besides the answer and the
fact noted for the prep sheet, the assistant's own caution for it: discuss
it before booking, and never stop a medicine on their own. Each caution's
text is a domain response, `utter_caution_<kind>`; the kinds already given
are kept in the `cautions_given` slot, so none is repeated.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

CAUTIONS_GIVEN_SLOT = "cautions_given"
# The factor entities a caution can belong to, and the caution a mention of
# that kind gets when no more specific one below matches (None: no caution).
GENERAL_CAUTION = {"pregnancy": "pregnancy", "medication": "medicine"}
# More specific cautions, first match wins, judged on the person's words
# (the entity value) for a medicine or a health condition.
SPECIFIC_CAUTIONS: dict[str, re.Pattern[str]] = {
    kind: re.compile(pattern, re.IGNORECASE)
    for kind, pattern in {
        "blood_thinner": (
            r"blood[- ]?thinn\w*|anti-?coagulant|warfarin|coumadin|aspirin|"
            r"apixaban|eliquis|rivaroxaban|xarelto|dabigatran|pradaxa|edoxaban|"
            r"clopidogrel|plavix|heparin|clexane|enoxaparin"
        ),
        "bleeding_disorder": (
            r"bleeding disorder|ha?emophilia|von willebrand|clotting "
            r"(?:disorder|problem|condition)|low platelets|thrombocytop\w*"
        ),
        "diabetes": r"diabet\w*|insulin|metformin",
        "immune": (
            r"immun\w*|lupus|chemo\w*|transplant|rheumatoid|\bhiv\b|"
            r"methotrexate|biologics?\b|steroids?\b"
        ),
    }.items()
}
FACT_ENTITIES = {"pregnancy", "medication", "health_condition"}
# Answers that already give a caution's advice: asked with the fact in the
# same turn ("I'm pregnant, can I have it?"), the caution is not said twice.
ANSWERED_CAUTIONS = {
    "ask_pregnancy": {"pregnancy"},
    # The answer names blood thinners, diabetes and immune conditions itself.
    "ask_medical_condition": {"medicine", "blood_thinner", "diabetes", "immune"},
}


def caution_kind(entity: str, words: str) -> str | None:
    """The caution a stated fact needs: the most specific that fits, or none."""
    if entity == "pregnancy":
        return GENERAL_CAUTION[entity]
    specific = (
        kind for kind, pattern in SPECIFIC_CAUTIONS.items() if pattern.search(words)
    )
    return next(specific, GENERAL_CAUTION.get(entity))


def answered_now(latest_message: dict[str, Any]) -> set[str]:
    """The cautions this turn's answers give themselves (the message's intents)."""
    intents = [str((latest_message.get("intent") or {}).get("name"))]
    intents += [
        str(part.get("name")) for part in latest_message.get("message_parts") or []
    ]
    return {kind for intent in intents for kind in ANSWERED_CAUTIONS.get(intent, ())}


def cautions_needed(entities: list[dict[str, Any]], given: list[str]) -> list[str]:
    """The cautions the latest message's facts need, not yet given, in order."""
    kinds = (
        caution_kind(entity["entity"], str(entity.get("value", "")))
        for entity in entities
        if entity.get("entity") in FACT_ENTITIES
    )
    return [kind for kind in dict.fromkeys(kinds) if kind and kind not in given]


class ActionGiveCautions(Action):
    """Send the caution each personal fact in the message needs, once."""

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_give_cautions"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Utter each new caution; remember it so it is not repeated."""
        given = list(tracker.get_slot(CAUTIONS_GIVEN_SLOT) or [])
        latest = tracker.latest_message
        needed = cautions_needed(latest.get("entities", []), given)
        answered = answered_now(latest)
        for kind in needed:
            if kind not in answered:
                dispatcher.utter_message(response=f"utter_caution_{kind}")
        return [SlotSet(CAUTIONS_GIVEN_SLOT, given + needed)] if needed else []
