"""Facebook Messenger through Rasa's connector, with three fixes.

- Buttons are sent as quick replies. Rasa uses a button template, which holds
  three buttons at most, and sends none when a response has more (the topic
  menu has six).
- Requests are checked against X-Hub-Signature-256 (HMAC-SHA256 with the app
  secret), which Meta documents today; X-Hub-Signature (SHA-1), the only one
  Rasa checks, is still accepted when it is the only one sent. A request that
  fails the check gets 403 instead of Rasa's 200.
- Every event in a delivery is handled. Meta batches events under load, and
  Rasa's handler stops after the first one.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fbmessenger import MessengerClient
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput as RasaFacebookInput
from rasa.core.channels.facebook import Messenger as RasaMessenger
from rasa.core.channels.facebook import MessengerBot as RasaMessengerBot
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# Meta allows 13 quick replies, but fbmessenger refuses more than 11.
MAX_QUICK_REPLIES = 11
SIGNATURE_HEADERS = {"X-Hub-Signature-256": "sha256", "X-Hub-Signature": "sha1"}


def is_signed(app_secret: str, body: bytes, headers: Any) -> bool:
    """Whether the strongest signature header present matches the body."""
    if not app_secret:
        return False
    for header, algorithm in SIGNATURE_HEADERS.items():
        signature = headers.get(header)
        if signature:
            expected = hmac.new(app_secret.encode(), body, algorithm).hexdigest()
            return hmac.compare_digest(signature, f"{algorithm}={expected}")
    return False


class MessengerBot(RasaMessengerBot):
    """Messenger output that offers buttons as quick replies."""

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send text with its buttons as quick replies."""
        if len(buttons) > MAX_QUICK_REPLIES:
            logger.warning(
                "Messenger: only the first %d buttons are sent", MAX_QUICK_REPLIES
            )
        replies = [
            {"title": button["title"], "payload": button["payload"]}
            for button in buttons[:MAX_QUICK_REPLIES]
        ]
        await self.send_quick_replies(recipient_id, text, replies)


class Messenger(RasaMessenger):
    """Webhook events to user messages, answered through MessengerBot above."""

    async def handle(self, payload: dict, metadata: dict[str, Any] | None) -> None:
        """Handle every messaging event of every entry in one delivery."""
        for entry in payload.get("entry", []):
            for event in entry.get("messaging", []):
                self.last_message = event
                if event.get("message"):
                    await self.message(event, metadata)
                elif event.get("postback"):
                    await self.postback(event, metadata)

    async def _handle_user_message(
        self, text: str, sender_id: str, metadata: dict[str, Any] | None
    ) -> None:
        """Pass the text on to the assistant, showing typing meanwhile."""
        out_channel = MessengerBot(self.client)
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        await out_channel.send_action(sender_id, sender_action="typing_on")
        message = UserMessage(
            text, out_channel, sender_id, input_channel=self.name(), metadata=metadata
        )
        try:
            await self.on_new_message(message)
        except Exception:
            # One failed message must not fail the delivery: Meta would resend
            # the whole batch, repeating the answers already sent.
            logger.exception("Messenger: failed to handle a message")
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


class FacebookInput(RasaFacebookInput):
    """Messenger input; credentials as Rasa's (verify, secret, page-access-token)."""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's routes, with the message route replaced by a checked one."""
        webhook = Blueprint("fb_webhook")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            # Meta's one-off check when the webhook is registered.
            if request.args.get("hub.verify_token") == self.fb_verify:
                return response.text(request.args.get("hub.challenge"))
            logger.warning("Messenger: wrong verify token in the webhook check")
            return response.text("failure, invalid token", status=403)

        @webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not is_signed(self.fb_secret, request.body, request.headers):
                logger.warning("Messenger: rejected a request with a wrong signature")
                return response.text("invalid signature", status=403)
            messenger = Messenger(self.fb_access_token, on_new_message)
            await messenger.handle(request.json, self.get_metadata(request))
            return response.text("success")

        return webhook

    def get_output_channel(self) -> OutputChannel:
        """Messages sent on the assistant's own initiative use quick replies too."""
        return MessengerBot(MessengerClient(self.fb_access_token))
