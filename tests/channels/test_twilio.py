"""SMS and WhatsApp through Twilio: signed form posts in, messages.create out."""

from __future__ import annotations

import itertools
import uuid

import pytest

from tests.channels.conftest import TWILIO_SMS, TWILIO_WHATSAPP, Platforms
from tests.channels.webhooks import PAIN_SOURCE, twilio_post
from tools.http import Reply

pytestmark = pytest.mark.server

SMS_PATH = "/webhooks/twilio/webhook"
WHATSAPP_PATH = "/webhooks/twilio_whatsapp/webhook"


_fictional_numbers = itertools.count(100)


def new_phone() -> str:
    """A number no other test texts from, in the fictional 555-0100..0199."""
    return f"+1202555{next(_fictional_numbers) % 100 + 100:04d}"


def form(sender: str, to: str, body: str) -> dict[str, str]:
    """An incoming message, with the fields Twilio posts."""
    return {
        "ToCountry": "US",
        "SmsMessageSid": f"SM{uuid.uuid4().hex}",
        "NumMedia": "0",
        "SmsSid": f"SM{uuid.uuid4().hex}",
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": TWILIO_SMS["account_sid"],
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def sms(server: str, sender: str, body: str, token: str | None = None) -> Reply:
    return twilio_post(
        server,
        SMS_PATH,
        form(sender, TWILIO_SMS["twilio_number"], body),
        TWILIO_SMS["webhook_url"],
        token or TWILIO_SMS["auth_token"],
    )


def whatsapp(server: str, sender: str, body: str) -> Reply:
    to = f"whatsapp:{TWILIO_WHATSAPP['twilio_number']}"
    return twilio_post(
        server,
        WHATSAPP_PATH,
        form(sender, to, body),
        TWILIO_WHATSAPP["webhook_url"],
        TWILIO_WHATSAPP["auth_token"],
    )


def bodies_to(platforms: Platforms, recipient: str) -> list[str]:
    """The messages sent to recipient since the last call, in order."""
    calls = platforms.twilio_create.call_args_list
    bodies = [c.kwargs["body"] for c in calls if c.kwargs["to"] == recipient]
    platforms.twilio_create.reset_mock()
    return bodies


def test_sms_question_gets_the_cited_answer(
    channel_server: str, platforms: Platforms
) -> None:
    phone = new_phone()
    assert sms(channel_server, phone, "does it hurt?").status == 204
    platforms.twilio_create.assert_called()
    assert (
        platforms.twilio_create.call_args.kwargs["from_"] == TWILIO_SMS["twilio_number"]
    )
    bodies = bodies_to(platforms, phone)
    # One SMS per response, the source line included.
    assert len(bodies) == 1 and PAIN_SOURCE in bodies[0].splitlines()


def test_sms_buttons_become_numbered_options(
    channel_server: str, platforms: Platforms
) -> None:
    phone = new_phone()
    sms(channel_server, phone, "hello")
    (greeting,) = bodies_to(platforms, phone)
    lines = greeting.splitlines()
    assert "1. Does it hurt?" in lines and "2. How many sessions?" in lines
    assert "6. Prepare for my consultation" in lines
    assert lines[-1] == "Reply with the number of your choice."


def test_sms_reply_of_a_number_selects_that_option(
    channel_server: str, platforms: Platforms
) -> None:
    phone = new_phone()
    sms(channel_server, phone, "hello")
    bodies_to(platforms, phone)
    sms(channel_server, phone, "1")
    assert PAIN_SOURCE in "\n".join(bodies_to(platforms, phone))


def test_sms_wrong_signature_is_rejected_and_nothing_sent(
    channel_server: str, platforms: Platforms
) -> None:
    reply = sms(channel_server, new_phone(), "does it hurt?", token="not-the-token")
    assert reply.status == 403
    assert not platforms.twilio_create.called


def test_whatsapp_numbered_options_and_reply(
    channel_server: str, platforms: Platforms
) -> None:
    sender = f"whatsapp:{new_phone()}"
    assert whatsapp(channel_server, sender, "hello").status == 204
    assert platforms.twilio_create.call_args.kwargs["from_"] == "whatsapp:+14155238886"
    (greeting,) = bodies_to(platforms, sender)
    assert "2. How many sessions?" in greeting.splitlines()
    whatsapp(channel_server, sender, "2")
    assert "Source: Multiple Sessions Required" in "\n".join(
        bodies_to(platforms, sender)
    )
