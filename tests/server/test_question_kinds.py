"""Each kind of question gets the answer it asks for, from a running assistant.

The table is tests/content/question_kinds.yml, reviewed by hand: an answer
faithful to the guide can still answer another question.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.paths import ROOT
from tests.support.heldout import is_urgent
from tests.support.rest import Conversation

pytestmark = pytest.mark.server

TABLE = ROOT / "tests" / "content" / "question_kinds.yml"


def cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, question, its row) for every question in the table."""
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    return [(row["kind"], question, row) for row in rows for question in row["asks"]]


@pytest.mark.parametrize(
    ("kind", "question", "row"), cases(), ids=lambda v: str(v)[:40]
)
def test_question_gets_the_answer_of_its_kind(
    assistant_url: str, kind: str, question: str, row: dict[str, Any]
) -> None:
    reply = Conversation(assistant_url).text(question)
    missing = [words for words in row["says"] if words.lower() not in reply.lower()]
    wrong = [words for words in row.get("not", []) if words.lower() in reply.lower()]
    assert not missing and not wrong, (
        f"{kind}: {question!r} got {reply!r}; missing {missing}, wrong {wrong}"
    )


def test_a_caution_is_given_once_per_conversation(assistant_url: str) -> None:
    chat = Conversation(assistant_url)
    first = chat.text("I'm on warfarin, will I bruise?")
    again = chat.text("I'm on warfarin, does it hurt?")
    assert "blood thinner" in first
    assert "blood thinner" not in again and "Source: Pain and Discomfort" in again


HELD_OUT = ROOT / "tests" / "heldout" / "question_kinds.yml"
# Its one evaluation (README): 100 of 120; the gate is that, less one.
HELD_OUT_GATE = 99


def test_held_out_questions_get_the_answer_of_their_kind(assistant_url: str) -> None:
    kinds = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))
    misses = []
    for kind, row in kinds.items():
        for question in row["asks"]:
            reply = Conversation(assistant_url).text(question)
            if row["says"].lower() not in reply.lower() or is_urgent(reply):
                misses.append(f"{kind}: {question!r} -> {reply[:120]!r}")
    answered = sum(len(row["asks"]) for row in kinds.values()) - len(misses)
    print(f"held-out question kinds: {answered} answered as asked")
    assert answered >= HELD_OUT_GATE, "\n".join(misses)
