"""Slack through Rasa's connector, with two fixes.

- Buttons that Rasa would drop are kept. Rasa sends no buttons at all when a
  response has more than five, a limit of Slack's old message attachments;
  Block Kit's actions block takes up to 25, and the topic menu has six.
- Slack's URL check (url_verification) is answered with the challenge in
  plain text, as Slack documents, where Rasa answers a JSON-encoded string.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

# Block Kit's limit of elements in one actions block.
MAX_BUTTONS_PER_BLOCK = 25


def button_blocks(text: str, buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Build a text section followed by actions blocks holding the buttons."""
    elements = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": button["title"]},
            "value": button["payload"],
        }
        for button in buttons
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "plain_text", "text": text}}
    ]
    for start in range(0, len(elements), MAX_BUTTONS_PER_BLOCK):
        chunk = elements[start : start + MAX_BUTTONS_PER_BLOCK]
        blocks.append({"type": "actions", "elements": chunk})
    return blocks


class SlackBot(RasaSlackBot):
    """Slack output that sends every button of a response."""

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send text with its buttons as Block Kit buttons."""
        await self._post_message(
            channel=self.slack_channel or recipient_id,
            as_user=True,
            # Shown in notifications, where blocks are not.
            text=text,
            blocks=button_blocks(text, buttons),
        )


class SlackInput(RasaSlackInput):
    """Slack input; credentials as Rasa's (slack_token, slack_signing_secret)."""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's routes, with Slack's URL check answered first."""
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def url_verification(request: Request) -> HTTPResponse | None:
            return self.answer_url_verification(request)

        return webhook

    def answer_url_verification(self, request: Request) -> HTTPResponse | None:
        """Return the challenge as plain text for a signed URL check, else None.

        None lets the request through to Rasa's route, which checks the
        signature again and handles events and button clicks.
        """
        if request.method != "POST" or "json" not in request.content_type:
            return None
        body = request.json
        if not isinstance(body, dict) or body.get("type") != "url_verification":
            return None
        if not self.is_request_from_slack_authentic(request):
            return None
        return response.text(str(body.get("challenge", "")))

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> OutputChannel:
        """Reply through SlackBot above."""
        return SlackBot(
            self.slack_token, channel or self.slack_channel, thread_id, self.proxy
        )
