"""The personal-factor extractor: what it notes, in whose words, and what not."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.personal_factors import PersonalFactorExtractor, find_factors


def kinds(text: str) -> dict[str, str]:
    return {e["entity"]: e["value"] for e in find_factors(text)}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I'm allergic to penicillin", "allergy"),
        ("i have a nickel allergy", "allergy"),
        ("I take warfarin every morning", "medication"),
        ("im on blood thinners", "medication"),
        ("I'm breastfeeding my son", "pregnancy"),
        ("we're trying to conceive", "pregnancy"),
        ("I'm terrified of needles", "needle_fear"),
        ("honestly I have a low pain threshold", "needle_fear"),
        ("money is tight at the moment", "cost_worry"),
        ("I can't afford much", "cost_worry"),
        ("I work long hours and travel a lot", "time_limit"),
        ("I don't have much time for appointments", "time_limit"),
        ("I tried minoxidil for two years", "previous_treatment"),
        ("I've had PRP before", "previous_treatment"),
    ],
)
def test_factor_is_noted_in_the_persons_words(text: str, kind: str) -> None:
    assert kinds(text) == {kind: text}


@pytest.mark.parametrize(
    "text",
    [
        "does it hurt?",
        "is it ok if I'm pregnant?",
        "what if I'm allergic to something in it?",
        "will it take long?",
        "how much does it cost?",
    ],
)
def test_questions_and_conditions_are_not_noted(text: str) -> None:
    assert kinds(text) == {}


def test_each_sentence_is_quoted_on_its_own() -> None:
    found = kinds("Hi. I'm allergic to latex. Also I take aspirin daily!")
    assert found == {
        "allergy": "I'm allergic to latex.",
        "medication": "Also I take aspirin daily!",
    }


def test_component_adds_entities_and_keeps_existing_ones() -> None:
    message = Message(
        data={"text": "I'm scared of needles", "entities": [{"entity": "x"}]}
    )
    PersonalFactorExtractor({}).process([message])
    entities = message.get("entities")
    assert entities[0] == {"entity": "x"}
    assert entities[1]["entity"] == "needle_fear"
    assert entities[1]["value"] == "I'm scared of needles"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my son takes sertraline every day", "medication"),
        ("she's on warfarin", "medication"),
        ("my wife is on antidepressants", "medication"),
        ("My son, who would be the one treated, works night shifts", "time_limit"),
        ("my husband, who wants it done, has psoriasis", "health_condition"),
        ("Dan has been using minoxidil for two years", "previous_treatment"),
        ("my niece Ana, who is coming with me, is pregnant", "pregnancy"),
    ],
)
def test_a_fact_about_the_person_to_be_treated_is_noted(text: str, kind: str) -> None:
    """Someone writing for a son or a wife prepares their consultation."""
    assert kinds(text) == {kind: text}


def test_a_blood_thinner_is_no_family_history_of_thinning() -> None:
    assert kinds("my dad is on blood thinners") == {
        "medication": "my dad is on blood thinners"
    }
