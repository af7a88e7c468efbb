"""The channels' own logic, without a model or a server."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from pathlib import Path

from rasa.core.channels.channel import register
from rasa.core.run import create_http_input_channels
from sanic import Sanic

from bot.channels import credentials
from bot.channels.facebook import is_signed
from bot.channels.slack import button_blocks
from bot.channels.twilio import (
    MAX_BODY_CHARS,
    OptionMemory,
    TwilioWhatsAppInput,
    numbered_options,
    split_body,
)
from bot.paths import ROOT


def test_number_selects_the_payload_offered_to_that_sender() -> None:
    memory = OptionMemory()
    memory.offer("+1", ["/ask_pain", "/ask_cost"])
    assert memory.resolve("+2", "2") == "2"
    assert memory.resolve("+1", " 2. ") == "/ask_cost"


def test_options_are_used_up_by_the_next_message() -> None:
    memory = OptionMemory()
    memory.offer("+1", ["/ask_pain"])
    assert memory.resolve("+1", "does it hurt?") == "does it hurt?"
    # The assistant's answer offered nothing, so "1" is just text now.
    assert memory.resolve("+1", "1") == "1"


def test_number_out_of_range_or_with_words_stays_text() -> None:
    memory = OptionMemory()
    for text in ["0", "3", "1 and 2", "2 sessions"]:
        memory.offer("+1", ["/ask_pain", "/ask_cost"])
        assert memory.resolve("+1", text) == text


def test_memory_keeps_only_the_most_recent_senders() -> None:
    memory = OptionMemory(max_senders=2)
    for sender in ["+1", "+2", "+3"]:
        memory.offer(sender, ["/ask_pain"])
    assert memory.resolve("+1", "1") == "1"
    assert memory.resolve("+3", "1") == "/ask_pain"


def test_numbered_options_continue_from_first() -> None:
    text = numbered_options("Pick one:", ["Pain", "Cost"], first=3)
    assert text.splitlines() == [
        "Pick one:",
        "",
        "3. Pain",
        "4. Cost",
        "Reply with the number of your choice.",
    ]


def test_long_text_is_split_at_line_ends_within_twilio_limit() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(40)]
    pieces = list(split_body("\n".join(lines)))
    assert len(pieces) > 1
    assert all(len(piece) <= MAX_BODY_CHARS for piece in pieces)
    assert "\n".join(pieces).splitlines() == lines


def test_short_text_is_one_message() -> None:
    assert list(split_body("Answer.\nSource: Pain and Discomfort")) == [
        "Answer.\nSource: Pain and Discomfort"
    ]


def test_whatsapp_number_gets_its_prefix_once() -> None:
    assert TwilioWhatsAppInput.sender_number("+14155238886") == "whatsapp:+14155238886"
    assert TwilioWhatsAppInput.sender_number("whatsapp:+1") == "whatsapp:+1"


def test_meta_signature_prefers_sha256() -> None:
    body = b'{"object":"page"}'
    good = "sha256=" + hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    wrong_sha1 = "sha1=" + "0" * 40
    headers = {"X-Hub-Signature-256": good, "X-Hub-Signature": wrong_sha1}
    assert is_signed("secret", body, headers)
    assert not is_signed("other", body, headers)
    assert not is_signed("secret", body, {})
    assert not is_signed("", body, headers)


def test_slack_blocks_hold_every_button() -> None:
    buttons = [{"title": f"T{n}", "payload": f"/p{n}"} for n in range(30)]
    blocks = button_blocks("Pick", buttons)
    assert [len(b["elements"]) for b in blocks[1:]] == [25, 5]


def test_generated_credentials_build_every_channel_in_rasa(tmp_path: Path) -> None:
    """The generated file, fully configured, is what `rasa run` can start with."""
    source = ROOT / "credentials.yml"
    names = credentials.placeholders(credentials.read_channels(source))
    env = {name: f"value-{name.lower()}" for name in names}
    env["TELEGRAM_TOKEN"] = "123456:ABC-def"  # aiogram checks its shape
    target = tmp_path / "credentials.yml"
    credentials.generate(source, target, env)

    channels = create_http_input_channels(None, str(target))
    assert [channel.name() for channel in channels] == [
        "rest",
        "socketio",
        "widget",
        "clinic",
        "telegram",
        "slack",
        "facebook",
        "twilio",
        "twilio_whatsapp",
    ]
    # Registering all of them together also catches clashing route names.
    # The widget is left to its own tests: it needs its built files.
    app = Sanic(f"channels_{uuid.uuid4().hex}")
    register([c for c in channels if c.name() != "widget"], app, "/webhooks/")
    app.router.finalize()
    paths = {route.path for route in app.router.routes}
    for name in ["telegram", "slack", "facebook", "twilio", "twilio_whatsapp"]:
        assert f"webhooks/{name}/webhook" in paths
