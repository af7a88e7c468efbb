"""Two tracker operations made independent of the conversation's length.

Rasa recomputes both from every event of the conversation, several times a
turn, so a turn cost more the longer the conversation:

- ``applied_events()`` (the events not undone by a revert, a restart or a
  new session) folds over every event on each call: the session check, the
  policies and the tracker's own helpers call it. Here each tracker keeps
  the fold it computed and folds only the events added since (Rasa's own
  fold, run on the kept result plus the new events). A conversation with a
  form (an ActiveLoop event) gets Rasa's fold unchanged: there an event's
  effect depends on loop names seen anywhere in the conversation.
- ``copy()`` replays every event into a new tracker; the processor copies
  the tracker before each action it runs. Here the copy takes the tracker's
  state as it is (events, slots, loop, latest action and messages), which
  is what the replay rebuilds.

``install()`` patches DialogueStateTracker; bot.processor.install() calls it
for the server. tests/test_tracker_history.py checks both against Rasa's
own on conversations with reverts, restarts and new sessions.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

RASAS_APPLIED_EVENTS: Callable[[Any], list[Event]] = DialogueStateTracker.applied_events
RASAS_COPY: Callable[[Any], DialogueStateTracker] = DialogueStateTracker.copy
CACHE_ATTRIBUTE = "_applied_events_fold"


@dataclass
class Fold:
    """applied_events() as computed over the first `count` events."""

    count: int
    last_event: Event | None
    applied: list[Event]
    has_loop: bool


def applied_events(tracker: DialogueStateTracker) -> list[Event]:
    """Rasa's applied events, folding only the events added since last time."""
    events = tracker.events
    count = len(events)
    kept: Fold | None = tracker.__dict__.get(CACHE_ATTRIBUTE)
    if kept is None or not _continues(kept, events):
        has_loop = _any_loop(events, 0)
        applied = RASAS_APPLIED_EVENTS(tracker)
    else:
        has_loop = kept.has_loop or _any_loop(events, kept.count)
        if has_loop:
            applied = RASAS_APPLIED_EVENTS(tracker)
        else:
            applied = fold(
                list(kept.applied), itertools.islice(events, kept.count, None)
            )
    last = events[-1] if count else None
    tracker.__dict__[CACHE_ATTRIBUTE] = Fold(count, last, list(applied), has_loop)
    return applied


def _continues(kept: Fold, events: Any) -> bool:
    """Whether events still start with the events the fold was computed on."""
    if kept.count > len(events):
        return False
    return kept.count == 0 or events[kept.count - 1] is kept.last_event


def _any_loop(events: Any, start: int) -> bool:
    """Whether a form runs in events[start:] (then Rasa's fold is used as is)."""
    return any(
        isinstance(event, ActiveLoop) for event in itertools.islice(events, start, None)
    )


def fold(applied: list[Event], newer: Iterable[Event]) -> list[Event]:
    """Rasa's applied_events() loop, run on from its result so far.

    For a conversation without a form (no loop names to check).
    """
    for event in newer:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            DialogueStateTracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            DialogueStateTracker._undo_till_previous(UserUttered, applied)
            DialogueStateTracker._undo_till_previous(ActionExecuted, applied)
        else:
            applied.append(event)
    return applied


def copy_tracker(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker's state as Rasa's copy() rebuilds it, without the replay.

    Like Rasa's copy: a new tracker of the same sender and slots (with their
    values), no model or assistant id, no sender source.
    """
    duplicate = tracker.init_copy()
    duplicate.events = duplicate._create_events(list(tracker.events))
    duplicate.slots = type(tracker.slots)(
        (name, copy.copy(slot)) for name, slot in tracker.slots.items()
    )
    duplicate._paused = tracker._paused
    duplicate.followup_action = tracker.followup_action
    duplicate.latest_action = copy.copy(tracker.latest_action)
    duplicate.latest_message = tracker.latest_message
    duplicate.latest_bot_utterance = tracker.latest_bot_utterance
    duplicate.active_loop = copy.copy(tracker.active_loop)
    return duplicate


def install() -> None:
    """Make every tracker fold incrementally and copy without replaying."""
    DialogueStateTracker.applied_events = applied_events
    DialogueStateTracker.copy = copy_tracker
