"""Answers sent by actions: several per message, and the guide's gaps noted."""

from __future__ import annotations

from actions.answers import (
    ActionAnswerParts,
    ActionAnswerTopic,
    ActionNoteOpenQuestion,
    response_for,
    with_question,
    wording,
)
from actions.prep_sheet import ActionPrepSheet
from tests.support.trackers import tracker_for, user
from tests.test_actions import run, slot_events
from tests.test_message_parts import CONFIG as COLLECTOR_CONFIG


def parts_message(*parts: tuple[str, str], topic: str | None = None) -> dict:
    event = user("several_questions", " and ".join(text for _, text in parts))
    event["parse_data"]["message_parts"] = [
        {"name": name, "text": text, "topic": topic} for name, text in parts
    ]
    return event


def responses(messages: list[dict]) -> list[str]:
    return [m["response"] for m in messages if m.get("response")]


def test_each_answer_is_sent_once_in_the_order_asked(domain) -> None:
    event = parts_message(
        ("ask_pain", "does it hurt"),
        ("ask_cost", "how much is it"),
        ("ask_pain", "is it painful"),
    )
    messages, events = run(ActionAnswerParts(), tracker_for([event]), domain)
    assert responses(messages) == ["utter_answer_pain", "utter_answer_cost"]
    assert slot_events(events) == {"topic": "pain"}  # the last topic asked


def test_every_answer_intent_has_a_domain_response(domain) -> None:
    for intent in COLLECTOR_CONFIG["answer_intents"]:
        if intent != "followup_more":
            assert response_for(intent) in domain["responses"], intent


def test_a_question_beyond_the_guide_is_noted_and_confirmed(domain) -> None:
    event = parts_message(
        ("ask_pain", "does it hurt"), ("ask_beyond_guide", "can I swim after")
    )
    messages, events = run(ActionAnswerParts(), tracker_for([event]), domain)
    assert responses(messages) == ["utter_answer_pain", "utter_not_in_guide"]
    assert messages[-1]["text"] == wording()["question_noted"]
    assert slot_events(events)["open_questions"] == ["can I swim after"]


def test_a_follow_up_after_a_topic_answer_is_not_sent(domain) -> None:
    event = parts_message(
        ("ask_bruising", "will I bruise"), ("followup_duration", "how long")
    )
    messages, _ = run(ActionAnswerParts(), tracker_for([event]), domain)
    assert responses(messages) == ["utter_answer_bruising"]


def test_a_follow_up_naming_its_topic_is_sent(domain) -> None:
    event = parts_message(
        ("ask_bruising", "will I bruise"),
        ("followup_duration", "how long does the pain last"),
        topic="pain",
    )
    messages, events = run(ActionAnswerParts(), tracker_for([event]), domain)
    assert responses(messages) == ["utter_answer_bruising", "utter_followup_duration"]
    assert slot_events(events) == {"topic": "pain"}


def test_more_about_the_topic_repeats_its_answer(domain) -> None:
    tracker = tracker_for([user("followup_more", "why is that?")], {"topic": "cost"})
    messages, _ = run(ActionAnswerTopic(), tracker, domain)
    assert responses(messages) == ["utter_answer_cost"]


def test_more_without_a_topic_asks_which_one(domain) -> None:
    messages, _ = run(ActionAnswerTopic(), tracker_for([user("followup_more")]), domain)
    assert messages[0]["text"] == wording()["which_topic"]


def test_open_questions_are_kept_once_and_bounded() -> None:
    questions = with_question(["Can I swim?"], "can i  swim?")
    assert questions == ["can i swim?"]
    many = [f"question {n}" for n in range(20)]
    assert with_question(many, "last one")[-1] == "last one"
    assert len(with_question(many, "last one")) <= 12


def test_noted_questions_appear_on_the_prep_sheet(domain) -> None:
    question = "can I use hair wax after the treatment?"
    tracker = tracker_for([user("ask_beyond_guide", question)])
    _, events = run(ActionNoteOpenQuestion(), tracker, domain)
    slots = slot_events(events)
    sheet_tracker = tracker_for([user("request_prep_sheet")], slots)
    messages, _ = run(ActionPrepSheet(), sheet_tracker, domain)
    assert "Questions the guide doesn't answer" in messages[0]["text"]
    assert f'"{question}"' in messages[0]["text"]


def test_topics_from_a_several_question_message_reach_the_sheet(domain) -> None:
    event = parts_message(("ask_pain", "does it hurt"), ("ask_cost", "cost?"))
    messages, _ = run(ActionPrepSheet(), tracker_for([event]), domain)
    assert "(Pain and Discomfort)" in messages[0]["text"]
    assert "(Expensive Maintenance)" in messages[0]["text"]


def test_a_checked_answer_ends_with_the_conditional_line(domain) -> None:
    """The answer leads; "If this is happening now" follows it, never before."""
    event = parts_message(("ask_pain", "is it normal to be sore"))
    event["parse_data"]["risk_check"] = True
    messages, _ = run(ActionAnswerParts(), tracker_for([event]), domain)
    assert responses(messages) == ["utter_answer_pain", "utter_if_happening_now"]


def test_no_conditional_line_after_an_answer_that_gave_both_lists(domain) -> None:
    """The allergy answer names both lists: the line would say them twice."""
    event = parts_message(("ask_allergy", "could I react to it, is a rash normal"))
    event["parse_data"]["risk_check"] = True
    messages, _ = run(ActionAnswerParts(), tracker_for([event]), domain)
    assert responses(messages) == ["utter_answer_allergy"]


def test_an_unchecked_answer_has_no_conditional_line(domain) -> None:
    event = parts_message(("ask_pain", "does it hurt"), ("ask_cost", "the price"))
    messages, _ = run(ActionAnswerParts(), tracker_for([event]), domain)
    assert "utter_if_happening_now" not in responses(messages)
