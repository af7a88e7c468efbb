"""Whole conversations over REST against a live server (actions included)."""

from __future__ import annotations

import pytest

from tests.support.rest import Conversation

pytestmark = pytest.mark.server


def test_follow_up_takes_the_topic_from_context(assistant_url: str) -> None:
    chat = Conversation(assistant_url)
    assert "Source: Pain and Discomfort" in chat.text("does it hurt?")
    reply = chat.text("how long does that last?")
    assert "few days" in reply and "Source: Pain and Discomfort" in reply
    assert "Source: Bruising and Swelling" in chat.text("what about bruising?")
    reply = chat.text("for how long?")
    assert "Source: Bruising and Swelling" in reply and "temporary" in reply


def test_follow_up_without_a_topic_asks_which_one(assistant_url: str) -> None:
    messages = Conversation(assistant_url).say("how long does it last?")
    assert "Pick a topic" in messages[0]["text"]
    assert messages[0]["buttons"]


def test_greeting_discloses_and_offers_topic_buttons(assistant_url: str) -> None:
    messages = Conversation(assistant_url).say("hello")
    assert "automated assistant" in messages[0]["text"]
    assert {b["payload"] for b in messages[0]["buttons"]} >= {"/ask_pain", "/ask_cost"}


def test_topic_button_payload_answers(assistant_url: str) -> None:
    assert "Source: Multiple Sessions Required" in Conversation(assistant_url).text(
        "/ask_sessions"
    )


def test_fallback_never_repeats_and_second_offers_a_person(assistant_url: str) -> None:
    # The /nlu_fallback payload is what the FallbackClassifier produces for a
    # low-confidence message; sending it keeps the test about the dialogue.
    chat = Conversation(assistant_url)
    replies = [chat.text("/nlu_fallback") for _ in range(3)]
    assert replies[0] != replies[1] and replies[1] != replies[2]
    assert "reach a person" in replies[1]
    assert "reach a person" not in replies[0]
    assert replies[2] == replies[0]


def test_an_answer_between_fallbacks_restarts_the_alternation(
    assistant_url: str,
) -> None:
    chat = Conversation(assistant_url)
    first = chat.text("/nlu_fallback")
    chat.say("does it hurt?")
    assert chat.text("/nlu_fallback") == first


def test_unintelligible_message_gets_a_helpful_reply(assistant_url: str) -> None:
    reply = Conversation(assistant_url).text("zxq vlorp blenk")
    assert "mesotherapy" in reply or "put it another way" in reply
    assert "Source" not in reply


def test_cost_question_has_no_figures(assistant_url: str) -> None:
    reply = Conversation(assistant_url).text("how much is one session in pounds?")
    assert "no prices" in reply
    assert not any(ch.isdigit() for ch in reply)


def test_prep_sheet_covers_topics_and_factor(assistant_url: str) -> None:
    chat = Conversation(assistant_url)
    chat.say("does it hurt?")
    chat.say("how many sessions will I need?")
    ack = chat.text("I'm allergic to latex")
    assert '"I\'m allergic to latex"' in ack
    messages = chat.say("help me prepare for my consultation")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "(Pain and Discomfort)" in text
    assert "(Multiple Sessions Required)" in text
    assert '"I\'m allergic to latex"' in text
    # A client that doesn't say it renders the sheet gets the text only.
    assert not [m for m in messages if m.get("custom")]


def test_a_client_that_renders_the_sheet_gets_it_once_structured(
    assistant_url: str,
) -> None:
    chat = Conversation(assistant_url)
    chat.say("does it hurt?")
    messages = chat.say("my prep sheet please", metadata={"renders": ["prep_sheet"]})
    assert [m["custom"]["type"] for m in messages] == ["prep_sheet"]
    assert not [m for m in messages if m.get("text")]


def test_correcting_and_clearing_factors(assistant_url: str) -> None:
    chat = Conversation(assistant_url)
    chat.say("I'm allergic to latex")
    chat.say("sorry, I meant I'm allergic to nickel, not latex")
    sheet = chat.text("make me a checklist")
    assert "allergic to nickel" in sheet
    assert '"I\'m allergic to latex"' not in sheet
    chat.say("forget what I told you")
    sheet = chat.text("make me a checklist")
    assert "nickel" not in sheet
    assert "You haven't asked about a topic yet" in sheet
