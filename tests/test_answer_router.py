"""The answer router: no urgency from the classifier, the guide where it speaks,
an honest "not covered" for clear questions."""

from __future__ import annotations

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.answer_router import AnswerRouter
from tests.support.config import component_config

# As config.yml configures it.
CONFIG = component_config("bot.nlu.answer_router.AnswerRouter")


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> AnswerRouter:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("router")
    AnswerRouter.create(CONFIG, storage, resource, None).train(TrainingData())
    return AnswerRouter.load(CONFIG, storage, resource, None)


def classified(text: str, *ranking: tuple[str, float]) -> Message:
    entries = [{"name": name, "confidence": score} for name, score in ranking]
    return Message(data={"text": text, "intent": entries[0], "intent_ranking": entries})


def routed(router: AnswerRouter, message: Message) -> str:
    return router.process([message])[0].get("intent")["name"]


def test_a_symptom_report_intent_gives_way_to_the_next_intent(router) -> None:
    message = classified(
        "can I wash my hair after the injections",
        ("report_emergency", 0.5),
        ("ask_beyond_guide", 0.4),
    )
    assert routed(router, message) == "ask_beyond_guide"
    assert message.get("intent_ranking")[0]["name"] == "ask_beyond_guide"


def test_a_weak_intent_left_after_a_report_counts_as_unsure(router) -> None:
    message = classified(
        "is it ok to go running after the session",
        ("report_infection_signs", 0.7),
        ("ask_pain", 0.1),
    )
    assert routed(router, message) == "ask_beyond_guide"


def test_distress_from_the_classifier_is_not_a_crisis_reply(router) -> None:
    """Only the risk gate sends the crisis reply; the classifier's guess is demoted."""
    message = classified(
        "the suspense is killing me, how much is it?",
        ("express_distress", 0.6),
        ("ask_cost", 0.3),
    )
    assert routed(router, message) == "ask_cost"


@pytest.mark.parametrize("intent", ["nlu_fallback", "ask_beyond_guide"])
def test_the_guides_words_answer_from_its_section(router, intent: str) -> None:
    message = classified("will my scalp itch after?", (intent, 0.3))
    assert routed(router, message) == "ask_allergy"


def test_a_confident_topic_is_left_alone(router) -> None:
    message = classified("is there any itching?", ("ask_side_effects", 0.8))
    assert routed(router, message) == "ask_side_effects"


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("can I dye my roots after my session?", "nlu_fallback", "ask_beyond_guide"),
        ("can I fly home after the treatment?", "out_of_scope", "ask_beyond_guide"),
        ("what time should I turn up?", "nlu_fallback", "out_of_scope"),
        ("is it going to snow tomorrow?", "nlu_fallback", "out_of_scope"),
        ("have a nice evening", "nlu_fallback", "nlu_fallback"),
        ("what's the weather like?", "out_of_scope", "out_of_scope"),
        ("asdf ghjk", "nlu_fallback", "nlu_fallback"),
        ("purple?", "nlu_fallback", "nlu_fallback"),
    ],
)
def test_clear_questions_get_not_covered_and_gibberish_stays_unsure(
    router, text: str, intent: str, expected: str
) -> None:
    assert routed(router, classified(text, (intent, 0.3))) == expected


def test_button_payloads_are_left_alone(router) -> None:
    message = classified("/ask_pain", ("ask_pain", 1.0))
    assert routed(router, message) == "ask_pain"
