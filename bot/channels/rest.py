"""Rasa's REST channel, hardened: every request is checked before Rasa sees it.

Named ``rest`` like Rasa's, so the webhook stays /webhooks/rest/webhook and
the widget, the tests and ``chat_eval.py`` need no change. credentials.yml
enables it as ``bot.channels.rest.RestInput``.

- A malformed request (a body over MAX_BODY_BYTES, invalid UTF-8 or JSON, not
  an object, a missing or mistyped ``sender``/``message``/``metadata``) gets
  a 4xx with ``{"error": "<what is wrong>"}`` and never reaches Rasa.
- A well-formed message always gets a reply. Control characters are dropped
  and lone surrogates replaced first; a message with no words (empty,
  whitespace, emoji or punctuation only) gets a short nudge, and one over
  MAX_MESSAGE_CHARS a friendly request to shorten it, both domain responses
  sent without running the model.
- If handling fails anyway, the person gets the domain's apology, the log
  gets one line without the message text, and the client never sees a 5xx
  or a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import rasa.utils.endpoints
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.processor import APOLOGY_RESPONSE

logger = logging.getLogger(__name__)

# Room for a message at the length limit even as escaped emoji (12 bytes
# each), well short of anything that could tie up the server.
MAX_BODY_BYTES = 256 * 1024
# Longer than any question about a treatment; longer text is almost always
# a paste, which the classifier would only guess at.
MAX_MESSAGE_CHARS = 2000
# The tracker store's sender_id column holds 255 characters.
MAX_SENDER_CHARS = 128

NUDGE_RESPONSE = "utter_please_type"
SHORTEN_RESPONSE = "utter_please_shorten"
# Line breaks and tabs are ordinary typing; other control characters are not.
KEPT_CONTROLS = frozenset("\n\t")


class RequestRejectedError(Exception):
    """A request that cannot be handled; the message tells the client why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Incoming:
    """A validated message, ready for Rasa."""

    sender: str
    text: str
    metadata: dict[str, Any] | None = None
    input_channel: str | None = None


def decode_body(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object; RequestRejectedError if it is not one."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestRejectedError(
            413, f"Request body too large: send at most {MAX_BODY_BYTES} bytes."
        )
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise RequestRejectedError(400, "Request body is not valid UTF-8.") from None
    except (ValueError, RecursionError):
        raise RequestRejectedError(400, "Request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise RequestRejectedError(
            400, 'Request body must be a JSON object with "sender" and "message".'
        )
    return data


def has_control_characters(text: str) -> bool:
    """Whether text holds a control character (sender ids must not)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def parse_request(body: bytes) -> Incoming:
    """Check the body's fields and types; RequestRejectedError says what is wrong."""
    data = decode_body(body)
    sender, text = data.get("sender"), data.get("message")
    if (
        not isinstance(sender, str)
        or not sender.strip()
        or len(sender) > MAX_SENDER_CHARS
        or has_control_characters(sender)
    ):
        raise RequestRejectedError(
            400,
            f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} '
            "characters without control characters.",
        )
    if not isinstance(text, str):
        raise RequestRejectedError(400, '"message" must be a string.')
    metadata, channel = data.get("metadata"), data.get("input_channel")
    if metadata is not None and not isinstance(metadata, dict):
        raise RequestRejectedError(400, '"metadata" must be a JSON object if given.')
    if channel is not None and not isinstance(channel, str):
        raise RequestRejectedError(400, '"input_channel" must be a string if given.')
    return Incoming(sender, clean_text(text), metadata, channel)


def clean_text(text: str) -> str:
    """The text without control characters or lone surrogates, trimmed."""
    # A lone surrogate (valid JSON "\\ud800") cannot be encoded as UTF-8.
    text = text.encode("utf-8", "replace").decode("utf-8")
    kept = (
        ch if ch in KEPT_CONTROLS or unicodedata.category(ch) != "Cc" else " "
        for ch in text
    )
    return "".join(kept).strip()


def canned_response(text: str) -> str | None:
    """The response for a message the model should not see, or None."""
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        return NUDGE_RESPONSE  # empty, whitespace, emoji or punctuation only
    if len(text) > MAX_MESSAGE_CHARS:
        return SHORTEN_RESPONSE
    return None


class RestInput(RasaRestInput):
    """The REST channel with request validation and a reply to every message."""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """/webhooks/rest/ (health) and /webhooks/rest/webhook (messages)."""
        webhook = Blueprint("mesoprep_rest", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse | ResponseStream:
            return await self.receive(request, on_new_message)

        return webhook

    async def receive(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse | ResponseStream:
        """Validate the request, then answer it (or say what is wrong)."""
        try:
            incoming = parse_request(request.body)
        except RequestRejectedError as error:
            return response.json({"error": error.message}, status=error.status)
        agent: Agent = request.app.ctx.agent
        canned = canned_response(incoming.text)
        if canned:
            return response.json(await self.utter(agent, incoming.sender, canned))
        if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
            return response.stream(
                self.stream_response(
                    on_new_message,
                    incoming.text,
                    incoming.sender,
                    incoming.input_channel or self.name(),
                    incoming.metadata,
                ),
                content_type="text/event-stream",
            )
        return response.json(await self.handle(agent, on_new_message, incoming))

    async def handle(
        self,
        agent: Agent,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        incoming: Incoming,
    ) -> list[dict[str, Any]]:
        """Rasa's replies to the message, or the apology if handling failed."""
        collector = CollectingOutputChannel()
        message = UserMessage(
            incoming.text,
            collector,
            incoming.sender,
            input_channel=incoming.input_channel or self.name(),
            metadata=incoming.metadata,
        )
        try:
            await on_new_message(message)
        except (Exception, asyncio.CancelledError) as error:
            # The type only: an exception's text can quote the message.
            logger.error(
                "Handling a message of conversation %s failed: %s",
                incoming.sender,
                type(error).__name__,
            )
            logger.debug("Handling failure", exc_info=True)
            return collector.messages + await self.utter(
                agent, incoming.sender, APOLOGY_RESPONSE
            )
        return collector.messages

    async def utter(
        self, agent: Agent, sender: str, response_name: str
    ) -> list[dict[str, Any]]:
        """A domain response as the REST channel sends it, outside the dialogue."""
        # The stored conversation fills any slots in the text (the configured
        # emergency number, say); a new one uses the slots' defaults.
        tracker = await agent.tracker_store.retrieve(sender)
        if tracker is None:
            tracker = DialogueStateTracker(sender, agent.domain.slots)
        collector = CollectingOutputChannel()
        message = await agent.nlg.generate(response_name, tracker, self.name())
        if message:
            await collector.send_response(sender, message)
        return collector.messages
