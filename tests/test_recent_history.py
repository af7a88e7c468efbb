"""The policies see the recent turns only, and predict exactly as before."""

from __future__ import annotations

import random

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    AllSlotsReset,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import ROOT
from bot.recent_history import RECENT_TURNS, carried_over, recent_tracker
from tests.support import aio

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "ask_pain", "ask_cost"],
        "slots": {
            "topic": {
                "type": "categorical",
                "values": ["pain", "cost"],
                "mappings": [{"type": "custom"}],
            },
            "noted": {"type": "bool", "mappings": [{"type": "custom"}]},
        },
        "responses": {"utter_greet": [{"text": "hi"}], "utter_pain": [{"text": "p"}]},
    }
)


def a_conversation(seed: int, turns: int) -> DialogueStateTracker:
    """Turns of a user message, an answer and slots set now and then."""
    rng = random.Random(seed)
    tracker = DialogueStateTracker("s", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    for turn in range(turns):
        intent = rng.choice(["greet", "ask_pain", "ask_cost"])
        tracker.update(UserUttered(f"m{turn}", {"name": intent, "confidence": 1.0}))
        if rng.random() < 0.4:
            tracker.update(SlotSet("topic", rng.choice(["pain", "cost"])))
        if rng.random() < 0.1:
            tracker.update(SlotSet("noted", rng.random() < 0.5))
        if rng.random() < 0.05:
            tracker.update(AllSlotsReset())
        tracker.update(ActionExecuted(rng.choice(["utter_greet", "utter_pain"])))
        tracker.update(BotUttered(f"b{turn}"))
        tracker.update(ActionExecuted("action_listen"))
    return tracker


@pytest.mark.parametrize("seed", range(10))
def test_every_state_within_the_window_is_the_whole_conversations(seed: int) -> None:
    tracker = a_conversation(seed, 60)
    recent = recent_tracker(tracker)
    assert len(recent.events) < len(tracker.events) / 3
    states, recent_states = tracker.past_states(DOMAIN), recent.past_states(DOMAIN)
    # Two states per turn; the window's first is the only one without context.
    reach = 2 * RECENT_TURNS - 1
    assert recent_states[-reach:] == states[-reach:]
    assert recent.current_slot_values() == tracker.current_slot_values()
    assert recent.latest_message == tracker.latest_message


def test_a_short_conversation_is_shown_whole() -> None:
    tracker = a_conversation(1, RECENT_TURNS)
    assert recent_tracker(tracker) is tracker


def test_what_is_carried_over_does_not_grow_with_the_conversation() -> None:
    earlier: list[Event] = [SlotSet("topic", "pain"), SlotSet("topic", "cost")] * 500
    earlier += [AllSlotsReset(), SlotSet("noted", True)]
    assert carried_over(earlier) == [SlotSet("noted", True)]


def rule_and_story_steps() -> list[tuple[str, dict]]:
    """Every rule and story of data/, with its kind."""
    found = []
    for path in sorted((ROOT / "data").glob("**/*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind in ("rules", "stories"):
            found += [(kind, item) for item in content.get(kind) or []]
    return found


def test_no_rule_or_story_reaches_beyond_the_window() -> None:
    """What makes the window safe: the policies never look further back."""
    for kind, item in rule_and_story_steps():
        users = [s for s in item["steps"] if "intent" in s or "or" in s or "user" in s]
        assert len(users) < RECENT_TURNS, f"{kind[:-1]} {item} spans {len(users)}"
        assert not item.get("conversation_start"), f"{item} starts a conversation"
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for policy in config["policies"]:
        assert policy.get("max_history", 0) < RECENT_TURNS, policy


def a_long_conversation() -> list[str]:
    """The test stories' user turns, then held-out NLU examples of every kind."""
    from tools.bench.load import nlu_examples, story_turns

    stories = story_turns(sorted((ROOT / "tests" / "stories").glob("*.yml")))
    examples = nlu_examples(ROOT / "tests" / "nlu" / "test_nlu.yml")
    turns = [text for story in stories for text in story]
    return turns + random.Random(3).sample(examples, 120 - len(turns))


@pytest.mark.model
def test_the_trained_policies_predict_as_with_the_whole_conversation() -> None:
    """Every prediction of a 120-turn conversation, with and without the window.

    The action server runs, so actions set the slots they set in production.
    """
    import rasa.core.agent
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    from bot import processor
    from tools.harness import ActionServer, running

    differing: list[str] = []
    compared = []

    class Comparing(processor.ProductionProcessor):
        def _predict_next_with_tracker(self, tracker):  # type: ignore[no-untyped-def]
            if tracker.followup_action:
                return super()._predict_next_with_tracker(tracker)
            whole = MessageProcessor._predict_next_with_tracker(self, tracker)
            windowed = super()._predict_next_with_tracker(tracker)
            applied = tracker.applied_events()
            compared.append(sum(isinstance(e, UserUttered) for e in applied))
            if (whole.probabilities, whole.policy_name, whole.events) != (
                windowed.probabilities,
                windowed.policy_name,
                windowed.events,
            ):
                differing.append(f"{tracker.latest_message.text!r}: {whole}")
            return windowed

    original = rasa.core.agent.MessageProcessor
    actions = ActionServer("recent-history-actions")
    try:
        with running(actions):
            rasa.core.agent.MessageProcessor = Comparing
            endpoints = AvailableEndpoints(action=EndpointConfig(actions.url))
            model = str(ROOT / "models" / "mesoprep.tar.gz")
            agent = aio.run(load_agent(model_path=model, endpoints=endpoints))
            for text in a_long_conversation():
                message = UserMessage(text, CollectingOutputChannel(), "long")
                aio.run(agent.handle_message(message))
    finally:
        rasa.core.agent.MessageProcessor = original
    print("user turns in view at each prediction:", compared)
    # Many predictions, most of them with more turns than the window holds.
    assert len(compared) > 240
    assert sum(turns > RECENT_TURNS for turns in compared) > 100
    assert differing == []
