"""Urgent replies that work under stress: action first, wording for whom it is."""

from __future__ import annotations

import re
from typing import Any

import pytest

REPORT_RESPONSES = (
    "utter_urgent_emergency",
    "utter_urgent_infection",
    "utter_distress_support",
    "utter_symptom_now",
)
ACTION_FIRST = re.compile(
    r"^(?:Please call|Call|Contact|Help them contact|They should contact|"
    r"If they are in danger now, call)\b"
)
URGENCY = re.compile(r"\b(?:now|today|urgently|straight away|emergency)\b")


def variations(domain: dict[str, Any], name: str) -> list[tuple[str | None, str]]:
    """(experiencer condition, text) of each variation of a response."""
    found = []
    for variation in domain["responses"][name]:
        conditions = {c["name"]: c["value"] for c in variation.get("condition", [])}
        found.append((conditions.get("experiencer"), variation["text"]))
    return found


@pytest.mark.parametrize("name", REPORT_RESPONSES)
def test_the_first_line_is_the_action(domain: dict[str, Any], name: str) -> None:
    for _, text in variations(domain, name):
        first = text.split("\n", 1)[0]
        assert ACTION_FIRST.search(first), f"{name}: {first!r}"
        assert URGENCY.search(first), f"{name}: {first!r}"


@pytest.mark.parametrize("name", REPORT_RESPONSES)
def test_someone_elses_report_gets_wording_for_them(
    domain: dict[str, Any], name: str
) -> None:
    by_whom = dict(variations(domain, name))
    assert "other" in by_whom and None in by_whom, name
    assert not re.search(r"\byou are safe\b|\byour\b", by_whom["other"]), by_whom[
        "other"
    ]


def test_anaphylaxis_means_the_auto_injector(domain: dict[str, Any]) -> None:
    """Adrenaline for a severe allergic reaction only, never for bleeding."""
    for _, text in variations(domain, "utter_urgent_emergency"):
        assert re.search(
            r"severe allergic reaction[^.]*prescribed adrenaline auto-injector", text
        )


def test_the_crisis_reply_assumes_no_cause_and_gives_no_figure(
    domain: dict[str, Any],
) -> None:
    for _, text in variations(domain, "utter_distress_support"):
        assert "hair" not in text.lower()
        assert not re.search(r"\d", re.sub(r"\{\w+\}", "", text))
        assert "{crisis_line}" in text and "{emergency_number}" in text


def test_a_symptom_now_names_the_signs_that_would_make_it_urgent(
    domain: dict[str, Any],
) -> None:
    for _, text in variations(domain, "utter_symptom_now"):
        assert "{emergency_number} now for {emergency_signs}" in text
        assert "urgently" in text and "for {same_day_signs}" in text
        assert "prep sheet" not in text and "consultation" not in text


# Words of the two lists of signs.
SIGN_WORDS = re.compile(
    r"trouble breathing|won't stop|\bpus\b|\bfever\b|collapse|faint"
)


def test_each_list_of_signs_is_written_once(domain: dict[str, Any]) -> None:
    """Every reply names the same signs in the same words: the two slots'."""
    slots = domain["slots"]
    assert SIGN_WORDS.search(slots["emergency_signs"]["initial_value"])
    assert SIGN_WORDS.search(slots["same_day_signs"]["initial_value"])
    assert "face" in slots["emergency_signs"]["initial_value"]
    users = 0
    for name, variants in domain["responses"].items():
        for variant in variants:
            text = variant.get("text", "")
            assert not SIGN_WORDS.search(text), (name, text)
            users += "{emergency_signs}" in text or "{same_day_signs}" in text
    assert users >= 12


# Each list's one action: "call ... now for" the emergency signs, "... the
# same day for" the same-day signs, or "urgently ... for" them in a report
# happening now; the urgent replies also name the list they act on.
LIST_ACTIONS = {
    "{emergency_signs}": re.compile(
        r"(?:\{emergency_number\}(?: for them)? now|Help is needed straight away) for $"
    ),
    "{same_day_signs}": re.compile(
        r"(?:the same day|urgently[^.]*) for $"
        r"|Signs of an infection after injections: $"
    ),
}


def test_each_list_has_one_action(domain: dict[str, Any]) -> None:
    for name, variants in domain["responses"].items():
        for variant in variants:
            text = " ".join(variant.get("text", "").split())
            for slot, action in LIST_ACTIONS.items():
                for before in text.split(slot)[:-1]:
                    assert action.search(before), (name, before[-60:])


def test_advice_that_names_the_signs_suits_anyone(domain: dict[str, Any]) -> None:
    """A question may be about someone else ("will my son bruise?")."""
    for name, variants in domain["responses"].items():
        if not name.startswith(("utter_answer_", "utter_followup_")):
            continue
        for variant in variants:
            advice = variant.get("text", "").rpartition("(not from the guide):")[2]
            if "_signs}" in advice:
                assert not re.search(r"\byou(?:r)?\b", advice, re.I), (name, advice)


@pytest.mark.parametrize("name", ["utter_if_happening_now", "utter_please_shorten"])
def test_the_caution_lines_use_the_answers_signs(
    domain: dict[str, Any], name: str
) -> None:
    for _, text in variations(domain, name):
        assert "{emergency_signs}" in text and "{same_day_signs}" in text


def test_what_the_guide_says_about_a_symptom_suits_anyone_reporting_it(
    domain: dict[str, Any],
) -> None:
    """It follows "they should contact..." as well as "contact your..."."""
    for _, text in variations(domain, "utter_symptom_guide"):
        assert not re.search(r"\b(?:you|your|they|their)\b", text, re.I), text


def test_the_conditional_line_starts_with_its_condition(domain: dict[str, Any]) -> None:
    for _, text in variations(domain, "utter_if_happening_now"):
        assert re.match(r"If this is happening (to them )?now:", text)
