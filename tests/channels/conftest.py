"""One in-process server for the messaging-channel tests.

The connectors run exactly as in production: their Sanic routes are registered
with Rasa's own ``register`` and answered by a real Agent with the trained
model. Only the platforms' outbound clients are replaced by mocks, so nothing
leaves the machine and each test can read what would have been sent.

The server runs on a free loopback port in a thread with its own event loop,
so the tests stay plain functions and Slack's background replies still run.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from aiogram import Bot
from aiogram.types import User
from fbmessenger import MessengerClient
from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, register
from sanic import Sanic
from slack_sdk.web.async_client import AsyncWebClient
from twilio.rest.api.v2010.account.message import MessageList

from bot.channels.facebook import FacebookInput
from bot.channels.slack import SlackInput
from bot.channels.telegram import TelegramInput
from bot.channels.twilio import TwilioInput, TwilioWhatsAppInput
from bot.paths import MODEL_PATH
from tools.harness import HOST, free_port

# Longest wait for Slack's background replies after a test.
SETTLE_TIMEOUT_S = 60
PUBLIC = "https://mesoprep.example/webhooks"
TELEGRAM = {
    "access_token": "123456789:TEST-telegram-token",
    "verify": "mesoprep_test_bot",
    "webhook_url": f"{PUBLIC}/telegram/webhook",
}
SLACK = {"slack_token": "xoxb-test", "slack_signing_secret": "slack-signing-secret"}
FACEBOOK = {
    "verify": "fb-verify-token",
    "secret": "fb-app-secret",
    "page-access-token": "fb-page-token",
}
TWILIO_SMS = {
    "account_sid": "AC" + "0" * 32,
    "auth_token": "twilio-auth-token",
    "twilio_number": "+15550000001",
    "webhook_url": f"{PUBLIC}/twilio/webhook",
}
TWILIO_WHATSAPP = {
    **TWILIO_SMS,
    "twilio_number": "+14155238886",
    "webhook_url": f"{PUBLIC}/twilio_whatsapp/webhook",
}


def input_channels() -> list[InputChannel]:
    """Every messaging channel, built from credentials as Rasa builds them."""
    return [
        TelegramInput.from_credentials(TELEGRAM),
        SlackInput.from_credentials(SLACK),
        FacebookInput.from_credentials(FACEBOOK),
        TwilioInput.from_credentials(TWILIO_SMS),
        TwilioWhatsAppInput.from_credentials(TWILIO_WHATSAPP),
    ]


class ServerThread:
    """A Sanic app served on 127.0.0.1 from a thread with its own event loop."""

    def __init__(self, app: Sanic, port: int) -> None:
        self.app, self.port = app, port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = None

    def call(self, coroutine: object, timeout_s: float = 60) -> object:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    async def _start(self) -> None:
        # Returns once the socket is bound (Sanic 21.12 awaits it inside).
        self.server = await self.app.create_server(
            host=HOST, port=self.port, return_asyncio_server=True
        )
        await self.server.startup()
        await self.server.before_start()
        await self.server.after_start()

    async def _stop(self) -> None:
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()

    def start(self) -> None:
        """Serve until stop()."""
        self.thread.start()
        self.call(self._start())

    def stop(self) -> None:
        """Close the server, then its loop."""
        self.call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@dataclass
class Platforms:
    """The patched outbound clients: what each platform would have received."""

    telegram_send: AsyncMock
    telegram_set_webhook: AsyncMock
    slack_post: AsyncMock
    facebook_send: MagicMock
    twilio_create: MagicMock


@pytest.fixture(scope="session")
def agent() -> Agent:
    """The trained assistant, loaded once: loading takes tens of seconds."""
    if not MODEL_PATH.exists():
        pytest.fail("no trained model: run `make train` first")
    return Agent.load(str(MODEL_PATH))


@pytest.fixture(scope="session")
def set_webhook() -> Iterator[AsyncMock]:
    """Telegram's setWebhook, called once when the server starts."""
    with patch.object(Bot, "set_webhook", AsyncMock(return_value=True)) as mock:
        yield mock


@pytest.fixture(scope="session")
def channels() -> list[InputChannel]:
    """The input channels the test server runs."""
    return input_channels()


@pytest.fixture(scope="session")
def channel_server(
    agent: Agent, channels: list[InputChannel], set_webhook: AsyncMock
) -> Iterator[str]:
    """Base URL of a server with every messaging channel under /webhooks/."""
    app = Sanic("mesoprep_channel_tests")
    # Quiet under `pytest -s`: no banner, no line per request.
    app.config.MOTD = False
    app.config.ACCESS_LOG = False
    app.ctx.agent = agent
    register(channels, app, route="/webhooks/")
    server = ServerThread(app, free_port())
    server.start()
    try:
        yield f"http://{HOST}:{server.port}"
    finally:
        server.stop()


def slack_settled(channels: list[InputChannel]) -> bool:
    """Whether Slack has no reply still being worked out in the background."""
    return not any(
        getattr(channel, "_background_tasks", None)
        for channel in channels
        if isinstance(channel, SlackInput)
    )


@pytest.fixture
def platforms(
    set_webhook: AsyncMock, channels: list[InputChannel]
) -> Iterator[Platforms]:
    """Mocks in place of every platform client, fresh for each test.

    They stay until Slack's background replies are done, so that none of them
    reaches the real client once the test is over.
    """
    bot_user = User(
        id=1, is_bot=True, first_name="Mesoprep", username="mesoprep_test_bot"
    )
    with (
        patch.object(Bot, "send_message", AsyncMock()) as telegram_send,
        patch.object(Bot, "get_me", AsyncMock(return_value=bot_user)),
        patch.object(AsyncWebClient, "chat_postMessage", AsyncMock()) as slack_post,
        patch.object(MessengerClient, "send", MagicMock()) as facebook_send,
        patch.object(MessengerClient, "send_action", MagicMock()),
        patch.object(MessageList, "create", MagicMock()) as twilio_create,
    ):
        yield Platforms(
            telegram_send, set_webhook, slack_post, facebook_send, twilio_create
        )
        settle_deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while not slack_settled(channels) and time.monotonic() < settle_deadline:
            time.sleep(0.1)
