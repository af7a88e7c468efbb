"""Bad input never breaks the REST channel: a 4xx for bad requests, a reply otherwise.

The unit tests check bot.channels.rest's validation directly; the server tests
send each kind of bad input to a live server and check the status, that the
body is JSON without a traceback, and that the conversation still works.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from types import SimpleNamespace
from unittest.mock import AsyncMock

import pytest

from bot.channels import rest
from tools.harness import Assistant
from tools.http import Reply, post, send_message

WEBHOOK = "/webhooks/rest/webhook"
NUDGE = "I didn't catch any words there"
SHORTEN = "too long for me to read"


def sender() -> str:
    return f"robust-{uuid.uuid4().hex[:12]}"


def texts(reply: Reply) -> str:
    return "\n".join(m.get("text") or "" for m in reply.body)


def assert_helpful(reply: Reply) -> str:
    """A 200 with at least one non-empty text message; returns the texts."""
    assert reply.status == 200, reply.body
    assert isinstance(reply.body, list) and reply.body, reply.body
    text = texts(reply)
    assert text.strip(), reply.body
    assert "Traceback" not in text
    return text


def assert_rejected(reply: Reply, status: int, words: str) -> None:
    """A 4xx whose JSON body says what is wrong, with no traceback."""
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers["content-type"].startswith("application/json")
    assert isinstance(reply.body, dict), reply.body
    # Ours: {"error": ...}; Sanic's own (body over its cap): {"message": ...}.
    message = " ".join(str(value) for value in reply.body.values())
    assert words in message and "Traceback" not in message


# ---- Validation, without a server ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{", 400, "not valid JSON"),
        (b"", 400, "not valid JSON"),
        (b'{"sender": "a", "message": "\xff"}', 400, "not valid UTF-8"),
        (b"[1, 2]", 400, "JSON object"),
        (b'"hello"', 400, "JSON object"),
        (b'{"message": "hi"}', 400, '"sender"'),
        (b'{"sender": "", "message": "hi"}', 400, '"sender"'),
        (b'{"sender": 42, "message": "hi"}', 400, '"sender"'),
        (b'{"sender": "a\\u0000b", "message": "hi"}', 400, '"sender"'),
        (b'{"sender": "a", "message": 42}', 400, '"message"'),
        (b'{"sender": "a"}', 400, '"message"'),
        (b'{"sender": "a", "message": "hi", "metadata": []}', 400, '"metadata"'),
        (b'{"sender": "a", "message": "hi", "input_channel": 1}', 400, "input_chan"),
        (b"[" * 100_000 + b"]" * 100_000, 400, ""),
        (b" " * (rest.MAX_BODY_BYTES + 1), 413, "too large"),
    ],
)
def test_malformed_requests_are_rejected_with_a_reason(
    body: bytes, status: int, words: str
) -> None:
    with pytest.raises(rest.RequestRejectedError) as rejected:
        rest.parse_request(body)
    assert rejected.value.status == status
    assert words in rejected.value.message


def test_sender_length_is_capped() -> None:
    body = json.dumps({"sender": "s" * (rest.MAX_SENDER_CHARS + 1), "message": "hi"})
    with pytest.raises(rest.RequestRejectedError):
        rest.parse_request(body.encode())


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  does it hurt?  ", "does it hurt?"),
        ("does\x00 it\x07 hurt?\x1b", "does  it  hurt?"),
        ("line one\nline two\tend", "line one\nline two\tend"),
        ("\ud800 pain", "? pain"),
        ("\u200bzero width", "\u200bzero width"),
    ],
)
def test_text_is_cleaned_of_control_characters_and_lone_surrogates(
    raw: str, clean: str
) -> None:
    assert rest.clean_text(raw) == clean


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("", rest.NUDGE_RESPONSE),
        ("👍", rest.NUDGE_RESPONSE),
        ("🙂 🙂 ❤️‍🔥", rest.NUDGE_RESPONSE),
        ("?!...", rest.NUDGE_RESPONSE),
        ("x" * (rest.MAX_MESSAGE_CHARS + 1), rest.SHORTEN_RESPONSE),
        ("x" * rest.MAX_MESSAGE_CHARS, None),
        ("does it hurt? 😬", None),
        ("头发注射疼吗", None),
        ("1", None),
    ],
)
def test_messages_without_words_or_too_long_get_a_canned_reply(
    text: str, response: str | None
) -> None:
    assert rest.canned_response(text) == response


def test_canned_responses_exist_in_the_domain(domain: dict) -> None:
    for name in (rest.NUDGE_RESPONSE, rest.SHORTEN_RESPONSE, rest.APOLOGY_RESPONSE):
        assert name in domain["responses"]


# ---- Against a live server ----------------------------------------------------


@pytest.mark.server
@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b'{"sender": "a", "message": ', 400, "not valid JSON"),
        (b"not json at all", 400, "not valid JSON"),
        (b'{"sender": "a", "message": "\xc3\x28"}', 400, "not valid UTF-8"),
        (b'{"sender": ["a"], "message": "hi"}', 400, '"sender"'),
        (b'{"sender": "a", "message": {"text": "hi"}}', 400, '"message"'),
        (b'{"sender": "a", "message": null}', 400, '"message"'),
        (b'{"sender": "a", "message": "hi", "metadata": "x"}', 400, '"metadata"'),
        (b"[]", 400, "JSON object"),
    ],
)
def test_live_malformed_requests_get_a_clear_4xx(
    open_api: Assistant, body: bytes, status: int, words: str
) -> None:
    assert_rejected(post(open_api.url + WEBHOOK, body), status, words)


@pytest.mark.server
def test_live_one_megabyte_body_gets_413(open_api: Assistant) -> None:
    body = json.dumps({"sender": sender(), "message": "a" * 1_000_000}).encode()
    assert_rejected(post(open_api.url + WEBHOOK, body), 413, "too large")


@pytest.mark.server
def test_live_body_over_the_server_cap_gets_413_json(open_api: Assistant) -> None:
    # Sanic refuses it before reading it (SANIC_REQUEST_MAX_SIZE, bot.serve).
    reply = post(open_api.url + WEBHOOK, b"a" * (3 * 1024 * 1024))
    assert_rejected(reply, 413, "size limit")


@pytest.mark.server
@pytest.mark.parametrize(
    "message", ["", "   ", "\n\t  \n", "👍", "🙂🙂🙂", "❤️‍🔥", "?!", "\u0000\u0007"]
)
def test_live_messages_without_words_get_a_nudge(
    open_api: Assistant, message: str
) -> None:
    reply = send_message(open_api.url, sender(), message)
    text = assert_helpful(reply)
    assert NUDGE in text
    assert reply.body[0]["buttons"], "the nudge offers topics"


@pytest.mark.server
def test_live_ten_thousand_characters_get_please_shorten(
    open_api: Assistant,
) -> None:
    message = ("My scalp has been itchy and I wonder about this. " * 250)[:10_000]
    text = assert_helpful(send_message(open_api.url, sender(), message))
    assert SHORTEN in text
    # The urgent-care line survives even when the message is not read, with
    # the region's number from the first turn (no REGION: the UK's).
    assert "call 999 now" in text
    assert "pus or heat at the injection sites" in text, "the same-day signs too"


@pytest.mark.server
@pytest.mark.parametrize(
    "message",
    [
        "does it\u0000 hurt?\u0007",
        "does it hurt? \ud800",
        "¿Duele la mesoterapia capilar?",
        "Est-ce que la mésothérapie fait mal ?",
        "头发注射疼吗",
        "هل هو مؤلم",
        "<script>alert('x')</script> does it hurt?",
        "<b>how many sessions</b><img src=x onerror=alert(1)>",
        "'; DROP TABLE events; --",
        "1 OR 1=1; SELECT * FROM events WHERE sender_id LIKE '%'",
        "/",
        "/not_an_intent",
        '/ask_pain{"broken": ',
        "x" * 2000,
    ],
)
def test_live_odd_but_well_formed_messages_get_a_helpful_reply(
    open_api: Assistant, message: str
) -> None:
    chat = sender()
    assert_helpful(send_message(open_api.url, chat, message))
    # The conversation carries on normally afterwards.
    assert "Source: Multiple Sessions Required" in assert_helpful(
        send_message(open_api.url, chat, "how many sessions will I need?")
    )


@pytest.mark.server
def test_live_sql_looking_text_is_stored_as_text(open_api: Assistant) -> None:
    chat = sender()
    assert_helpful(send_message(open_api.url, chat, "'; DROP TABLE events; --"))
    users = [e["text"] for kind, e in open_api.events(chat) if kind == "user"]
    assert users == ["'; DROP TABLE events; --"]


@pytest.mark.server
def test_live_html_comes_back_as_json_text_only(open_api: Assistant) -> None:
    reply = send_message(open_api.url, sender(), "I'm allergic to <script>x()</script>")
    assert reply.headers["content-type"].startswith("application/json")
    assert_helpful(reply)


def test_a_failure_inside_rasa_gets_the_apology_not_an_error() -> None:
    async def failing(message: object) -> None:
        raise RuntimeError("boom: does it hurt?")

    agent = SimpleNamespace(
        tracker_store=SimpleNamespace(retrieve=AsyncMock(return_value=None)),
        domain=SimpleNamespace(slots=[]),
        nlg=SimpleNamespace(generate=AsyncMock(return_value={"text": "Sorry"})),
    )
    incoming = rest.Incoming("someone", "does it hurt?")
    replies = asyncio.run(rest.RestInput().handle(agent, failing, incoming))
    assert replies == [{"recipient_id": "someone", "text": "Sorry"}]
    agent.nlg.generate.assert_awaited_once()
    assert agent.nlg.generate.await_args.args[0] == rest.APOLOGY_RESPONSE
