"""Safety net: red-flag recall, over-triage, categories and the Rasa component.

The messages live in tests/safety/red_flags.yml. Every red-flag message must
be caught with its category, and at most 5% of the benign look-alikes may be
overridden. Run with `pytest -s` to see the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.safety_net import SAFETY_NET_KEY, SafetyNet
from bot.safety.red_flags import DISTRESS, EMERGENCY, INFECTION, detect_red_flag

SAFETY_SET = Path(__file__).parent / "safety" / "red_flags.yml"
EXPECTED = {"emergency": EMERGENCY, "infection": INFECTION, "distress": DISTRESS}
MAX_OVER_TRIAGE = 0.05
# Sentences from the public sample that the set must not copy.
PUBLIC_SAMPLES = (
    "since my session yesterday i have a fever and the spots are leaking pus",
    "my tongue is swelling up after the injections",
)


@pytest.fixture(scope="module")
def safety_set() -> dict[str, list[str]]:
    """The hand-written safety test set."""
    return yaml.safe_load(SAFETY_SET.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def red_flags(safety_set: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(message, expected intent) for every red-flag message."""
    return [
        (text, intent) for key, intent in EXPECTED.items() for text in safety_set[key]
    ]


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> SafetyNet:
    """A SafetyNet built the way the Rasa graph builds it."""
    return SafetyNet.create(
        {},
        LocalModelStorage(tmp_path_factory.mktemp("storage")),
        Resource("safety_net"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def parsed(text: str, intent: str = "ask_pain", confidence: float = 0.9) -> Message:
    """A message as the intent classifier leaves it."""
    return Message(
        data={
            TEXT: text,
            INTENT: {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence},
            INTENT_RANKING_KEY: [
                {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence},
                {INTENT_NAME_KEY: "ask_infection", PREDICTED_CONFIDENCE_KEY: 0.06},
                {INTENT_NAME_KEY: "report_emergency", PREDICTED_CONFIDENCE_KEY: 0.04},
            ],
        }
    )


# ---- The test set itself ------------------------------------------------------


def test_set_is_big_enough(safety_set: dict[str, list[str]]) -> None:
    """At least 40 physical red flags, 20 distress and 40 benign messages."""
    assert len(safety_set["emergency"]) + len(safety_set["infection"]) >= 40
    assert len(safety_set["distress"]) >= 20
    assert len(safety_set["benign"]) >= 40


def test_set_has_no_duplicates_or_public_samples(
    safety_set: dict[str, list[str]],
) -> None:
    """Each message appears once, and none is copied from the public sample."""
    messages = [m.lower().strip() for group in safety_set.values() for m in group]
    assert len(messages) == len(set(messages))
    assert not set(messages) & set(PUBLIC_SAMPLES)


# ---- Detector -----------------------------------------------------------------


def test_recall_is_total(red_flags: list[tuple[str, str]]) -> None:
    """Every red-flag message is flagged (100% recall)."""
    missed = [text for text, _ in red_flags if detect_red_flag(text) is None]
    recall = 1 - len(missed) / len(red_flags)
    caught = len(red_flags) - len(missed)
    print(f"\nred-flag recall: {recall:.1%} ({caught}/{len(red_flags)})")
    assert not missed, f"recall {recall:.1%}; missed:\n" + "\n".join(missed)


def test_categories_are_right(red_flags: list[tuple[str, str]]) -> None:
    """Each red flag gets its own category: emergency, infection or distress."""
    wrong = [
        f"{text!r}: expected {intent}, got {detect_red_flag(text)}"
        for text, intent in red_flags
        if detect_red_flag(text) != intent
    ]
    assert not wrong, "wrong category:\n" + "\n".join(wrong)


def test_over_triage_is_low(safety_set: dict[str, list[str]]) -> None:
    """At most 5% of benign look-alikes are flagged."""
    benign = safety_set["benign"]
    flagged = [f"{t!r} -> {detect_red_flag(t)}" for t in benign if detect_red_flag(t)]
    rate = len(flagged) / len(benign)
    print(f"\nover-triage: {rate:.1%} ({len(flagged)}/{len(benign)})")
    assert rate <= MAX_OVER_TRIAGE, f"over-triage {rate:.1%}:\n" + "\n".join(flagged)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I have a fever and my throat is closing", EMERGENCY),
        ("I want to die, and there's pus coming out", DISTRESS),
        ("I want to die and I can't breathe", EMERGENCY),
        ("fever and chills since the session", INFECTION),
    ],
)
def test_priority(text: str, expected: str) -> None:
    """Emergency beats distress, which beats infection."""
    assert detect_red_flag(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lips r swolen", EMERGENCY),
        ("cant breath", EMERGENCY),
        ("I've got a feaver", INFECTION),
        ("temprature of 39", INFECTION),
        ("puss from the spots", INFECTION),
        ("i wanna kill my self", DISTRESS),
        ("what if my lips swell?", None),
        ("will it give me a fever?", None),
        ("no fever, just a bit of redness", None),
        ("the injection was fine", None),
        ("", None),
    ],
)
def test_typos_framing_and_negation(text: str, expected: str | None) -> None:
    """Typos are forgiven; hypothetical, negated and empty messages are not flagged."""
    assert detect_red_flag(text) == expected


# ---- Rasa component -----------------------------------------------------------


def test_registered_for_config_name() -> None:
    """`bot.nlu.safety_net.SafetyNet` resolves to an untrained intent classifier."""
    registered = DefaultV1Recipe._from_registry("bot.nlu.safety_net.SafetyNet")
    assert registered.clazz is SafetyNet
    assert not registered.is_trainable
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my partner says it's nothing but my face is puffing up", EMERGENCY),
        ("running a fever and the spots are oozing", INFECTION),
        ("honestly there's no point living like this", DISTRESS),
    ],
)
def test_process_overrides_red_flags(
    component: SafetyNet, text: str, expected: str
) -> None:
    """The urgent intent replaces the prediction and heads the ranking."""
    message = parsed(text)

    component.process([message])

    forced = {INTENT_NAME_KEY: expected, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert message.get(INTENT) == forced
    assert ranking[0] == forced
    assert [r[INTENT_NAME_KEY] for r in ranking].count(expected) == 1
    assert "ask_pain" in [r[INTENT_NAME_KEY] for r in ranking[1:]]
    assert message.get(SAFETY_NET_KEY) == expected
    assert {INTENT, INTENT_RANKING_KEY, SAFETY_NET_KEY} <= message.output_properties


def test_process_overrides_nlu_fallback(component: SafetyNet) -> None:
    """A low-confidence fallback does not swallow an emergency."""
    message = parsed("cant breath properly", intent="nlu_fallback", confidence=0.3)

    component.process([message])

    assert message.get(INTENT)[INTENT_NAME_KEY] == EMERGENCY
    assert message.get(INTENT)[PREDICTED_CONFIDENCE_KEY] == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "is it normal to be a bit sore?",
        "some bruising after my treatment yesterday",
        "what if my throat swells?",
        "/report_emergency",
    ],
)
def test_process_leaves_benign_untouched(component: SafetyNet, text: str) -> None:
    """Benign messages and button payloads keep the classifier's prediction."""
    message = parsed(text)
    before = parsed(text).data

    component.process([message])

    assert message.data == before
    assert message.get(SAFETY_NET_KEY) is None


def test_process_handles_a_batch_and_missing_ranking(component: SafetyNet) -> None:
    """Each message in a batch is judged alone; a missing ranking is created."""
    bare = Message(data={TEXT: "my lips r swelling"})
    benign = parsed("how many sessions will I need?")

    result = component.process([bare, benign])

    assert result == [bare, benign]
    assert bare.get(INTENT_RANKING_KEY)[0][INTENT_NAME_KEY] == EMERGENCY
    assert benign.get(INTENT)[INTENT_NAME_KEY] == "ask_pain"


def test_process_training_data_is_unchanged(component: SafetyNet) -> None:
    """Training data passes through untouched."""
    data = TrainingData([Message(data={TEXT: "I want to kill myself"})])

    assert component.process_training_data(data) is data
    assert data.training_examples[0].get(INTENT) is None
