"""Telegram: Update JSON in, aiogram Bot calls out."""

from __future__ import annotations

import itertools
import random
from unittest.mock import AsyncMock, patch

import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup, User

from tests.channels.conftest import TELEGRAM, Platforms
from tests.channels.webhooks import PAIN_SOURCE, post_json, sent_texts

pytestmark = pytest.mark.server

_update_ids = itertools.count(random.randrange(10**6))


def chat(chat_id: int) -> dict:
    return {"id": chat_id, "type": "private", "first_name": "Sam"}


def text_update(chat_id: int, text: str) -> dict:
    """An Update for a text message in a private chat, as Telegram posts it."""
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": 17,
            "date": 1_700_000_000,
            "chat": chat(chat_id),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Sam"},
            "text": text,
        },
    }


def button_update(chat_id: int, data: str) -> dict:
    """An Update for a press on an inline keyboard button."""
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Sam"},
            "chat_instance": "-8301451218862367416",
            "data": data,
            "message": {
                "message_id": 18,
                "date": 1_700_000_000,
                "chat": chat(chat_id),
                "text": "Pick a topic",
            },
        },
    }


def new_chat_id() -> int:
    """A chat no other test talks in, so conversations don't mix."""
    return random.randrange(10**8, 10**9)


def url(server: str) -> str:
    return f"{server}/webhooks/telegram/webhook"


def test_question_gets_the_cited_answer(
    channel_server: str, platforms: Platforms
) -> None:
    chat_id = new_chat_id()
    reply = post_json(url(channel_server), text_update(chat_id, "does it hurt?"))
    assert (reply.status, reply.text) == (200, "success")
    recipients = {call.args[0] for call in platforms.telegram_send.call_args_list}
    assert recipients == {str(chat_id)}
    assert PAIN_SOURCE in "\n".join(sent_texts(platforms.telegram_send, 1))


def test_greeting_offers_topics_as_inline_buttons_one_per_row(
    channel_server: str, platforms: Platforms
) -> None:
    post_json(url(channel_server), text_update(new_chat_id(), "hello"))
    keyboards = [
        call.kwargs["reply_markup"]
        for call in platforms.telegram_send.call_args_list
        if "reply_markup" in call.kwargs
    ]
    assert len(keyboards) == 1 and isinstance(keyboards[0], InlineKeyboardMarkup)
    rows = keyboards[0].inline_keyboard
    assert all(len(row) == 1 for row in rows)
    assert {row[0].callback_data for row in rows} >= {"/ask_pain", "/ask_cost"}


def test_button_press_sends_its_payload(
    channel_server: str, platforms: Platforms
) -> None:
    post_json(url(channel_server), button_update(new_chat_id(), "/ask_pain"))
    assert PAIN_SOURCE in "\n".join(sent_texts(platforms.telegram_send, 1))


def test_update_for_another_bot_is_ignored(
    channel_server: str, platforms: Platforms
) -> None:
    other = User(id=2, is_bot=True, first_name="Other", username="someone_else_bot")
    with patch.object(Bot, "get_me", AsyncMock(return_value=other)):
        reply = post_json(url(channel_server), text_update(new_chat_id(), "hello"))
    assert reply.text == "failed"
    assert not platforms.telegram_send.called


def test_webhook_is_registered_when_the_server_starts(
    channel_server: str, platforms: Platforms
) -> None:
    platforms.telegram_set_webhook.assert_any_call(url=TELEGRAM["webhook_url"])
