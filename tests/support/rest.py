"""One person talking to the assistant over the REST channel, for tests."""

from __future__ import annotations

import uuid
from typing import Any

from tools.http import send_message

TURN_TIMEOUT_S = 30


class Conversation:
    """One sender's conversation; each call is one turn."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(
        self, text: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Send a message (with the client's metadata); the bot's messages."""
        reply = send_message(self.base_url, self.sender, text, TURN_TIMEOUT_S, metadata)
        if not reply.ok:
            raise AssertionError(f"{reply.status} for {text!r}: {reply.body!r}")
        return list(reply.body)

    def text(self, message: str) -> str:
        """Send a message; return the bot's text replies joined."""
        return "\n".join(m["text"] for m in self.say(message) if m.get("text"))
