"""Deployment settings: the clinic's contact route and the safety numbers.

The defaults are the `initial_value`s of the matching slots in domain.yml,
so the wording is safe even when nothing is configured or the action server
is unreachable. A deployment sets the environment variables below
(see .env.example) and action_load_settings copies them into the slots.
"""

from __future__ import annotations

import os
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

# Environment variable -> slot that responses use as a template variable.
SETTING_SLOTS = {
    "EMERGENCY_NUMBER": "emergency_number",
    "CRISIS_LINE": "crisis_line",
    "CLINIC_NAME": "clinic_name",
    "CLINIC_PHONE": "clinic_phone",
    "CLINIC_EMAIL": "clinic_email",
    "CLINIC_BOOKING_URL": "booking_url",
}
# Composed from the clinic's settings for the "contact ... today" replies.
CLINIC_CONTACT_SLOT = "clinic_contact"
NEUTRAL_CLINIC = "your clinic"


def clinic_contact(environ: dict[str, str]) -> str:
    """The clinic's name, phone, hours and out-of-hours line, as configured.

    E.g. "Example Clinic on 020 7946 0000 (Mon-Fri 9-5; out of hours: 111)".

    Only what is configured: the neutral "your clinic" when nothing is.
    """
    name, phone, hours, out_of_hours = (
        environ.get(variable, "").strip()
        for variable in ("CLINIC_NAME", "CLINIC_PHONE", "CLINIC_HOURS", "OUT_OF_HOURS")
    )
    contact = name or NEUTRAL_CLINIC
    if phone:
        contact += f" on {phone}"
    notes = [
        note
        for note in (hours, out_of_hours and f"out of hours: {out_of_hours}")
        if note
    ]
    if notes:
        contact += f" ({'; '.join(notes)})"
    return contact


def configured_settings() -> dict[str, str]:
    """Slot values for the settings this deployment configures."""
    settings = {
        slot: os.environ[variable].strip()
        for variable, slot in SETTING_SLOTS.items()
        if os.environ.get(variable, "").strip()
    }
    contact = clinic_contact(dict(os.environ))
    if contact != NEUTRAL_CLINIC:
        settings[CLINIC_CONTACT_SLOT] = contact
    return settings


class ActionLoadSettings(Action):
    """Fill the settings slots from the environment before a response uses them.

    Runs right before urgent-care, crisis, contact and fallback responses, so
    a changed setting applies to the next message without a restart.
    """

    def name(self) -> str:
        """Name used in rules and the domain."""
        return "action_load_settings"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Set each configured setting's slot; unset ones keep the default."""
        return [SlotSet(slot, value) for slot, value in configured_settings().items()]
