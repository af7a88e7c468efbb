"""The README's example table is what a running assistant does.

Each row of the table under "What it does, by example" is one fresh
conversation: its messages are sent in order and the last reply must
contain every quoted phrase of the second column.
"""

from __future__ import annotations

import re

import pytest

from bot.paths import ROOT
from tests.support.rest import Conversation

pytestmark = pytest.mark.server

README = ROOT / "README.md"
TABLE_HEADING = "### What it does, by example"
ROW = re.compile(r"^\| (\".+?\") \| (\".+\") \|$", re.MULTILINE)
QUOTED = re.compile(r'"([^"]+)"')


def examples() -> list[tuple[list[str], list[str]]]:
    """(messages, phrases the last reply contains) for every row."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(TABLE_HEADING) :].split("\n#", 1)[0]
    rows = [
        (QUOTED.findall(said), QUOTED.findall(reply))
        for said, reply in ROW.findall(section)
    ]
    assert len(rows) >= 10, "the README's example table was not found"
    return rows


@pytest.mark.parametrize(("messages", "phrases"), examples(), ids=lambda v: str(v)[:50])
def test_readme_example_holds(
    assistant_url: str, messages: list[str], phrases: list[str]
) -> None:
    chat = Conversation(assistant_url)
    replies = [chat.text(message) for message in messages]
    missing = [phrase for phrase in phrases if phrase not in replies[-1]]
    assert not missing, f"{messages} got {replies[-1]!r}; missing {missing}"
