"""`make shell`'s prompt: buttons as numbered hints, typed text always accepted.

Rasa's shell turns a reply with buttons into a menu (questionary.select):
whatever is typed next is taken by the menu, and the menu is drawn over the
start of the reply. Here the reply is printed whole, its buttons listed under
it as numbered hints, and the prompt takes either a number (that button) or
any words. ``install()`` replaces the console's reader; bot.serve calls it
for ``shell``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import questionary
import rasa.core.channels.console as console
from prompt_toolkit.styles import Style
from rasa.shared.utils.cli import print_color
from rasa.shared.utils.io import bcolors

PROMPT_STYLE = Style([("qmark", "#b373d6"), ("", "#b373d6")])
HINT = "(type a number, or ask in your own words)"


def button_hints(buttons: Sequence[dict[str, Any]]) -> str:
    """The buttons as numbered lines, and how to choose."""
    lines = [f"  {number}. {b.get('title', '')}" for number, b in enumerate(buttons, 1)]
    return "\n".join([*lines, f"  {HINT}"])


def chosen(typed: str, buttons: Sequence[dict[str, Any]]) -> str:
    """A button's payload when `typed` is its number; otherwise the words typed."""
    text = typed.strip()
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return str(buttons[int(text) - 1].get("payload") or text)
    return text


def show(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Print a reply, its buttons as hints under it; the buttons."""
    buttons = list(message.get("buttons") or [])
    rest = {key: value for key, value in message.items() if key != "buttons"}
    _print_without_buttons(rest)
    if buttons:
        print_color(button_hints(buttons), color=bcolors.OKBLUE)
    return buttons


async def read_input(previous_response: dict[str, Any] | None) -> str | None:
    """Show the last reply, then read a number or free text (None: stop)."""
    buttons = show(previous_response) if previous_response is not None else []
    typed = await questionary.text(
        "", qmark="Your input ->", style=PROMPT_STYLE
    ).ask_async()
    return None if typed is None else chosen(typed, buttons)


def print_output(message: dict[str, Any], *_: Any, **__: Any) -> None:
    """Rasa's printer for a reply that is not the last: buttons under the text."""
    show(message)


_print_without_buttons = console._print_bot_output


def install() -> None:
    """Make `rasa shell` use this prompt and printer."""
    console._get_user_input = read_input
    console._print_bot_output = print_output
