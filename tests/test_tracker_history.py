"""Incremental applied_events() and replay-free copy() agree with Rasa's own."""

from __future__ import annotations

import random

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot import tracker_history

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "ask_pain"],
        "slots": {"topic": {"type": "text", "mappings": [{"type": "custom"}]}},
        "responses": {"utter_greet": [{"text": "hi"}]},
    }
)


def random_event(rng: random.Random, turn: int) -> Event:
    """A turn's worth of what conversations hold, reverts and restarts included."""
    kind = rng.choices(
        ["user", "action", "bot", "slot", "undo", "revert", "restart", "session"],
        weights=[30, 30, 10, 10, 3, 3, 2, 2],
    )[0]
    return {
        "user": lambda: UserUttered(f"m{turn}", {"name": "greet", "confidence": 1.0}),
        "action": lambda: ActionExecuted(rng.choice(["action_listen", "utter_greet"])),
        "bot": lambda: BotUttered(f"b{turn}"),
        "slot": lambda: SlotSet("topic", f"t{turn}"),
        "undo": UserUtteranceReverted,
        "revert": ActionReverted,
        "restart": Restarted,
        "session": SessionStarted,
    }[kind]()


@pytest.mark.parametrize("seed", range(40))
def test_the_incremental_fold_equals_rasas_after_every_event(seed: int) -> None:
    rng = random.Random(seed)
    tracker = DialogueStateTracker("s", DOMAIN.slots)
    for turn in range(120):
        tracker.update(random_event(rng, turn))
        if rng.random() < 0.5:  # asked at some points only, as Rasa does
            ours = tracker_history.applied_events(tracker)
            assert ours == tracker_history.RASAS_APPLIED_EVENTS(tracker)
            ours.append(BotUttered("a caller's change"))  # never reaches the cache
    assert tracker_history.applied_events(tracker) == (
        tracker_history.RASAS_APPLIED_EVENTS(tracker)
    )


def test_a_conversation_with_a_form_gets_rasas_fold() -> None:
    tracker = DialogueStateTracker("s", DOMAIN.slots)
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
    tracker_history.applied_events(tracker)
    tracker.update(ActiveLoop("a_form"))
    tracker.update(ActionExecuted("a_form"))
    tracker.update(ActionExecuted("a_form"))
    assert tracker_history.applied_events(tracker) == (
        tracker_history.RASAS_APPLIED_EVENTS(tracker)
    )
    assert tracker.__dict__[tracker_history.CACHE_ATTRIBUTE].has_loop


def state(tracker: DialogueStateTracker) -> dict:
    """Everything a copy's user (an action, the processor) can read."""
    return {
        "state": tracker.current_state(EventVerbosity.ALL),
        "slots": {name: slot.value for name, slot in tracker.slots.items()},
        "paused": tracker.is_paused(),
        "followup": tracker.followup_action,
        "active_loop": tracker.active_loop,
        "latest_action": tracker.latest_action,
        "model_id": tracker.model_id,
    }


@pytest.mark.parametrize("seed", range(20))
def test_the_copy_equals_rasas_replayed_copy(seed: int) -> None:
    rng = random.Random(seed)
    tracker = DialogueStateTracker("s", DOMAIN.slots)
    tracker.model_id = "a model"
    for turn in range(60):
        tracker.update(random_event(rng, turn))
        if rng.random() < 0.2:
            assert state(tracker_history.copy_tracker(tracker)) == (
                state(tracker_history.RASAS_COPY(tracker))
            )


def test_a_copy_changes_apart_from_its_original() -> None:
    tracker = DialogueStateTracker("s", DOMAIN.slots)
    tracker.update(SlotSet("topic", "pain"))
    duplicate = tracker_history.copy_tracker(tracker)
    duplicate.update(SlotSet("topic", "cost"))
    duplicate.update(FollowupAction("utter_greet"))
    assert tracker.get_slot("topic") == "pain"
    assert len(tracker.events) == 1
    assert tracker.followup_action != "utter_greet"
