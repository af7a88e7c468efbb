"""Deployment settings: the clinic's contact route and the safety numbers.

bot.settings builds every settings slot's value from the environment (see
.env.example): the clinic's details as far as they are set, and the
REGION's numbers unless set explicitly. The server already starts each
conversation with them (bot.processor); action_load_settings sets them
again before the replies that use them, so a changed setting applies to the
next message without a restart.
"""

from __future__ import annotations

import os
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import SettingsError, slot_values


class ActionLoadSettings(Action):
    """Fill the settings slots from the environment before a response uses them."""

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_load_settings"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Set every settings slot; an unusable REGION keeps the slots as they are."""
        try:
            values = slot_values(os.environ)
        except SettingsError:
            return []  # the server refused to start with it; nothing better here
        return [SlotSet(slot, value) for slot, value in values.items()]
