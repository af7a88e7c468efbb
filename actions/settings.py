"""Deployment settings, read once from the environment.

Every value has a development default that is an obvious placeholder, so a
clinic sees at a glance what it still has to configure (see .env.example).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ClinicSettings:
    """Contact route and safety numbers shown to the person."""

    clinic_name: str
    clinic_phone: str
    clinic_email: str
    booking_url: str
    emergency_number: str
    crisis_line: str

    def contact_details(self) -> dict[str, str]:
        """Template variables for responses that show the contact route."""
        return {
            "clinic_name": self.clinic_name,
            "clinic_phone": self.clinic_phone,
            "clinic_email": self.clinic_email,
            "booking_url": self.booking_url,
        }

    def safety_numbers(self) -> dict[str, str]:
        """Template variables for urgent-care and crisis responses."""
        return {
            "emergency_number": self.emergency_number,
            "crisis_line": self.crisis_line,
        }


@lru_cache(maxsize=1)
def clinic_settings() -> ClinicSettings:
    """Read the settings once per process; they never change while it runs."""
    env = os.environ.get
    return ClinicSettings(
        clinic_name=env("CLINIC_NAME", "[your clinic's name]"),
        clinic_phone=env("CLINIC_PHONE", "[clinic phone number]"),
        clinic_email=env("CLINIC_EMAIL", "[clinic e-mail address]"),
        booking_url=env("CLINIC_BOOKING_URL", "[clinic booking link]"),
        emergency_number=env("EMERGENCY_NUMBER", "your local emergency number"),
        crisis_line=env("CRISIS_LINE", "a local crisis helpline"),
    )
