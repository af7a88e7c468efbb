"""`make shell`: buttons as numbered hints under the reply, typing always taken."""

from __future__ import annotations

import asyncio

import rasa.core.channels.console as console

from bot import shell_console
from bot.shell_console import button_hints, chosen, read_input

BUTTONS = [
    {"title": "Pain", "payload": "/ask_pain"},
    {"title": "Sessions", "payload": "/ask_sessions"},
]


def test_a_number_picks_its_button_and_words_stay_words() -> None:
    assert chosen("2", BUTTONS) == "/ask_sessions"
    assert chosen(" 1 ", BUTTONS) == "/ask_pain"
    assert chosen("3", BUTTONS) == "3"  # no such button: the text typed
    assert chosen("does it hurt?", BUTTONS) == "does it hurt?"


def test_the_buttons_are_listed_under_the_reply_with_numbers(capsys) -> None:
    shell_console.show({"text": "Pick a topic below.", "buttons": BUTTONS})
    out = capsys.readouterr().out
    assert out.index("Pick a topic below.") < out.index("1. Pain")
    assert "2. Sessions" in out and "own words" in out
    assert button_hints(BUTTONS).splitlines()[0] == "  1. Pain"


class Typed:
    """questionary.text's stand-in: answers with what the person typed."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer

    async def ask_async(self) -> str | None:
        return self.answer


def test_typing_after_a_reply_with_buttons_is_not_swallowed(monkeypatch) -> None:
    monkeypatch.setattr(
        shell_console.questionary, "text", lambda *a, **k: Typed("can I dye my hair?")
    )
    reply = {"text": "Pick a topic below.", "buttons": BUTTONS}
    assert asyncio.run(read_input(reply)) == "can I dye my hair?"
    monkeypatch.setattr(shell_console.questionary, "text", lambda *a, **k: Typed(None))
    assert asyncio.run(read_input(reply)) is None  # Ctrl-C or Ctrl-D: stop


def test_install_replaces_rasas_menu(monkeypatch) -> None:
    monkeypatch.setattr(console, "_get_user_input", console._get_user_input)
    monkeypatch.setattr(console, "_print_bot_output", console._print_bot_output)
    shell_console.install()
    assert console._get_user_input is read_input
