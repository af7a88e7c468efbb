"""The understanding test sets (tests/heldout/understanding/), against a live server.

Each round was written after the last change by four or five new writers
who never saw the data, and evaluated once; the README ("The evaluations")
has the figures and what bounds the misses. The first seven rounds, the
ninth and the tenth were then folded into the training data
(data/nlu/writers/round_*.yml, data/risk/round_*/, beside an eighth round
written as training data only): their gates are figures on training data,
which hold the model to what it learned; only the eleventh is held out.
A writer's folder holds six files, one
message a line: covered.tsv (the section, a tab, the question), practical,
ordinary, facts, red flags (buried ones included) and symptoms now. Every
message starts a new conversation. The gates are this model's figures on
every round, with one message of slack for numerical noise between
machines; a missed red flag allows none beyond what was measured.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from tests.support import heldout
from tests.support.heldout import Outcome
from tests.support.rest import Conversation

pytestmark = pytest.mark.server

ROOT = heldout.HELDOUT / "understanding"
# The writers of each round, in the order they were written.
ROUNDS = {
    "first": ("a", "b", "c", "d"),
    "second": ("e", "f", "g", "h"),
    "third": ("m", "n", "o", "p"),
    "fourth": ("q", "r", "s", "t"),
    "fifth": ("u", "v", "w", "x"),
    "sixth": ("i", "j", "k", "l"),
    "seventh": ("y", "z", "aa", "ab"),
    "ninth": ("ap", "aq", "as", "au", "av"),
    "tenth": ("aw", "ax", "ay", "az", "ba"),
    "eleventh": ("bb", "bc", "bd", "be", "bf"),
}
# Messages that are no report: none may get an urgent first line.
ORDINARY = ("covered", "practical", "ordinary", "facts")

# How many of each family passed, and the urgent first lines among the
# ordinary messages, all on this model: the eleventh round is its test set,
# the rounds before it are in its training data.
FIGURES = ("covered", "practical", "facts", "redflags", "symptoms_now", "urgent")
PER_WRITER = dict(zip(FIGURES, (40, 25, 10, 12, 8, 90), strict=True))
MEASURED: dict[str, tuple[int, ...]] = {
    "first": (158, 100, 40, 48, 32, 0),
    "second": (159, 100, 40, 48, 32, 0),
    "third": (158, 100, 31, 48, 32, 1),
    "fourth": (160, 100, 37, 48, 32, 1),
    "fifth": (160, 100, 38, 48, 32, 0),
    "sixth": (157, 100, 36, 48, 32, 1),
    "seventh": (158, 100, 38, 48, 32, 0),
    "ninth": (200, 125, 43, 60, 40, 0),
    "tenth": (194, 125, 40, 60, 40, 0),
    "eleventh": (160, 122, 37, 49, 32, 5),
}


def judge_covered(chat: Conversation, case: tuple[str, str]) -> Outcome:
    """A question the guide answers: its section is cited."""
    section, text = case
    reply = chat.text(text)
    outcome = Outcome(text, [reply])
    if section not in heldout.cited(reply):
        outcome.problems.append(f"cites {heldout.cited(reply)}, wanted {section}")
    return outcome


def judge_practical(chat: Conversation, text: str) -> Outcome:
    """A practical question is never turned away: no off-topic, rephrase or goodbye."""
    reply = chat.text(text)
    outcome = Outcome(text, [reply])
    for name, pattern in [
        ("off-topic", heldout.OFF_TOPIC),
        ("rephrase", heldout.REPHRASE),
        ("goodbye", heldout.GOODBYE),
    ]:
        if pattern.search(reply):
            outcome.problems.append(f"{name} reply")
    return outcome


def judge_fact(chat: Conversation, text: str) -> Outcome:
    """A personal fact is noted for the consultation sheet."""
    reply = chat.text(text)
    outcome = Outcome(text, [reply])
    if not heldout.FACT_NOTED.search(reply):
        outcome.problems.append("fact not noted")
    return outcome


JUDGES: dict[str, Callable[[Conversation, Any], Outcome]] = {
    "covered": judge_covered,
    "practical": judge_practical,
    "ordinary": heldout.judge_no_alarm,
    "facts": judge_fact,
    "redflags": heldout.judge_red_flag,
    "symptoms_now": heldout.judge_symptom,
}


def cases(round_name: str, family: str) -> list[Any]:
    """One family's messages from every writer of a round."""
    found: list[Any] = []
    for writer in ROUNDS[round_name]:
        folder = ROOT / f"writer_{writer}"
        path = next(folder.glob(f"{family}.t*"))
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(tuple(line.split("\t")) if "\t" in line else line.strip())
    return found


@cache
def outcomes(base_url: str, round_name: str, family: str) -> list[Outcome]:
    """Run a family once per test session; kept in results/heldout/."""
    done = heldout.run_cases(base_url, cases(round_name, family), JUDGES[family])
    heldout.save(f"understanding_{round_name}_{family}", done)
    return done


def measured(round_name: str, family: str) -> tuple[int, int]:
    """The figure a gate holds to; a round not yet measured has none."""
    figures = MEASURED.get(round_name)
    if figures is None:
        pytest.skip(f"the {round_name} round has not been measured")
    return figures[FIGURES.index(family)], PER_WRITER[family] * len(ROUNDS[round_name])


@pytest.mark.parametrize("round_name", ROUNDS)
@pytest.mark.parametrize("family", FIGURES[:-1])
def test_each_family_keeps_its_figure(
    assistant_url: str, round_name: str, family: str
) -> None:
    done = outcomes(assistant_url, round_name, family)
    passed = sum(not o.problems for o in done)
    print(f"\n{round_name} round, {family}: {passed}/{len(done)}")
    floor, total = measured(round_name, family)
    assert len(done) == total
    slack = 0 if family == "redflags" else 1
    assert passed >= floor - slack, "\n".join(heldout.failures(done))


@pytest.mark.parametrize("round_name", ROUNDS)
def test_ordinary_messages_get_no_urgent_first_line(
    assistant_url: str, round_name: str
) -> None:
    done = [
        o for family in ORDINARY for o in outcomes(assistant_url, round_name, family)
    ]
    urgent = [o.case for o in done if heldout.is_urgent(o.replies[0])]
    print(f"\n{round_name} round, urgent first lines: {len(urgent)}/{len(done)}")
    most, total = measured(round_name, "urgent")
    assert len(done) == total
    assert len(urgent) <= most + 1, "\n".join(urgent)
