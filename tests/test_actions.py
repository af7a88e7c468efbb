"""Custom actions: trackers built in the test, assertions on events and text."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.prep_sheet import (
    SHEET_CAPABILITY,
    ActionNoteFactor,
    ActionPrepSheet,
    build_prep_sheet,
    sheet_text,
    topics_raised,
)
from actions.settings import ActionLoadSettings
from tests.support.trackers import tracker_for, user


def run(action_obj, tracker, domain) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action_obj.run(dispatcher, tracker, domain))
    return dispatcher.messages, events


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


# ---- Settings ---------------------------------------------------------------


def test_the_settings_action_fills_every_settings_slot(monkeypatch, domain):
    monkeypatch.setenv("REGION", "au")
    monkeypatch.setenv("CLINIC_PHONE", "+61 2 9999 0000")
    monkeypatch.delenv("CRISIS_LINE", raising=False)
    monkeypatch.delenv("EMERGENCY_NUMBER", raising=False)
    _, events = run(
        ActionLoadSettings(), tracker_for([user("report_emergency")]), domain
    )
    slots = slot_events(events)
    assert slots["emergency_number"] == "000"
    assert slots["crisis_line"] == "Lifeline on 13 11 14"
    assert slots["clinic_reach"] == "the clinic: phone +61 2 9999 0000"
    assert set(slots) <= set(domain["slots"])


def test_an_unusable_region_leaves_the_slots_alone(monkeypatch, domain):
    monkeypatch.setenv("REGION", "narnia")
    _, events = run(ActionLoadSettings(), tracker_for([user("greet")]), domain)
    assert events == []


# ---- Noting factors -----------------------------------------------------------

ALLERGY = {"entity": "allergy", "value": "I'm allergic to latex"}


def test_noted_factor_quotes_the_persons_words(domain):
    tracker = tracker_for([user("share_factor", "I'm allergic to latex", [ALLERGY])])
    messages, events = run(ActionNoteFactor(), tracker, domain)
    assert messages == []
    assert slot_events(events) == {"noted_factor": "I'm allergic to latex"}


def test_nothing_noted_clears_the_noted_factor(domain):
    tracker = tracker_for([user("share_factor", "I have a thing")])
    _, events = run(ActionNoteFactor(), tracker, domain)
    assert slot_events(events) == {"noted_factor": None}


# ---- Prep sheet ---------------------------------------------------------------


WIDGET_METADATA = {"renders": [SHEET_CAPABILITY]}


def with_metadata(event: dict, metadata: Any) -> dict:
    """The user event as a client sending `metadata` produces it.

    Rasa keeps the message's metadata on the event and in its parse data,
    which is what the action server gets as `latest_message`.
    """
    parse_data = event["parse_data"] | {"metadata": metadata}
    return event | {"metadata": metadata, "parse_data": parse_data}


def sheet_messages(events, slots, domain, metadata: Any = None) -> list[dict]:
    """What the action sends when the last message carried `metadata`."""
    if metadata is not None:
        events = [*events[:-1], with_metadata(events[-1], metadata)]
    messages, _ = run(ActionPrepSheet(), tracker_for(events, slots), domain)
    return messages


def assert_one_form(messages: list[dict]) -> dict:
    """Exactly one message, holding the sheet as text or as payload, not both."""
    assert len(messages) == 1, messages
    message = messages[0]
    assert bool(message.get("text")) != bool(message.get("custom")), (
        "the sheet must go as text or as payload, never both"
    )
    return message


def sheet_for(events, slots, domain) -> tuple[str, dict[str, Any]]:
    """The sheet as a generic client gets it (text) and as the widget does."""
    text = assert_one_form(sheet_messages(events, slots, domain))["text"]
    widget = assert_one_form(sheet_messages(events, slots, domain, WIDGET_METADATA))
    return text, widget["custom"]


def test_sheet_covers_topics_raised_and_factors_in_the_persons_words(domain):
    events = [
        user("ask_pain"),
        user("ask_sessions"),
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
    items = [item for s in payload["sections"] for item in s["items"]]
    assert any("(Pain and Discomfort)" in item for item in items)
    assert '"I\'m allergic to latex"' in items


@pytest.mark.parametrize(
    "channel", ["rest", "socketio", "cmdline", "telegram", "twilio"]
)
def test_without_the_capability_only_text_is_sent(domain, channel):
    # Generic REST clients (a conversation checker reading `text`) included.
    events = [
        user("ask_pain", channel=channel),
        user("request_prep_sheet", channel=channel),
    ]
    message = assert_one_form(sheet_messages(events, {}, domain))
    assert "(Pain and Discomfort)" in message["text"]
    assert not message.get("custom")


@pytest.mark.parametrize("channel", ["rest", "socketio"])
def test_with_the_capability_only_the_payload_is_sent(domain, channel):
    events = [
        user("ask_pain", channel=channel),
        user("request_prep_sheet", channel=channel),
    ]
    message = assert_one_form(sheet_messages(events, {}, domain, WIDGET_METADATA))
    assert message["custom"]["type"] == "prep_sheet"
    assert not message.get("text")
    assert not message.get("buttons") and not message.get("image")


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"renders": []},
        {"renders": ["something_else"]},
        {"renders": "prep_sheet"},  # a string, not a list of capabilities
        {"renders": {"prep_sheet": True}},
        ["prep_sheet"],
        "prep_sheet",
    ],
)
def test_anything_but_a_declared_capability_gets_text(domain, metadata):
    message = assert_one_form(
        sheet_messages([user("request_prep_sheet")], {}, domain, metadata)
    )
    assert message.get("text") and not message.get("custom")


@pytest.mark.parametrize("metadata", [None, WIDGET_METADATA])
def test_the_sheet_is_sent_once_never_as_text_and_payload(domain, metadata):
    events = [user("ask_pain"), user("request_prep_sheet")]
    messages = sheet_messages(events, {}, domain, metadata)
    forms = [key for m in messages for key in ("text", "custom") if m.get(key)]
    assert len(forms) == 1, f"the sheet went as {forms}"


def test_the_capability_is_read_from_the_latest_message(domain):
    events = [
        with_metadata(user("ask_pain"), WIDGET_METADATA),
        user("request_prep_sheet"),
    ]
    message = assert_one_form(sheet_messages(events, {}, domain))
    assert message.get("text") and not message.get("custom")


def test_metadata_of_a_rest_message_reaches_the_action(domain):
    """What Rasa sends the action server carries the REST body's metadata."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa_sdk import Tracker

    def sent_to_action_server(metadata: dict | None) -> Tracker:
        intent = {"name": "request_prep_sheet", "confidence": 1.0}
        parse_data = {"text": "prep", "intent": intent, "entities": []}
        tracker = DialogueStateTracker("test", [])
        # As rasa.core.processor logs a message from a channel.
        event = UserUttered(
            "prep", intent, [], parse_data, input_channel="rest", metadata=metadata
        )
        tracker.update(event, Domain.empty())
        request = RemoteAction("action_prep_sheet", None)._action_call_format(
            tracker, Domain.empty()
        )
        return Tracker.from_dict(request["tracker"])

    dispatcher = CollectingDispatcher()
    tracker = sent_to_action_server(WIDGET_METADATA)
    asyncio.run(ActionPrepSheet().run(dispatcher, tracker, domain))
    assert_one_form(dispatcher.messages)
    assert dispatcher.messages[0]["custom"]["type"] == "prep_sheet"

    dispatcher = CollectingDispatcher()
    asyncio.run(ActionPrepSheet().run(dispatcher, sent_to_action_server(None), domain))
    assert_one_form(dispatcher.messages)
    assert dispatcher.messages[0]["text"]


def test_sheet_lists_topics_once_in_the_order_raised(domain):
    events = [
        user("ask_cost"),
        user("ask_pain"),
        user("ask_cost"),
        user("ask_permanence"),
    ]
    assert topics_raised(events, domain, {}) == ["cost", "pain"]


def test_factors_raise_their_topics(domain):
    factors = {"factor_needle_fear": "I hate needles", "factor_medication": "I take x"}
    assert topics_raised([], domain, factors) == ["pain"]


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
    assert set(sheet_text()["topic_questions"]) == set(topics)
    sheet = build_prep_sheet(topics, {})
    assert len(sheet.sections[0][1]) == len(topics)


def test_factors_are_not_logged(domain, caplog):
    caplog.set_level(logging.DEBUG)
    events = [
        user("share_factor", "I'm allergic to latex", [ALLERGY]),
        user("request_prep_sheet"),
    ]
    run(ActionNoteFactor(), tracker_for(events[:1]), domain)
    sheet_for(events, {"factor_allergy": "I'm allergic to latex"}, domain)
    assert "latex" not in caplog.text


@pytest.mark.parametrize("topic", ["pain", "cost", "efficacy"])
def test_sheet_text_reads_as_plain_text(topic):
    text = build_prep_sheet([topic], {}).as_text()
    assert "\n\n• " not in text and "\n• " in text
    assert "{" not in text and "<" not in text
