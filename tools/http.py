"""The one small HTTP client of the tests, the harness and the benchmark.

Standard library only. Every call returns a Reply, also for a 4xx or 5xx, so
a test can assert on the status; `ok` says whether a REST message got its
list of bot messages.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_S = 60
JSON = {"Content-Type": "application/json"}


@dataclass
class Reply:
    """An HTTP response: status, lower-case headers and the decoded body."""

    status: int
    headers: dict[str, str]
    body: Any
    raw: bytes = b""

    @property
    def text(self) -> str:
        """The body as text, as sent."""
        return self.raw.decode("utf-8", errors="replace")

    @property
    def ok(self) -> bool:
        """A 200 with a list of messages: what a well-formed message gets."""
        return self.status == 200 and isinstance(self.body, list)


def request(
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout_s: float = TIMEOUT_S,
) -> Reply:
    """Send a request; the reply whatever its status (connection errors raise)."""
    prepared = urllib.request.Request(
        url, data=body, headers=headers or {}, method=method
    )
    try:
        with urllib.request.urlopen(prepared, timeout=timeout_s) as response:
            status, found, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, found, raw = error.code, error.headers, error.read()
    headers = {k.lower(): v for k, v in found.items()}
    return Reply(status, headers, _decode(raw), raw)


def get(url: str, headers: dict[str, str] | None = None) -> Reply:
    """GET url."""
    return request(url, headers=headers)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> Reply:
    """Send raw bytes, as JSON unless headers give another Content-Type."""
    return request(url, body, {**JSON, **(headers or {})}, method=method)


def post_json(url: str, payload: Any, timeout_s: float = TIMEOUT_S) -> Reply:
    """POST a value encoded as JSON."""
    return request(url, json.dumps(payload).encode(), JSON, "POST", timeout_s)


def send_message(
    base_url: str,
    sender: str,
    message: Any,
    timeout_s: float = TIMEOUT_S,
    metadata: dict[str, Any] | None = None,
) -> Reply:
    """One message to the assistant's REST webhook, with optional metadata."""
    payload: dict[str, Any] = {"sender": sender, "message": message}
    if metadata is not None:
        payload["metadata"] = metadata
    return post_json(f"{base_url}/webhooks/rest/webhook", payload, timeout_s)


def _decode(raw: bytes) -> Any:
    """The body as JSON, or as text when it is not JSON."""
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode("utf-8", errors="replace")
