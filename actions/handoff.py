"""Reaching a person at the clinic, and the low-confidence fallback."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import clinic_settings

FALLBACK_ACTION = "action_fallback"
# Bookkeeping actions that sit between two fallbacks without breaking the run.
_NEUTRAL_ACTIONS = {"action_listen", "action_extract_slots", "action_session_start"}


def fallbacks_in_a_row(events: list[dict[str, Any]]) -> int:
    """Count how many times the fallback ran back to back at the end of events."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "action":
            continue
        name = event.get("name")
        if name == FALLBACK_ACTION:
            count += 1
        elif name not in _NEUTRAL_ACTIONS:
            break
    return count


class ActionContactClinic(Action):
    """Give the clinic's contact route: name, phone, e-mail and booking link."""

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_contact_clinic"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Send the contact response filled from the clinic settings."""
        dispatcher.utter_message(
            response="utter_contact_clinic", **clinic_settings().contact_details()
        )
        return []


class ActionFallback(Action):
    """Ask to rephrase when the assistant is unsure what the person meant.

    Alternates two texts so the same one is never sent twice in a row; the
    second of two fallbacks in a row also offers the clinic's contact route.
    """

    def name(self) -> str:
        """Name used in the policy config and the domain."""
        return FALLBACK_ACTION

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Pick the rephrase prompt from the number of fallbacks in a row."""
        previous = fallbacks_in_a_row(tracker.applied_events())
        if previous % 2 == 1:
            dispatcher.utter_message(
                response="utter_ask_rephrase_offer_human",
                **clinic_settings().contact_details(),
            )
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
