"""Several questions in one message: split, classified part by part, folded back."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.message_parts import (
    MESSAGE_PARTS_KEY,
    PART_OF_KEY,
    RISK_CHECK_KEY,
    MessageSplitter,
    PartsCollector,
)
from tests.support.config import component_config

# As config.yml configures it.
CONFIG = component_config("bot.nlu.message_parts.PartsCollector")
FACTOR = {"entity": "needle_fear", "value": "I'm scared of needles"}


@pytest.fixture()
def collector() -> PartsCollector:
    return PartsCollector(CONFIG)


def split(text: str) -> list[Message]:
    return MessageSplitter({}).process([Message(data={"text": text})])


def classify(messages: list[Message], *intents: tuple[str, float]) -> None:
    """Give the whole message, then each part, an intent (as the classifier)."""
    for message, (name, confidence) in zip(messages, intents, strict=True):
        intent = {"name": name, "confidence": confidence}
        message.set("intent", intent)
        message.set("intent_ranking", [intent])


def parts_of(message: Message) -> list[tuple[str, Any]]:
    return [(p["name"], p["text"]) for p in message.get(MESSAGE_PARTS_KEY) or []]


def test_splitter_appends_one_message_per_clause() -> None:
    messages = split("does it hurt and how much does it cost?")
    assert [m.get("text") for m in messages] == [
        "does it hurt and how much does it cost?",
        "does it hurt",
        "how much does it cost?",
    ]
    assert [m.get(PART_OF_KEY) for m in messages] == [None, 0, 0]


def test_a_simple_message_gets_no_parts() -> None:
    assert len(split("does it hurt?")) == 1


def test_two_questions_become_an_ordered_answer_list(collector) -> None:
    messages = split("does it hurt and how much does it cost?")
    classify(messages, ("ask_pain", 0.6), ("ask_pain", 0.9), ("ask_cost", 0.8))
    [whole] = collector.process(messages)
    assert whole.get("intent")["name"] == "several_questions"
    assert parts_of(whole) == [
        ("ask_pain", "does it hurt"),
        ("ask_cost", "how much does it cost?"),
    ]


def test_a_fact_and_a_question_become_fact_and_question(collector) -> None:
    messages = split("I'm scared of needles. Does it hurt?")
    messages[0].set("entities", [FACTOR])
    classify(messages, ("share_factor", 0.6), ("share_factor", 0.9), ("ask_pain", 0.8))
    [whole] = collector.process(messages)
    assert whole.get("intent")["name"] == "fact_and_question"
    assert parts_of(whole) == [("ask_pain", "Does it hurt?")]


def test_a_fact_stated_without_a_question_is_noted(collector) -> None:
    """A statement the classifier took for its topic's question is a fact."""
    messages = split("I take lisinopril for my blood pressure")
    messages[0].set("entities", [FACTOR])
    classify(messages, ("ask_medical_condition", 0.7))
    [whole] = collector.process(messages)
    assert whole.get("intent")["name"] == "share_factor"


def test_a_question_with_a_fact_is_still_answered(collector) -> None:
    messages = split("I take lisinopril, is that a problem?")
    messages[0].set("entities", [FACTOR])
    classify(
        messages,
        ("ask_medical_condition", 0.7),
        ("share_factor", 0.8),
        ("ask_medical_condition", 0.8),
    )
    [whole] = collector.process(messages)
    assert whole.get("intent")["name"] == "fact_and_question"


def test_a_vague_question_takes_the_topic_from_the_whole_message(collector) -> None:
    messages = split("I'm scared of needles, would it be too much for me?")
    messages[0].set("entities", [FACTOR])
    whole_ranking = [
        {"name": "share_factor", "confidence": 0.5},
        {"name": "ask_pain", "confidence": 0.4},
    ]
    classify(
        messages, ("share_factor", 0.5), ("share_factor", 0.9), ("nlu_fallback", 0.3)
    )
    messages[0].set("intent_ranking", whole_ranking)
    [whole] = collector.process(messages)
    assert whole.get("intent")["name"] == "fact_and_question"
    assert [name for name, _ in parts_of(whole)] == ["ask_pain"]


def test_a_greeting_gives_way_to_the_question_asked_with_it(collector) -> None:
    messages = split("hello there! how many sessions would I need?")
    classify(messages, ("greet", 0.5), ("greet", 0.9), ("ask_sessions", 0.9))
    [whole] = collector.process(messages)
    assert whole.get("intent")["name"] == "ask_sessions"
    assert whole.get(MESSAGE_PARTS_KEY) is None


@pytest.mark.parametrize("intent", ["report_emergency", "request_prep_sheet"])
def test_urgent_and_functional_intents_are_never_combined(collector, intent) -> None:
    messages = split("my lips are swelling, does it hurt and what does it cost?")
    classify(
        messages,
        (intent, 1.0),
        ("report_emergency", 0.9),
        ("ask_pain", 0.9),
        ("ask_cost", 0.9),
    )
    [whole] = collector.process(messages)
    assert whole.get("intent")["name"] == intent


def test_weak_parts_are_not_answered(collector) -> None:
    messages = split("does it hurt and what about blorp?")
    classify(messages, ("ask_pain", 0.9), ("ask_pain", 0.9), ("ask_cost", 0.1))
    [whole] = collector.process(messages)
    assert whole.get("intent")["name"] == "ask_pain"


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("how long does the pain last?", "pain"),
        ("I had an infection once, how do I avoid that?", "infection"),
    ],
)
def test_a_follow_up_naming_its_topic_fills_the_topic_entity(
    collector, text: str, topic: str
) -> None:
    messages = split(text)
    intents = [("followup_duration", 0.9)] * len(messages)
    classify(messages, *intents)
    [whole] = collector.process(messages)
    assert {"entity": "topic", "value": topic} in [
        {k: e[k] for k in ("entity", "value")} for e in whole.get("entities") or []
    ]


def test_a_question_the_risk_gate_leans_on_gets_the_safety_line(collector) -> None:
    """One answer, listed under its own intent, so the conditional line follows it."""
    [message] = split("is it normal for my scalp to feel tight?")
    classify([message], ("ask_pain", 0.7))
    message.set(RISK_CHECK_KEY, True)
    [whole] = collector.process([message])
    assert whole.get("intent")["name"] == "answer_with_safety_line"
    assert parts_of(whole) == [("ask_pain", "is it normal for my scalp to feel tight?")]


def test_the_safety_line_never_comes_alone(collector) -> None:
    """Without an answerable question the message keeps its intent: no line first."""
    [message] = split("hmm my scalp")
    classify([message], ("nlu_fallback", 0.3))
    message.set(RISK_CHECK_KEY, True)
    [whole] = collector.process([message])
    assert whole.get("intent")["name"] == "nlu_fallback"
