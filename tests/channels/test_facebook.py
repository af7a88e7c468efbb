"""Facebook Messenger: signed webhook events in, MessengerClient.send out."""

from __future__ import annotations

import time
import urllib.request
import uuid

import pytest

from tests.channels.conftest import FACEBOOK, Platforms
from tests.channels.webhooks import (
    PAIN_SOURCE,
    json_bytes,
    meta_headers,
    post,
)

pytestmark = pytest.mark.server

SECRET = FACEBOOK["secret"]
PAGE_ID = "106000000000001"


def new_psid() -> str:
    """A page-scoped user id no other test uses."""
    return str(uuid.uuid4().int)[:16]


def messaging(psid: str, message: dict) -> dict:
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": f"m_{uuid.uuid4().hex}", **message},
    }


def delivery(*events: dict) -> dict:
    """A webhook delivery for the page, as Meta posts it."""
    return {
        "object": "page",
        "entry": [
            {"id": PAGE_ID, "time": int(time.time() * 1000), "messaging": list(events)}
        ],
    }


def send(server: str, payload: dict, secret: str = SECRET, algorithm: str = "sha256"):
    body = json_bytes(payload)
    return post(
        f"{server}/webhooks/facebook/webhook",
        body,
        "application/json",
        meta_headers(body, secret, algorithm),
    )


def messages_to(platforms: Platforms, psid: str) -> list[dict]:
    """The message objects sent to psid, in order."""
    return [
        call.args[0]
        for call in platforms.facebook_send.call_args_list
        if call.args[1] == psid
    ]


def text_to(platforms: Platforms, psid: str) -> str:
    return "\n".join(m.get("text", "") for m in messages_to(platforms, psid))


def test_message_gets_the_cited_answer(
    channel_server: str, platforms: Platforms
) -> None:
    psid = new_psid()
    reply = send(channel_server, delivery(messaging(psid, {"text": "does it hurt?"})))
    assert (reply.status, reply.text) == (200, "success")
    assert PAIN_SOURCE in text_to(platforms, psid)


def test_greeting_offers_topics_as_quick_replies(
    channel_server: str, platforms: Platforms
) -> None:
    psid = new_psid()
    send(channel_server, delivery(messaging(psid, {"text": "hello"})))
    offers = [m for m in messages_to(platforms, psid) if "quick_replies" in m]
    assert len(offers) == 1
    replies = offers[0]["quick_replies"]
    # All six, where Rasa's button template would send none past three.
    assert len(replies) == 6
    assert replies[0] == {
        "content_type": "text",
        "title": "Does it hurt?",
        "payload": "/ask_pain",
    }


def test_quick_reply_tap_sends_its_payload(
    channel_server: str, platforms: Platforms
) -> None:
    psid = new_psid()
    tap = {"text": "Does it hurt?", "quick_reply": {"payload": "/ask_pain"}}
    send(channel_server, delivery(messaging(psid, tap)))
    assert PAIN_SOURCE in text_to(platforms, psid)


def test_sha1_signature_is_still_accepted(
    channel_server: str, platforms: Platforms
) -> None:
    psid = new_psid()
    payload = delivery(messaging(psid, {"text": "does it hurt?"}))
    assert send(channel_server, payload, algorithm="sha1").status == 200
    assert PAIN_SOURCE in text_to(platforms, psid)


def test_every_event_of_a_batched_delivery_is_answered(
    channel_server: str, platforms: Platforms
) -> None:
    first, second = new_psid(), new_psid()
    events = [messaging(first, {"text": "hello"}), messaging(second, {"text": "hi"})]
    send(channel_server, delivery(*events))
    assert messages_to(platforms, first) and messages_to(platforms, second)


def test_wrong_signature_is_rejected_and_nothing_sent(
    channel_server: str, platforms: Platforms
) -> None:
    payload = delivery(messaging(new_psid(), {"text": "does it hurt?"}))
    reply = send(channel_server, payload, secret="not-the-app-secret")
    assert reply.status == 403
    assert not platforms.facebook_send.called


def test_webhook_verification_echoes_the_challenge(channel_server: str) -> None:
    query = f"hub.mode=subscribe&hub.verify_token={FACEBOOK['verify']}&hub.challenge=42"
    url = f"{channel_server}/webhooks/facebook/webhook?{query}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"42"
