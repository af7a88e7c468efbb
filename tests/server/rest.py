"""A minimal REST-channel client for conversation tests."""

from __future__ import annotations

import json
import urllib.request
import uuid


class Conversation:
    """One person talking to the assistant over the REST channel."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> list[dict]:
        """Send a message; return the bot's messages for that turn."""
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"[]")

    def text(self, message: str) -> str:
        """Send a message; return the bot's text replies joined."""
        return "\n".join(m["text"] for m in self.say(message) if m.get("text"))
