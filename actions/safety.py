"""Urgent-care advice and crisis signposting, with configured numbers."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import clinic_settings

URGENT_RESPONSE_BY_INTENT = {
    "report_emergency": "utter_urgent_emergency",
    "report_infection_signs": "utter_urgent_infection",
}


class ActionUrgentCare(Action):
    """Tell someone reporting red-flag symptoms what to do now.

    Emergency services for severe allergic reaction signs, same-day medical
    help for signs of infection. The emergency number is configuration.
    """

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_urgent_care"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Send the urgent response that matches the reported signs."""
        intent = tracker.get_intent_of_latest_message()
        # Anything unexpected is treated as the more serious case.
        response = URGENT_RESPONSE_BY_INTENT.get(intent, "utter_urgent_emergency")
        dispatcher.utter_message(
            response=response, **clinic_settings().safety_numbers()
        )
        return []


class ActionDistressSupport(Action):
    """Reply kindly to despair or self-harm thoughts with crisis signposting."""

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_distress_support"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Send the crisis response with the configured numbers."""
        dispatcher.utter_message(
            response="utter_distress_support", **clinic_settings().safety_numbers()
        )
        return []
