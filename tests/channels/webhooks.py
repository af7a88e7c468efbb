"""Requests shaped and signed as each platform sends them, and reply helpers."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Callable
from unittest.mock import Mock

from twilio.request_validator import RequestValidator

from tools import http
from tools.http import Reply

# The answer to "does it hurt?" ends with this line.
PAIN_SOURCE = "Source: Pain and Discomfort"
# Slack answers in a background task, after its webhook has returned.
REPLY_TIMEOUT_S = 30


def post(
    url: str, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> Reply:
    """POST body to url with its content type; HTTP errors are returned."""
    return http.post(url, body, {"Content-Type": content_type, **(headers or {})})


def post_json(url: str, payload: dict, headers: dict[str, str] | None = None) -> Reply:
    """POST payload as JSON, the way Telegram, Slack events and Meta send."""
    return post(url, json_bytes(payload), "application/json", headers)


def json_bytes(payload: dict) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(payload).encode()


def slack_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict:
    """X-Slack-Signature and X-Slack-Request-Timestamp for body."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def meta_headers(body: bytes, secret: str, algorithm: str = "sha256") -> dict:
    """X-Hub-Signature-256 (or the SHA-1 X-Hub-Signature) for body."""
    digest = hmac.new(secret.encode(), body, algorithm).hexdigest()
    header = "X-Hub-Signature-256" if algorithm == "sha256" else "X-Hub-Signature"
    return {header: f"{algorithm}={digest}"}


def twilio_post(
    server: str, path: str, form: dict[str, str], public_url: str, token: str
) -> Reply:
    """POST a Twilio form, signed for the public URL Twilio was given."""
    signature = RequestValidator(token).compute_signature(public_url, form)
    return post(
        server + path,
        urllib.parse.urlencode(form).encode(),
        "application/x-www-form-urlencoded",
        {"X-Twilio-Signature": signature},
    )


def wait_for(condition: Callable[[], bool], timeout_s: float = REPLY_TIMEOUT_S) -> bool:
    """Poll condition until it holds or timeout_s passes; return its last value."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def sent_texts(mock: Mock, field: str | int) -> list[str]:
    """The text argument (a keyword's name or a position) of every call."""
    return [
        call.kwargs[field] if isinstance(field, str) else call.args[field]
        for call in mock.call_args_list
    ]


def nothing_sent_within(mock: Mock, timeout_s: float = 2) -> bool:
    """Whether mock stays uncalled for timeout_s (replies can come late)."""
    return not wait_for(lambda: mock.called, timeout_s)
