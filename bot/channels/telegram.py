"""Telegram through Rasa's connector, with two fixes.

- Buttons are laid out one per row. Rasa puts them all in one row, where six
  topic titles are cut to a few letters each on a phone.
- The webhook is registered once the server runs, in the server's event loop.
  Rasa registers it while building the routes, with ``asyncio.run``: the bot's
  HTTP session then belongs to a loop that is closed straight away, and every
  later call to Telegram fails with "Event loop is closed"; it also makes
  ``get_output_channel`` unusable inside a running server.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, Sanic

logger = logging.getLogger(__name__)


class TelegramOutput(RasaTelegramOutput):
    """Telegram replies with buttons as an inline keyboard, one per row."""

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: str | None = "vertical",
        **kwargs: Any,
    ) -> None:
        """Send text with buttons, one per row unless the response says otherwise."""
        await super().send_text_with_buttons(
            recipient_id, text, buttons, button_type, **kwargs
        )


class TelegramInput(RasaTelegramInput):
    """Telegram input; credentials as Rasa's (access_token, verify, webhook_url)."""

    def get_output_channel(self) -> TelegramOutput:
        """Create a bot client; it makes no call to Telegram until it sends."""
        return TelegramOutput(self.access_token)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's routes, plus registering the webhook when the server starts."""
        webhook = super().blueprint(on_new_message)

        # A plain function: Sanic 21.12's blueprint listener() silently drops
        # a bound method.
        @webhook.listener("after_server_start")
        async def register_webhook(app: Sanic, loop: Any) -> None:
            await self.register_webhook()

        return webhook

    async def register_webhook(self) -> None:
        """Tell Telegram where to post updates.

        A failure is logged, not raised: the other channels keep serving, and
        GET /webhooks/telegram/set_webhook retries once the cause is fixed.
        """
        bot = self.get_output_channel()
        try:
            await bot.set_webhook(url=self.webhook_url)
            logger.info("Telegram webhook set to %s", self.webhook_url)
        except TelegramAPIError as error:
            logger.error("Telegram refused the webhook %s: %s", self.webhook_url, error)
        finally:
            # Only this client's HTTP session: aiogram's Bot.close() is
            # deprecated, as Telegram's API has a "close" method of its own.
            await bot.session.close()
