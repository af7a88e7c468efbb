"""Build rasa-sdk trackers for action tests from a short script of turns."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def user(
    intent: str,
    text: str = "",
    entities: list[dict] | None = None,
    channel: str = "rest",
) -> dict:
    """A user event with its parse data, as received on `channel`."""
    return {
        "event": "user",
        "text": text or intent,
        "input_channel": channel,
        "parse_data": {
            "intent": {"name": intent, "confidence": 1.0},
            "intent_ranking": [{"name": intent, "confidence": 1.0}],
            "entities": entities or [],
        },
    }


def action(name: str) -> dict:
    """An executed-action event."""
    return {"event": "action", "name": name}


def tracker_for(
    events: list[dict[str, Any]], slots: dict[str, Any] | None = None
) -> Tracker:
    """A tracker whose latest message is the last user event in `events`."""
    users = [e for e in events if e["event"] == "user"]
    latest = users[-1]["parse_data"] | {"text": users[-1]["text"]} if users else {}
    return Tracker(
        sender_id="test",
        slots=slots or {},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )
