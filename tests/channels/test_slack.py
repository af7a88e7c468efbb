"""Slack: signed Events API and interactivity posts in, chat.postMessage out."""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid

import pytest

from tests.channels.conftest import SLACK, Platforms
from tests.channels.webhooks import (
    PAIN_SOURCE,
    json_bytes,
    post,
    slack_headers,
    wait_for,
)

pytestmark = pytest.mark.server

SECRET = SLACK["slack_signing_secret"]


def new_ids() -> tuple[str, str]:
    """A user and a DM channel no other test uses."""
    suffix = uuid.uuid4().hex[:8].upper()
    return f"U{suffix}", f"D{suffix}"


def message_event(user: str, channel: str, text: str) -> dict:
    """A direct message to the app, as the Events API posts it."""
    ts = f"{time.time():.6f}"
    return {
        "token": "verification-token-unused",
        "team_id": "T0TEST",
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"user_id": "U0BOT", "is_bot": True}],
        "event": {
            "type": "message",
            "channel_type": "im",
            "user": user,
            "channel": channel,
            "text": text,
            "ts": ts,
            "event_ts": ts,
        },
    }


def send_event(server: str, event: dict, secret: str = SECRET, **kwargs: int):
    body = json_bytes(event)
    headers = slack_headers(body, secret, **kwargs)
    return post(f"{server}/webhooks/slack/webhook", body, "application/json", headers)


def posted_to(platforms: Platforms, channel: str) -> list[dict]:
    return [
        call.kwargs
        for call in platforms.slack_post.call_args_list
        if call.kwargs["channel"] == channel
    ]


def wait_for_text(platforms: Platforms, channel: str, needle: str) -> bool:
    """Wait until a message to channel contains needle."""
    return wait_for(
        lambda: any(needle in c.get("text", "") for c in posted_to(platforms, channel))
    )


def nothing_posted_to(platforms: Platforms, channel: str) -> bool:
    """Whether channel gets no message for a while (replies come late)."""
    return not wait_for(lambda: bool(posted_to(platforms, channel)), timeout_s=2)


def test_direct_message_gets_the_cited_answer(
    channel_server: str, platforms: Platforms
) -> None:
    user, channel = new_ids()
    reply = send_event(channel_server, message_event(user, channel, "does it hurt?"))
    assert reply.status == 200
    assert wait_for_text(platforms, channel, PAIN_SOURCE)


def test_greeting_offers_topics_as_buttons(
    channel_server: str, platforms: Platforms
) -> None:
    user, channel = new_ids()
    send_event(channel_server, message_event(user, channel, "hello"))
    assert wait_for(lambda: any("blocks" in c for c in posted_to(platforms, channel)))
    blocks = next(c["blocks"] for c in posted_to(platforms, channel) if "blocks" in c)
    values = [
        e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]
    ]
    # All six, where Rasa's connector would send none past five.
    assert len(values) == 6 and values[0] == "/ask_pain"


def test_button_click_sends_its_payload(
    channel_server: str, platforms: Platforms
) -> None:
    user, channel = new_ids()
    interaction = {
        "type": "block_actions",
        "user": {"id": user, "username": "sam"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"ts": f"{time.time():.6f}", "text": "Pick a topic"},
        "actions": [
            {
                "type": "button",
                "action_id": "a1",
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "Does it hurt?"},
                "value": "/ask_pain",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(interaction)}).encode()
    reply = post(
        f"{channel_server}/webhooks/slack/webhook",
        body,
        "application/x-www-form-urlencoded",
        slack_headers(body, SECRET),
    )
    assert reply.status == 200
    assert wait_for_text(platforms, channel, PAIN_SOURCE)


def test_wrong_signature_is_rejected_and_nothing_sent(
    channel_server: str, platforms: Platforms
) -> None:
    user, channel = new_ids()
    event = message_event(user, channel, "does it hurt?")
    reply = send_event(channel_server, event, secret="not-the-signing-secret")
    assert reply.status == 400
    assert nothing_posted_to(platforms, channel)


def test_replayed_request_is_rejected(
    channel_server: str, platforms: Platforms
) -> None:
    user, channel = new_ids()
    event = message_event(user, channel, "does it hurt?")
    ten_minutes_ago = int(time.time()) - 600
    reply = send_event(channel_server, event, timestamp=ten_minutes_ago)
    assert reply.status == 400
    assert nothing_posted_to(platforms, channel)


def test_url_check_is_answered_with_the_challenge(channel_server: str) -> None:
    check = {
        "token": "unused",
        "challenge": "3eZbrw1aBm2rZgRNFdxV",
        "type": "url_verification",
    }
    assert send_event(channel_server, check).text == "3eZbrw1aBm2rZgRNFdxV"
    assert send_event(channel_server, check, secret="wrong").status == 400
