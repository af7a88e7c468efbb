"""Personal factors by meaning: a statement the patterns miss gets the kind of
its nearest training example, and nothing else is noted."""

from __future__ import annotations

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.factors_by_meaning import FactorsByMeaning
from bot.nlu.personal_factors import find_factors
from tests.support.config import component_config

CONFIG = component_config("bot.nlu.factors_by_meaning.FactorsByMeaning")
# Training examples of the factor intent, as data/nlu has them.
EXAMPLES = [
    "I take sertraline every morning",
    "I'm on warfarin",
    "I had PRP treatment at another clinic last year",
    "I've tried minoxidil for a year",
    "I'm allergic to latex",
    "I'm a bit of a wimp when it comes to needles",  # no pattern: not used
]


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> FactorsByMeaning:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("factors")
    examples = [Message(data={"text": t, "intent": "share_factor"}) for t in EXAMPLES]
    examples.append(Message(data={"text": "I take the bus", "intent": "greet"}))
    FactorsByMeaning.create(CONFIG, storage, resource, None).train(
        TrainingData(training_examples=examples)
    )
    return FactorsByMeaning.load(CONFIG, storage, resource, None)


def shared(text: str, intent: str = "share_factor") -> Message:
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}})


def noted(component: FactorsByMeaning, message: Message) -> list[tuple[str, str]]:
    entities = component.process([message])[0].get("entities") or []
    return [(e["entity"], e["value"]) for e in entities]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I've been on sertraline for depression for about two years.", "medication"),
        ("Last year I made PRP three times in another clinic.", "previous_treatment"),
    ],
)
def test_a_factor_the_patterns_miss_is_noted_by_meaning(component, text, kind) -> None:
    assert not find_factors(text)  # the patterns alone note nothing
    assert noted(component, shared(text)) == [(kind, text)]


def test_only_the_examples_the_patterns_name_are_learnt(component) -> None:
    assert len(component.kinds) == len(EXAMPLES) - 1
    assert set(component.kinds) == {"medication", "previous_treatment", "allergy"}


@pytest.mark.parametrize("text", ["I live about an hour away", "I'm vegan"])
def test_a_statement_that_is_no_factor_is_not_noted(component, text: str) -> None:
    assert noted(component, shared(text)) == []


def test_other_intents_and_noted_messages_are_left_alone(component) -> None:
    text = "I've been on sertraline for two years"
    assert noted(component, shared(text, "ask_pain")) == []
    message = shared(text)
    message.set("entities", [{"entity": "medication", "value": "x"}])
    assert noted(component, message) == [("medication", "x")]


def test_a_question_is_never_noted(component) -> None:
    assert noted(component, shared("can I stay on citalopram during the course?")) == []


def test_untrained_it_notes_nothing(tmp_path) -> None:
    fresh = FactorsByMeaning.create(
        CONFIG, LocalModelStorage(tmp_path), Resource("x"), None
    )
    assert noted(fresh, shared("I've been on sertraline for two years")) == []
