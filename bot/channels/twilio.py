"""SMS and WhatsApp through Twilio, with numbered options in place of buttons.

Rasa's Twilio connector sends each button as its own message and then has no
idea what a reply of "2" refers to. These subclasses:

- put a response's buttons under its text as "1. Title" lines, in one message;
- remember, per sender, the payloads behind those numbers, so that a reply of
  just a number selects that option's payload (see OptionMemory for where
  that memory lives and what that means);
- check X-Twilio-Signature, which Rasa's connector does not: without it anyone
  who finds the URL could make the assistant text any number, at our cost;
- call Twilio's blocking HTTP client in a worker thread, so a slow send does
  not stall every other conversation on the server's event loop.

WhatsApp through Twilio is the same API with ``whatsapp:+...`` numbers. It has
its own channel name, twilio_whatsapp, so that both can run at once, each with
its own webhook and sender number.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput as RasaTwilioInput
from rasa.core.channels.twilio import TwilioOutput as RasaTwilioOutput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

# Twilio refuses a message body longer than this (error 21617).
MAX_BODY_CHARS = 1600
# Enough for every sender active at once on a clinic's number, small enough
# that the memory stays a few megabytes at most.
MAX_REMEMBERED_SENDERS = 10_000
# "2", "2.", "2)" or " 2 ": what people type to pick an option.
OPTION_REPLY = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
CHOICE_PROMPT = "Reply with the number of your choice."


class OptionMemory:
    """The numbered options last offered to each sender, kept in memory.

    Each reply of the assistant replaces the sender's options with the ones it
    offered (none, if it offered none), so a number always refers to the
    assistant's latest message. Only the most recent MAX_REMEMBERED_SENDERS
    senders are kept; the least recently active one is dropped first.

    Limitation: this lives in the memory of one server process. After a
    restart, when the sender was dropped, or behind a load balancer that sends
    the reply to another process, the options are not known there and a bare
    number reaches the assistant as ordinary text, which it answers as best it
    can. Running several processes would need a shared store (Redis, or the
    tracker store) instead.
    """

    def __init__(self, max_senders: int = MAX_REMEMBERED_SENDERS) -> None:
        self.max_senders = max_senders
        self._options: OrderedDict[str, list[str]] = OrderedDict()

    def offer(self, sender: str, payloads: list[str]) -> None:
        """Remember payloads as the sender's options 1..n."""
        self._options[sender] = list(payloads)
        self._options.move_to_end(sender)
        while len(self._options) > self.max_senders:
            self._options.popitem(last=False)

    def resolve(self, sender: str, text: str) -> str:
        """Return the payload a bare number stands for, else text unchanged.

        Either way the sender's options are used up: the assistant's answer
        to this message offers the next ones.
        """
        options = self._options.pop(sender, [])
        match = OPTION_REPLY.match(text)
        if match and 1 <= int(match.group(1)) <= len(options):
            return options[int(match.group(1)) - 1]
        return text


def numbered_options(text: str, titles: list[str], first: int = 1) -> str:
    """Text followed by "1. Title" lines and a prompt to reply with a number."""
    lines = [f"{number}. {title}" for number, title in enumerate(titles, first)]
    return "\n".join([text, "", *lines, CHOICE_PROMPT]).strip()


def split_body(text: str, limit: int = MAX_BODY_CHARS) -> Iterator[str]:
    """Text in pieces of at most limit characters, cut at line ends if possible."""
    piece = ""
    for line in text.strip().splitlines():
        candidate = f"{piece}\n{line}" if piece else line
        if len(candidate) <= limit:
            piece = candidate
            continue
        if piece:
            yield piece
        # A single line longer than the limit is cut where it has to be.
        while len(line) > limit:
            yield line[:limit]
            line = line[limit:]
        piece = line
    if piece:
        yield piece


class TwilioOutput(RasaTwilioOutput):
    """Sends one message per response, with buttons as numbered options.

    One instance serves one incoming message, so it can number the options
    of every response in the assistant's reply consecutively.
    """

    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        options: OptionMemory,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.options = options
        self._offered: list[str] = []

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Send text as one message, in pieces only past Twilio's limit.

        Rasa splits at blank lines into several SMS, which phones may show
        out of order.
        """
        for body in split_body(text):
            await self._send_message(
                {"to": recipient_id, "from_": self.twilio_number, "body": body}
            )

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send text with the buttons as numbered options, and remember them."""
        titles = [button["title"] for button in buttons]
        message = numbered_options(text, titles, first=len(self._offered) + 1)
        self._offered += [button["payload"] for button in buttons]
        self.options.offer(recipient_id, self._offered)
        await self.send_text_message(recipient_id, message)

    async def _send_message(self, message_data: dict[str, Any]) -> Any:
        """Create the message in a worker thread; log, don't raise, on failure."""
        try:
            return await asyncio.to_thread(self.messages.create, **message_data)
        except TwilioRestException as error:
            logger.error("Twilio refused a message: %s", error.msg)
            return None


class TwilioInput(RasaTwilioInput):
    """SMS through Twilio: signed webhooks, numbered options, one reply each.

    Credentials: account_sid, auth_token, twilio_number (the sender, e.g.
    +15551234567) and webhook_url, the exact public URL registered with
    Twilio. The URL is needed because Twilio signs it, and behind a proxy
    that terminates TLS the server cannot rebuild it from the request.
    """

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel from its credentials.yml section."""
        if not credentials:
            cls.raise_missing_credentials_exception()
            raise AssertionError("unreachable: the call above raises")
        if not credentials.get("webhook_url"):
            raise InvalidConfigException(
                f"{cls.name()}: set webhook_url to the URL registered with Twilio; "
                "requests are checked against its signature."
            )
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            cls.sender_number(credentials.get("twilio_number")),
            webhook_url=credentials["webhook_url"],
        )

    @staticmethod
    def sender_number(number: str | None) -> str | None:
        """Return the number messages are sent from, as Twilio expects it."""
        return number

    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        webhook_url: str,
        debug_mode: bool = True,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        self.webhook_url = webhook_url
        self.options = OptionMemory()

    def is_signed_by_twilio(self, request: Request) -> bool:
        """Whether X-Twilio-Signature matches the webhook URL and the form."""
        signature = request.headers.get("X-Twilio-Signature", "")
        validator = RequestValidator(self.auth_token or "")
        return validator.validate(self.webhook_url, request.form, signature)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Routes: GET / (health) and POST /webhook (Twilio's messages)."""
        # Blueprint names are unique per app: SMS and WhatsApp both run.
        webhook = Blueprint(f"{self.name()}_webhook")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.is_signed_by_twilio(request):
                logger.warning(
                    "%s: rejected a request without a valid signature", self.name()
                )
                return response.text("invalid signature", status=403)
            sender, text = request.form.get("From"), request.form.get("Body")
            if sender and text is not None:
                await on_new_message(self.user_message(request, sender, text))
            # No content: the reply goes out through the REST API, not TwiML.
            return response.text("", status=204)

        return webhook

    def user_message(self, request: Request, sender: str, text: str) -> UserMessage:
        """Build the assistant's view of an incoming message, numbers resolved."""
        # Some carriers turn "@" into "¡" in SMS (as Rasa's connector notes).
        text = self.options.resolve(sender, text.replace("¡", "@"))
        return UserMessage(
            text,
            self.get_output_channel(),
            sender,
            input_channel=self.name(),
            metadata=self.get_metadata(request),
        )

    def get_output_channel(self) -> TwilioOutput:
        """Create a fresh output channel for one incoming message."""
        return TwilioOutput(
            self.account_sid, self.auth_token, self.twilio_number, self.options
        )


class TwilioWhatsAppInput(TwilioInput):
    """WhatsApp through Twilio: the SMS channel under the name twilio_whatsapp.

    Twilio's WhatsApp buttons need pre-approved content templates, so options
    are numbered here too. twilio_number may be given with or without its
    ``whatsapp:`` prefix.
    """

    @classmethod
    def name(cls) -> str:
        """Mounted at /webhooks/twilio_whatsapp/."""
        return "twilio_whatsapp"

    @staticmethod
    def sender_number(number: str | None) -> str | None:
        """Return the sender with the whatsapp: prefix Twilio routes on."""
        if number and not number.startswith("whatsapp:"):
            return f"whatsapp:{number}"
        return number
