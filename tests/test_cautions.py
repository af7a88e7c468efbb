"""The caution a stated personal fact brings: the right one, and only once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.cautions import (
    GENERAL_CAUTION,
    SPECIFIC_CAUTIONS,
    ActionGiveCautions,
    caution_kind,
    cautions_needed,
)
from tests.support.trackers import tracker_for, user


def fact(entity: str, words: str) -> dict[str, Any]:
    """A personal-factor entity as the extractor sets it: the person's words."""
    return {"entity": entity, "value": words}


@pytest.mark.parametrize(
    ("entity", "words", "kind"),
    [
        ("pregnancy", "I'm pregnant", "pregnancy"),
        ("pregnancy", "I'm breastfeeding", "pregnancy"),
        ("medication", "I'm on warfarin", "blood_thinner"),
        ("medication", "I take blood thinners", "blood_thinner"),
        ("medication", "I'm on apixaban", "blood_thinner"),
        ("health_condition", "I have a bleeding disorder", "bleeding_disorder"),
        ("health_condition", "I have haemophilia", "bleeding_disorder"),
        ("health_condition", "I'm diabetic", "diabetes"),
        ("medication", "I take insulin", "diabetes"),
        ("health_condition", "I have an autoimmune disease", "immune"),
        ("medication", "I'm on immunosuppressants", "immune"),
        ("medication", "I take sertraline", "medicine"),
        ("health_condition", "I have eczema", None),
        ("allergy", "I'm allergic to latex", None),
    ],
)
def test_each_fact_gets_its_own_caution(
    entity: str, words: str, kind: str | None
) -> None:
    assert caution_kind(entity, words) == kind


def test_a_caution_already_given_is_not_repeated() -> None:
    entities = [
        fact("medication", "I'm on warfarin"),
        fact("pregnancy", "I'm pregnant"),
    ]
    assert cautions_needed(entities, []) == ["blood_thinner", "pregnancy"]
    assert cautions_needed(entities, ["blood_thinner"]) == ["pregnancy"]
    assert cautions_needed(entities, ["blood_thinner", "pregnancy"]) == []


def run_action(entities: list[dict[str, Any]], given: list[str] | None = None):
    tracker = tracker_for(
        [user("fact_and_question", "text", entities)], {"cautions_given": given}
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionGiveCautions().run(dispatcher, tracker, {}))
    return [m["response"] for m in dispatcher.messages], events


def test_the_action_utters_the_caution_and_remembers_it() -> None:
    responses, events = run_action([fact("medication", "I'm on warfarin")])
    assert responses == ["utter_caution_blood_thinner"]
    assert events == [
        {
            "event": "slot",
            "timestamp": None,
            "name": "cautions_given",
            "value": ["blood_thinner"],
        }
    ]


def test_the_action_stays_silent_the_second_time() -> None:
    responses, events = run_action(
        [fact("medication", "I'm on warfarin")], ["blood_thinner"]
    )
    assert responses == [] and events == []


def test_every_caution_the_action_can_send_is_a_domain_response(domain) -> None:
    kinds = {*GENERAL_CAUTION.values(), *SPECIFIC_CAUTIONS}
    assert {f"utter_caution_{kind}" for kind in kinds} <= set(domain["responses"])


def test_a_caution_the_answer_already_gives_is_not_said_twice() -> None:
    """ "I'm pregnant, can I have it?": the pregnancy answer says it itself."""
    message = user("fact_and_question", "I'm pregnant, can I have it?")
    message["parse_data"]["entities"] = [fact("pregnancy", "I'm pregnant")]
    message["parse_data"]["message_parts"] = [
        {"name": "share_factor", "text": "I'm pregnant"},
        {"name": "ask_pregnancy", "text": "can I have it?"},
    ]
    tracker = tracker_for([message], {"cautions_given": []})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionGiveCautions().run(dispatcher, tracker, {}))
    assert dispatcher.messages == []
    assert events[0]["value"] == ["pregnancy"]  # and not given later either


def test_a_caution_the_answer_does_not_give_is_still_given() -> None:
    message = user("fact_and_question", "I'm on warfarin, does it hurt?")
    message["parse_data"]["entities"] = [fact("medication", "I'm on warfarin")]
    message["parse_data"]["message_parts"] = [{"name": "ask_pain", "text": "x"}]
    tracker = tracker_for([message], {"cautions_given": []})
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionGiveCautions().run(dispatcher, tracker, {}))
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_caution_blood_thinner"
    ]


@pytest.mark.parametrize(
    ("entity", "words"),
    [
        ("medication", "I'm on warfarin"),
        ("health_condition", "I have type 1 diabetes"),
        ("health_condition", "I have lupus"),
    ],
)
def test_the_condition_answer_gives_the_cautions_it_names(
    domain, entity: str, words: str
) -> None:
    """It names blood thinners, diabetes and immune conditions: no repeat."""
    message = user("fact_and_question", f"{words}, can I have it?")
    message["parse_data"]["entities"] = [fact(entity, words)]
    message["parse_data"]["message_parts"] = [
        {"name": "ask_medical_condition", "text": "can I have it?"}
    ]
    tracker = tracker_for([message], {"cautions_given": []})
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionGiveCautions().run(dispatcher, tracker, {}))
    assert dispatcher.messages == []
    answer = domain["responses"]["utter_answer_medical_condition"][0]["text"]
    assert all(w in answer for w in ("blood thinners", "diabetes", "immune"))
