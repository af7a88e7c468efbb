"""Custom actions: trackers built in the test, assertions on what is sent."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionContactClinic, ActionFallback, fallbacks_in_a_row
from actions.prep_sheet import (
    ActionAcknowledgeFactor,
    ActionPrepSheet,
    build_prep_sheet,
    topics_raised,
)
from actions.safety import ActionDistressSupport, ActionUrgentCare
from actions.settings import clinic_settings
from tests.trackers import action, tracker_for, user


def run(action_obj, tracker, domain) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action_obj.run(dispatcher, tracker, domain))
    return dispatcher.messages, events


@pytest.fixture(autouse=True)
def configured_clinic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_NAME", "Hillside Clinic")
    monkeypatch.setenv("CLINIC_PHONE", "+44 20 7946 0000")
    monkeypatch.setenv("CLINIC_EMAIL", "care@hillside.example")
    monkeypatch.setenv("CLINIC_BOOKING_URL", "https://hillside.example/book")
    monkeypatch.setenv("EMERGENCY_NUMBER", "999")
    monkeypatch.setenv("CRISIS_LINE", "Samaritans on 116 123")
    clinic_settings.cache_clear()
    yield
    clinic_settings.cache_clear()


# ---- Safety ---------------------------------------------------------------


def test_emergency_signs_get_the_emergency_response_with_the_number(domain):
    messages, _ = run(
        ActionUrgentCare(), tracker_for([user("report_emergency")]), domain
    )
    assert messages[0]["response"] == "utter_urgent_emergency"
    assert messages[0]["emergency_number"] == "999"


def test_infection_signs_get_the_same_day_response(domain):
    tracker = tracker_for([user("report_infection_signs")])
    messages, _ = run(ActionUrgentCare(), tracker, domain)
    assert messages[0]["response"] == "utter_urgent_infection"


def test_distress_gets_crisis_line_and_emergency_number(domain):
    tracker = tracker_for([user("express_distress")])
    messages, _ = run(ActionDistressSupport(), tracker, domain)
    assert messages[0]["response"] == "utter_distress_support"
    assert messages[0]["crisis_line"] == "Samaritans on 116 123"
    assert messages[0]["emergency_number"] == "999"


def test_unconfigured_emergency_number_has_safe_default_wording(monkeypatch, domain):
    monkeypatch.delenv("EMERGENCY_NUMBER")
    clinic_settings.cache_clear()
    messages, _ = run(
        ActionUrgentCare(), tracker_for([user("report_emergency")]), domain
    )
    assert messages[0]["emergency_number"] == "your local emergency number"


# ---- Hand-off and fallback -----------------------------------------------


def test_contact_route_comes_from_configuration(domain):
    messages, _ = run(
        ActionContactClinic(), tracker_for([user("request_human")]), domain
    )
    assert messages[0]["response"] == "utter_contact_clinic"
    assert messages[0]["clinic_phone"] == "+44 20 7946 0000"
    assert messages[0]["booking_url"] == "https://hillside.example/book"


def test_fallbacks_alternate_and_the_second_offers_a_person(domain):
    first = [user("greet"), action("utter_greet"), user("nlu_fallback")]
    messages, _ = run(ActionFallback(), tracker_for(first), domain)
    assert messages[0]["response"] == "utter_ask_rephrase"

    second = first + [
        action("action_fallback"),
        action("action_listen"),
        user("nlu_fallback"),
    ]
    messages, _ = run(ActionFallback(), tracker_for(second), domain)
    assert messages[0]["response"] == "utter_ask_rephrase_offer_human"
    assert messages[0]["clinic_name"] == "Hillside Clinic"

    third = second + [
        action("action_fallback"),
        action("action_listen"),
        user("nlu_fallback"),
    ]
    messages, _ = run(ActionFallback(), tracker_for(third), domain)
    assert messages[0]["response"] == "utter_ask_rephrase"


def test_an_answer_between_fallbacks_resets_the_count():
    events = [
        action("action_fallback"),
        action("action_listen"),
        user("ask_pain"),
        action("utter_answer_pain"),
        action("action_listen"),
        user("nlu_fallback"),
    ]
    assert fallbacks_in_a_row(events) == 0


# ---- Prep sheet ------------------------------------------------------------

ALLERGY = {"entity": "allergy", "value": "I'm allergic to latex"}


def sheet_for(events, slots, domain) -> tuple[str, dict[str, Any]]:
    messages, _ = run(ActionPrepSheet(), tracker_for(events, slots), domain)
    assert len(messages) == 1
    return messages[0]["text"], messages[0]["custom"]


def test_sheet_covers_topics_raised_and_factors_in_the_persons_words(domain):
    events = [
        user("ask_pain"),
        action("utter_answer_pain"),
        user("ask_sessions"),
        action("utter_answer_sessions"),
        user("share_factor", "I'm allergic to latex", [ALLERGY]),
        user("request_prep_sheet"),
    ]
    text, payload = sheet_for(
        events, {"factor_allergy": "I'm allergic to latex"}, domain
    )
    assert "How is discomfort managed during and after" in text
    assert "(Pain and Discomfort)" in text
    assert "How many sessions, and how often" in text
    assert "(Multiple Sessions Required)" in text
    assert "Exactly what will be injected" in text  # raised by the allergy factor
    assert '"I\'m allergic to latex"' in text
    assert "qualifications" in text and "something goes wrong" in text
    assert "qualified healthcare professional" in text
    assert payload["type"] == "prep_sheet"
    headings = [s["heading"] for s in payload["sections"]]
    assert headings == [
        "Questions to ask about what you raised:",
        "Things to tell your practitioner:",
        "Questions every patient should ask:",
    ]


def test_sheet_lists_topics_once_in_the_order_raised(domain):
    events = [
        user("ask_cost"),
        user("ask_pain"),
        user("ask_cost"),
        user("ask_permanence"),
    ]
    assert topics_raised(events, domain, {}) == ["cost", "pain"]


def test_topics_before_a_restart_are_forgotten(domain):
    events = [user("ask_pain"), {"event": "restart"}, user("ask_cost")]
    tracker = tracker_for(events)
    assert topics_raised(tracker.applied_events(), domain, {}) == ["cost"]


def test_empty_conversation_gets_the_general_sheet(domain):
    text, payload = sheet_for([user("request_prep_sheet")], {}, domain)
    assert "You haven't asked about a topic yet" in text
    assert [s["heading"] for s in payload["sections"]] == [
        "Questions every patient should ask:"
    ]


def test_every_topic_has_a_prep_question(domain):
    topics = domain["slots"]["topic"]["values"]
    sheet = build_prep_sheet(domain, topics, {})
    assert len(sheet.sections[0][1]) == len(topics)


def test_acknowledgement_quotes_the_factor(domain):
    tracker = tracker_for([user("share_factor", "I'm allergic to latex", [ALLERGY])])
    messages, _ = run(ActionAcknowledgeFactor(), tracker, domain)
    assert messages[0]["response"] == "utter_factor_noted"
    assert messages[0]["factor"] == "I'm allergic to latex"


def test_acknowledgement_without_a_recognised_factor(domain):
    tracker = tracker_for([user("share_factor", "I have a thing")])
    messages, _ = run(ActionAcknowledgeFactor(), tracker, domain)
    assert messages[0]["response"] == "utter_factor_not_noted"


def test_factors_are_not_logged(domain, caplog):
    caplog.set_level(logging.DEBUG)
    events = [
        user("share_factor", "I'm allergic to latex", [ALLERGY]),
        user("request_prep_sheet"),
    ]
    run(ActionAcknowledgeFactor(), tracker_for(events[:1]), domain)
    sheet_for(events, {"factor_allergy": "I'm allergic to latex"}, domain)
    assert "latex" not in caplog.text
