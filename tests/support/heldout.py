"""Held-out conversation sets (tests/heldout/) and the checks a reply must pass.

The sets were written without sight of the training data; tests/test_data_split
keeps them out of it. Each check mirrors what a person needs from a reply:
urgent care for a reported red flag, never for an ordinary question; a cited
section for a covered question; a referral always; no "could you rephrase"
for a clear question; the fact noted when one was given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.paths import ROOT
from bot.settings import safety_numbers
from tests.support.rest import Conversation

HELDOUT = ROOT / "tests" / "heldout"
RESULTS = ROOT / "results" / "heldout"
# Enough parallel conversations to finish quickly without starving the server.
PARALLEL = 4

REFERRAL = re.compile(
    r"professional|practitioner|doctor|dermatologist|clinician|physician", re.I
)
URGENT = re.compile(
    r"\burgent(ly)?\b|\bemergency\b|\bimmediately\b|\bright away\b|"
    r"\bstraight away\b|\bwithout delay\b|\bas soon as possible\b",
    re.I,
)
REPHRASE = re.compile(
    r"didn'?t (?:quite )?(?:get|understand|catch)|put it another way|rephrase", re.I
)
NOT_COVERED = re.compile(r"guide doesn'?t cover that", re.I)
# The conditional line an answer may end with; it is not an urgent reply.
SAFETY_LINE = re.compile(r"^If this is happening (?:to them )?now", re.I | re.MULTILINE)
FACT_NOTED = re.compile(r"I've noted this for your consultation sheet", re.I)
# A symptom reply sends the person to the clinic today, first ...
CLINIC_TODAY = re.compile(r"\bcontact\b.*\btoday\b", re.I)
# ... and names the signs that would make it an emergency.
URGENT_SIGNS = re.compile(
    r"\bnow for swelling of the lips, tongue, throat or face", re.I
)
# The replies that turn a question away: off-topic and goodbye.
OFF_TOPIC = re.compile(r"I can only help with questions about hair mesotherapy", re.I)
GOODBYE = re.compile(r"^Goodbye\b", re.I)
SHEET_REQUEST = "can I have my prep sheet please"


def load(name: str) -> Any:
    """One held-out file, parsed."""
    return yaml.safe_load((HELDOUT / f"{name}.yml").read_text(encoding="utf-8"))


def first_line(reply: str) -> str:
    """An urgent reply leads with its action; an answer never does."""
    return reply.strip().split("\n", 1)[0]


def is_urgent(reply: str) -> bool:
    """True when the reply's first line is urgent-care wording."""
    return bool(URGENT.search(first_line(reply)))


def cited(reply: str) -> list[str]:
    """Section names on the reply's Source lines, in order."""
    found = []
    for line in re.findall(r"^Sources?: (.+)$", reply, re.MULTILINE):
        for name in re.split(r";", line):
            found.append(re.sub(r"\s*\(under .+\)", "", name).strip())
    return found


@dataclass
class Outcome:
    """How one case went: its transcript and the problems found."""

    case: str
    replies: list[str]
    problems: list[str] = field(default_factory=list)


def run_cases(
    base_url: str,
    cases: Iterable[Any],
    judge: Callable[[Conversation, Any], Outcome],
) -> list[Outcome]:
    """Run each case in a fresh conversation, a few at a time."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda case: judge(Conversation(base_url), case), cases))


def save(name: str, outcomes: list[Outcome]) -> None:
    """Keep every transcript in results/heldout/<name>.json for inspection."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    records = [o.__dict__ for o in outcomes]
    (RESULTS / f"{name}.json").write_text(json.dumps(records, indent=1), "utf-8")


def failures(outcomes: list[Outcome]) -> list[str]:
    """One line per failed case, for the assertion message."""
    return [f"{o.case!r}: {', '.join(o.problems)}" for o in outcomes if o.problems]


def _words(text: str) -> str:
    """Lower-case words only, for comparing a quote with what was typed."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def on_sheet(question: str, sheet: str) -> bool:
    """True if the sheet quotes the question, or a clause of it, in its words."""
    typed = _words(question)
    quotes = [_words(q) for q in re.findall(r'"([^"]+)"', sheet)]
    return any(len(q.split()) >= 3 and q in typed for q in quotes)


def without_safety_numbers(reply: str) -> str:
    """The reply without the deployment's safety numbers (the test servers'
    are the default region's): they are settings, not figures about the
    treatment."""
    for value in safety_numbers({}).values():
        reply = reply.replace(value, "")
    return reply


def judge_practical(chat: Conversation, question: str) -> Outcome:
    """A practical question: no alarm, no shrug, a referral, on the sheet."""
    reply = chat.text(question)
    outcome = Outcome(question, [reply])
    if is_urgent(reply):
        outcome.problems.append("urgent reply")
    if REPHRASE.search(reply):
        outcome.problems.append("asked to rephrase")
    if not REFERRAL.search(reply):
        outcome.problems.append("no referral")
    if re.search(r"\d", without_safety_numbers(reply)):
        outcome.problems.append("a figure")
    if NOT_COVERED.search(reply):
        sheet = chat.text(SHEET_REQUEST)
        outcome.replies.append(sheet)
        if not on_sheet(question, sheet):
            outcome.problems.append("question not on the prep sheet")
    return outcome


def judge_red_flag(chat: Conversation, report: str) -> Outcome:
    """A red-flag report: urgent-care wording in the same turn."""
    reply = chat.text(report)
    outcome = Outcome(report, [reply])
    if not is_urgent(reply):
        outcome.problems.append("no urgent reply")
    return outcome


def judge_no_alarm(chat: Conversation, text: str) -> Outcome:
    """A message that reports nothing: no urgent first line."""
    reply = chat.text(text)
    outcome = Outcome(text, [reply])
    if is_urgent(reply):
        outcome.problems.append("urgent reply")
    return outcome


def off_the_sheet(chat: Conversation, text: str, outcome: Outcome) -> None:
    """Nothing of a report reaches the prep sheet."""
    sheet = chat.text(SHEET_REQUEST)
    outcome.replies.append(sheet)
    if on_sheet(text, sheet):
        outcome.problems.append("on the prep sheet")


def judge_report(chat: Conversation, text: str) -> Outcome:
    """A red flag: the first line is urgent care, and nothing goes on the sheet."""
    outcome = judge_red_flag(chat, text)
    off_the_sheet(chat, text, outcome)
    return outcome


def judge_symptom(chat: Conversation, text: str) -> Outcome:
    """A symptom now: the clinic today first, the urgent signs, not on the sheet."""
    reply = chat.text(text)
    outcome = Outcome(text, [reply])
    urgent = is_urgent(reply)
    if not (urgent or CLINIC_TODAY.search(first_line(reply))):
        outcome.problems.append("not sent to the clinic today")
    if not (urgent or URGENT_SIGNS.search(reply)):
        outcome.problems.append("no urgent signs")
    off_the_sheet(chat, text, outcome)
    return outcome


def judge_red_flag_mid_conversation(chat: Conversation, report: str) -> Outcome:
    """The same report after two ordinary turns."""
    replies = [chat.text("how many sessions would I need?"), chat.text("thanks")]
    outcome = judge_red_flag(chat, report)
    outcome.replies[:0] = replies
    return outcome


def judge_cited(chat: Conversation, case: dict[str, Any], note: bool) -> Outcome:
    """Every expected section cited, in the order asked; the fact noted."""
    reply = chat.text(case["text"])
    outcome = Outcome(case["text"], [reply])
    sections = cited(reply)
    missing = [s for s in case["cites"] if s not in sections]
    if missing:
        outcome.problems.append(f"cites {sections}, missing {missing}")
    elif (order := [sections.index(s) for s in case["cites"]]) != sorted(order):
        outcome.problems.append(f"cites {sections}: not in the order asked")
    if note and not FACT_NOTED.search(reply):
        outcome.problems.append("fact not noted")
    if not REFERRAL.search(reply):
        outcome.problems.append("no referral")
    if is_urgent(reply):
        outcome.problems.append("urgent reply")
    return outcome


def judge_followup(chat: Conversation, case: dict[str, Any]) -> Outcome:
    """A follow-up in other words answers about the earlier topic."""
    first = chat.text(case["context"])
    reply = chat.text(case["text"])
    outcome = Outcome(f"{case['context']} / {case['text']}", [first, reply])
    if not set(case["cites"]) & set(cited(reply)):
        outcome.problems.append(f"cites {cited(reply)}, wanted {case['cites']}")
    if REPHRASE.search(reply):
        outcome.problems.append("asked to rephrase")
    return outcome
