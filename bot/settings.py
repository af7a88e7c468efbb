"""The deployment's settings, as the replies use them: never a placeholder.

A clinic sets its details (CLINIC_NAME, CLINIC_PHONE, CLINIC_HOURS,
OUT_OF_HOURS, CLINIC_EMAIL, CLINIC_BOOKING_URL) and its REGION; the region
fills the emergency number, the urgent-care line (OUT_OF_HOURS) and the
crisis line, and an explicit EMERGENCY_NUMBER, OUT_OF_HOURS or CRISIS_LINE
overrides it. Without REGION the demo default, the UK, is used and start-up
says so. Contact wording is built only from the settings that exist, with
"the clinic, through its website" when none does.

The same values fill the slots' initial values on the server (every reply
has them from the first turn, even with the action server down:
bot.processor) and action_load_settings' slots (a changed setting applies
to the next message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """A region's numbers, as a reply says them (sources: README, Regions)."""

    name: str
    emergency_number: str
    urgent_care: str
    crisis_line: str


REGIONS: dict[str, Region] = {
    "uk": Region("the UK", "999", "NHS 111", "Samaritans on 116 123"),
    "ie": Region(
        "Ireland", "112 or 999", "a GP out-of-hours service",
        "Samaritans on 116 123",
    ),
    "us": Region(
        "the US", "911", "an urgent care centre",
        "the 988 Suicide & Crisis Lifeline (call or text 988)",
    ),
    "ca": Region(
        "Canada", "911", "the 811 health line",
        "the 9-8-8 Suicide Crisis Helpline (call or text 988)",
    ),
    "au": Region(
        "Australia", "000", "healthdirect on 1800 022 222", "Lifeline on 13 11 14"
    ),
    "fr": Region(
        "France", "15 (SAMU) or 112", "the on-call doctor line 116 117",
        "the 3114 suicide prevention line",
    ),
}  # fmt: skip
DEFAULT_REGION = "uk"
# Neutral, as a reply may be about someone else ("help them contact the clinic").
NEUTRAL_CLINIC = "the clinic"
NO_CLINIC_DETAILS = "the clinic, through its website"


class SettingsError(ValueError):
    """A setting that cannot be used (an unknown REGION); one line."""


def region_of(env: Mapping[str, str]) -> Region:
    """The configured REGION's numbers (the demo default when unset)."""
    code = env.get("REGION", "").strip().lower() or DEFAULT_REGION
    if code not in REGIONS:
        raise SettingsError(
            f"REGION must be one of {', '.join(REGIONS)}, not {code!r} (or set "
            "EMERGENCY_NUMBER, OUT_OF_HOURS and CRISIS_LINE yourself)"
        )
    return REGIONS[code]


def setting(env: Mapping[str, str], variable: str) -> str:
    """One setting, stripped; empty when unset."""
    return env.get(variable, "").strip()


def safety_numbers(env: Mapping[str, str]) -> dict[str, str]:
    """EMERGENCY_NUMBER, OUT_OF_HOURS and CRISIS_LINE: set, or the region's."""
    region = region_of(env)
    defaults = {
        "EMERGENCY_NUMBER": region.emergency_number,
        "OUT_OF_HOURS": region.urgent_care,
        "CRISIS_LINE": region.crisis_line,
    }
    return {name: setting(env, name) or value for name, value in defaults.items()}


def clinic_contact(env: Mapping[str, str]) -> str:
    """The clinic's name, phone, hours and out-of-hours line, as configured.

    E.g. "Example Clinic on 020 7946 0000 (Mon-Fri 9-5; when it's closed: 111)";
    "the clinic (when it's closed: NHS 111)" when only the region is known.
    """
    name, phone, hours = (
        setting(env, v) for v in ("CLINIC_NAME", "CLINIC_PHONE", "CLINIC_HOURS")
    )
    out_of_hours = safety_numbers(env)["OUT_OF_HOURS"]
    contact = name or NEUTRAL_CLINIC
    if phone:
        contact += f" on {phone}"
    notes = [note for note in (hours, f"when it's closed: {out_of_hours}") if note]
    return f"{contact} ({'; '.join(notes)})"


def clinic_reach(env: Mapping[str, str]) -> str:
    """Where a person is reached: the clinic and only the ways that are set.

    "Example Clinic: phone 020 7946 0000, e-mail a@b.c, or book at https://..."
    or, with no details at all, "the clinic, through its website".
    """
    name = setting(env, "CLINIC_NAME")
    ways = [
        f"{label} {value}"
        for label, value in (
            ("phone", setting(env, "CLINIC_PHONE")),
            ("e-mail", setting(env, "CLINIC_EMAIL")),
            ("book a consultation at", setting(env, "CLINIC_BOOKING_URL")),
        )
        if value
    ]
    if not ways:
        return name or NO_CLINIC_DETAILS
    listed = ways[0] if len(ways) == 1 else f"{', '.join(ways[:-1])}, or {ways[-1]}"
    return f"{name or NEUTRAL_CLINIC}: {listed}"


def slot_values(env: Mapping[str, str]) -> dict[str, str]:
    """Every settings slot's value for this environment (nothing left unset)."""
    numbers = safety_numbers(env)
    return {
        "emergency_number": numbers["EMERGENCY_NUMBER"],
        "crisis_line": numbers["CRISIS_LINE"],
        "clinic_name": setting(env, "CLINIC_NAME") or NEUTRAL_CLINIC,
        "clinic_contact": clinic_contact(env),
        "clinic_reach": clinic_reach(env),
    }


def numbers_line(env: Mapping[str, str]) -> str:
    """One start-up line: the safety numbers in use, and a warning if guessed."""
    numbers = safety_numbers(env)
    used = (
        f"emergency {numbers['EMERGENCY_NUMBER']}, urgent care "
        f"{numbers['OUT_OF_HOURS']}, crisis line {numbers['CRISIS_LINE']}"
    )
    if setting(env, "REGION"):
        return f"==> Safety numbers ({region_of(env).name}): {used}"
    return (
        f"==> Safety numbers: {used}. Warning: REGION is not set, so these are "
        f"{REGIONS[DEFAULT_REGION].name}'s; set REGION ({', '.join(REGIONS)}) in .env"
    )
