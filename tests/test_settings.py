"""Settings in replies: never a placeholder or an unset setting, a number in
every urgent and crisis reply in every region, and one line at start-up."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from bot.processor import start_with_settings
from bot.settings import (
    REGIONS,
    SettingsError,
    clinic_contact,
    clinic_reach,
    numbers_line,
    region_of,
    slot_values,
)

CLINIC_DETAILS = {
    "CLINIC_NAME": "Example Clinic",
    "CLINIC_PHONE": "020 7946 0000",
    "CLINIC_HOURS": "Mon-Fri 9-5",
    "CLINIC_EMAIL": "hello@example.com",
    "CLINIC_BOOKING_URL": "https://example.com/book",
}
OVERRIDES = {
    "EMERGENCY_NUMBER": "112",
    "OUT_OF_HOURS": "the on-call doctor",
    "CRISIS_LINE": "a helpline on 0800 000 000",
}
TEMPLATE_VARIABLE = re.compile(r"\{(\w+)\}")
# What a placeholder or an unset setting would look like in a reply.
UNFILLED = re.compile(r"\[[^\]]*\]|\{\w+\}|\bNone\b|: ,|at \.|  ")


def every_environment() -> list[dict[str, str]]:
    """Each clinic detail set or unset, each region, overrides on or off."""
    details = list(CLINIC_DETAILS.items())
    environments = []
    for mask in itertools.product((False, True), repeat=len(details)):
        for region in ["", *REGIONS]:
            env = {
                name: value
                for (name, value), on in zip(details, mask, strict=True)
                if on
            }
            if region:
                env["REGION"] = region
            environments.append(env)
    environments += [{**OVERRIDES, "REGION": code} for code in REGIONS]
    return environments


def rendered(domain: dict[str, Any], env: dict[str, str]) -> dict[str, list[str]]:
    """Every response text of the domain, filled as the slots would be.

    Conversation slots (a noted factor, a topic) are filled by the actions
    before their replies; a stand-in marks them.
    """
    values = dict.fromkeys(domain["slots"], "(filled by an action)")
    values.update(slot_values(env))
    return {
        name: [
            TEMPLATE_VARIABLE.sub(lambda m: values.get(m[1], m[0]), v["text"])
            for v in variants
            if "text" in v
        ]
        for name, variants in domain["responses"].items()
    }


def test_no_reply_ever_shows_a_placeholder_or_an_unset_setting(domain) -> None:
    for env in every_environment():
        for name, texts in rendered(domain, env).items():
            for text in texts:
                assert not UNFILLED.search(text.replace("\n", " ")), (name, env, text)


NUMBER_SLOTS = ("{emergency_number}", "{crisis_line}")


@pytest.mark.parametrize("region", list(REGIONS))
def test_every_urgent_and_crisis_reply_has_a_number_in_every_region(
    domain, region: str
) -> None:
    values = slot_values({"REGION": region})
    urgent = [
        (name, v["text"])
        for name, variants in domain["responses"].items()
        for v in variants
        if any(slot in v.get("text", "") for slot in NUMBER_SLOTS)
    ]
    assert len(urgent) >= 10
    for name, text in urgent:
        filled = TEMPLATE_VARIABLE.sub(lambda m: values.get(m[1], ""), text)
        assert re.search(r"\d{2,}", filled), (region, name, filled)


def test_the_contact_route_names_only_what_is_set() -> None:
    assert clinic_reach({}) == "the clinic, through its website"
    assert clinic_reach({"CLINIC_NAME": "Example Clinic"}) == "Example Clinic"
    assert clinic_reach(CLINIC_DETAILS) == (
        "Example Clinic: phone 020 7946 0000, e-mail hello@example.com, "
        "or book a consultation at https://example.com/book"
    )
    assert clinic_reach({"CLINIC_EMAIL": "a@b.c"}) == "the clinic: e-mail a@b.c"
    assert clinic_contact({}) == "the clinic (when it's closed: NHS 111)"
    assert clinic_contact({"CLINIC_PHONE": "1", "OUT_OF_HOURS": "111"}) == (
        "the clinic on 1 (when it's closed: 111)"
    )


def test_explicit_numbers_override_the_region() -> None:
    values = slot_values({**OVERRIDES, "REGION": "us"})
    assert values["emergency_number"] == "112"
    assert values["crisis_line"] == "a helpline on 0800 000 000"
    assert "the on-call doctor" in values["clinic_contact"]
    assert slot_values({"REGION": "us"})["emergency_number"] == "911"


def test_an_unknown_region_is_one_clear_error() -> None:
    with pytest.raises(SettingsError, match="REGION must be one of uk, ie, us"):
        region_of({"REGION": "narnia"})
    assert region_of({"REGION": " FR "}).emergency_number == "15 (SAMU) or 112"


def test_start_up_prints_the_numbers_and_warns_without_a_region() -> None:
    warned = numbers_line({})
    assert "emergency 999" in warned and "Warning: REGION is not set" in warned
    chosen = numbers_line({"REGION": "ca"})
    assert chosen == (
        "==> Safety numbers (Canada): emergency 911, urgent care the 811 health "
        "line, crisis line the 9-8-8 Suicide Crisis Helpline (call or text 988)"
    )
    assert "\\n" not in chosen and "Warning" not in chosen


def test_every_conversation_starts_with_the_settings(monkeypatch) -> None:
    """The server's slots start with them: the first reply has them."""
    from rasa.shared.core.domain import Domain

    from bot.paths import ROOT

    domain = Domain.load(ROOT / "domain.yml")
    start_with_settings(domain, {"REGION": "au", "CLINIC_NAME": "Example Clinic"})
    slots = {slot.name: slot for slot in domain.slots}
    assert slots["emergency_number"].initial_value == "000"
    assert slots["clinic_reach"].value == "Example Clinic"


def test_replies_about_someone_else_never_slip_back_to_you(domain) -> None:
    """Filled with any setting, a reply for someone else never says "your"."""
    others = {
        name: [
            i
            for i, variant in enumerate(variants)
            if {"name": "experiencer", "type": "slot", "value": "other"}
            in variant.get("condition", [])
        ]
        for name, variants in domain["responses"].items()
    }
    assert sum(map(len, others.values())) >= 5
    for env in every_environment():
        texts = rendered(domain, env)
        for name, indices in others.items():
            for i in indices:
                assert not re.search(r"\byour\b", texts[name][i], re.I), (env, name)
