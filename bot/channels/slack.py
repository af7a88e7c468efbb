"""Slack through Rasa's connector, keeping buttons that Rasa would drop.

Rasa sends no buttons at all when a response has more than five, a limit of
Slack's old message attachments. Block Kit's actions block takes up to 25
buttons, and the assistant's topic menu has six.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput

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

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> OutputChannel:
        """Reply through SlackBot above."""
        return SlackBot(
            self.slack_token, channel or self.slack_channel, thread_id, self.proxy
        )
