"""What the dialogue policies are shown of a conversation: its recent turns.

RulePolicy and MemoizationPolicy turn the tracker into one state per action
on every prediction, replaying the whole conversation each time, so a turn
cost more the longer the conversation (measured: 5 ms per prediction after
20 turns, 30 ms after 120). Neither looks far back: MemoizationPolicy's
max_history is 3 states, and no rule spans more than RECENT_TURNS user
turns (tests/test_recent_history.py checks both against the data), and none
is tied to the conversation's start.

So the policies get a copy holding the slots and active loop as they stood
RECENT_TURNS user turns ago, then the events since. Every state within
their reach is the one the whole conversation gives; the prediction is the
same (checked turn by turn against the trained model). Custom actions, the
prep sheet and the tracker store still get the whole conversation.
"""

from __future__ import annotations

from typing import cast

from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    Event,
    LoopInterrupted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

# User turns the policies see. Longer than any rule or story in data/ (7).
RECENT_TURNS = 10
# is_a's answers, by (event class, kinds).
KNOWN_KINDS: dict[tuple[type, object], bool] = {}


def is_a(event_type: type, kinds: type | tuple[type, ...]) -> bool:
    """Whether an event of this class is one of kinds, remembered per class.

    Rasa's events are ABCs, whose isinstance costs about a microsecond, and
    a long conversation asks it thousands of times a turn.
    """
    key = (event_type, kinds)
    known = KNOWN_KINDS.get(key)
    if known is None:
        known = KNOWN_KINDS[key] = issubclass(event_type, kinds)
    return known


def window_start(events: list[Event], turns: int = RECENT_TURNS) -> int:
    """Where the window opens: the action before the turns-th last user message.

    0 when the conversation is no longer than that. The window opens on that
    action (usually action_listen) so the first turn's state names it as the
    previous action, as in the whole tracker.
    """
    users = [i for i, event in enumerate(events) if is_a(type(event), UserUttered)]
    if len(users) <= turns:
        return 0
    first_user = users[-turns]
    for index in range(first_user - 1, -1, -1):
        if is_a(type(events[index]), ActionExecuted):
            return index
    return 0


def carried_over(earlier: list[Event]) -> list[Event]:
    """The events that leave the slots and the loop as earlier left them.

    One SlotSet per slot set since the last AllSlotsReset, and the last
    ActiveLoop with any LoopInterrupted after it: as many as there are
    slots, however long the conversation.
    """
    slots: dict[str, SlotSet] = {}
    loop: list[Event] = []
    for event in earlier:
        kind = type(event)
        if is_a(kind, SlotSet):
            slot_set = cast(SlotSet, event)
            slots.pop(slot_set.key, None)  # keeps the order they were last set in
            slots[slot_set.key] = slot_set
        elif is_a(kind, AllSlotsReset):
            slots.clear()  # the copy starts with every slot's initial value
        elif is_a(kind, ActiveLoop):
            loop = [event]
        elif is_a(kind, LoopInterrupted):
            loop.append(event)
    return [*loop, *slots.values()]


def recent_tracker(
    tracker: DialogueStateTracker, turns: int = RECENT_TURNS
) -> DialogueStateTracker:
    """The tracker as the policies need it: the last turns, the slots as set.

    The tracker itself when it is no longer than the window.
    """
    events = tracker.applied_events()
    start = window_start(events, turns)
    if start == 0:
        return tracker
    recent = tracker.init_copy()
    for event in carried_over(events[:start]):
        recent.update(event)
    for event in events[start:]:
        recent.update(event)
    # A follow-up action is cleared on the tracker itself, not by an event:
    # the caller has handled the tracker's own (none is pending).
    recent.clear_followup_action()
    return recent
