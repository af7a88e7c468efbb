"""Plain words for the clinic page and its terminal summary."""

from __future__ import annotations

# Rasa's channel names, as a clinic would say them. The website widget
# talks to the REST channel (web/widget/widget.js).
CHANNEL_NAMES = {
    "rest": "website widget",
    "socketio": "website chat (socket.io)",
    "cmdline": "terminal",
    "telegram": "Telegram",
    "slack": "Slack",
    "facebook": "Facebook Messenger",
    "twilio": "SMS",
    "twilio_whatsapp": "WhatsApp",
    "unknown": "not recorded",
}


def channel_name(channel: str) -> str:
    """A channel as a clinic would name it ("rest" is the website widget)."""
    return CHANNEL_NAMES.get(channel, channel.replace("_", " "))


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 question', '2 questions', '1 person', '3 people'."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
