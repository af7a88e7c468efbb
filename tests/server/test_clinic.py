"""The clinic's side against a running assistant: its notes and its page.

The `clinic_url` server (tests/conftest.py) has the example notes and a
CLINIC_TOKEN; the default server (no notes, no token) shows the page doesn't
exist there.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

import pytest
import yaml

from bot.paths import ROOT
from tests.conftest import CLINIC_TOKEN as TOKEN
from tests.support.heldout import is_urgent
from tests.support.rest import Conversation

pytestmark = pytest.mark.server

HELD_OUT = ROOT / "tests" / "heldout" / "clinic_notes.yml"
HELD_OUT_2 = ROOT / "tests" / "heldout" / "clinic_notes_2.yml"
HELD_OUT_3 = ROOT / "tests" / "heldout" / "clinic_notes_3.yml"
HELD_OUT_4 = ROOT / "tests" / "heldout" / "clinic_notes_4.yml"
NLU_TEST = ROOT / "tests" / "nlu" / "test_nlu.yml"
NOTE_LINE = re.compile(r"^Clinic note: (.+?) \(", re.MULTILINE)
# From the right note, less one for noise between machines: the first set
# (a development set for matching by meaning: 57 of 80 with it, 50 by
# words) and the one evaluation of each later set (76, 64 and 67 of 112;
# README, Clinic notes). On this model, after the ninth and tenth rounds'
# folds changed the classifier: 55, 77, 66 and 67.
RIGHT_NOTE_GATES = {HELD_OUT: 54, HELD_OUT_2: 76, HELD_OUT_3: 65, HELD_OUT_4: 66}
HELD_OUT_SETS = tuple(RIGHT_NOTE_GATES)
MIN_GUIDE_QUESTIONS = 100


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """GET a URL: the status and the body, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def bearer(token: str = TOKEN) -> dict[str, str]:
    """The header the page and exports require."""
    return {"Authorization": f"Bearer {token}"}


# ---- Notes ------------------------------------------------------------------


def note_of(reply: str) -> str | None:
    """The heading of the clinic note a reply answered from, if any."""
    found = NOTE_LINE.search(reply)
    return found[1] if found else None


def test_a_note_answers_as_the_clinics_words(clinic_url: str) -> None:
    reply = Conversation(clinic_url).text("when can I wash my hair after meso?")
    assert reply.startswith("From Example Clinic's notes: ")
    assert note_of(reply) == "Washing your hair after a session"
    assert "not from the guide" in reply and "Source:" not in reply


def test_without_notes_the_same_question_is_not_covered(assistant_url: str) -> None:
    reply = Conversation(assistant_url).text("when can I wash my hair after meso?")
    assert "doesn't cover that" in reply and not note_of(reply)


@pytest.mark.parametrize("held_out", HELD_OUT_SETS, ids=lambda p: p.stem)
def test_held_out_questions_get_the_right_note(clinic_url: str, held_out) -> None:
    notes = yaml.safe_load(held_out.read_text(encoding="utf-8"))["notes"]
    answered = [
        (heading, question, note_of(Conversation(clinic_url).text(question)))
        for heading, questions in notes.items()
        for question in questions
    ]
    right = sum(1 for heading, _, note in answered if note == heading)
    print(f"clinic notes: {right} of {len(answered)} from the right note")
    assert right >= RIGHT_NOTE_GATES[held_out]


@pytest.mark.parametrize("held_out", HELD_OUT_SETS, ids=lambda p: p.stem)
def test_no_report_is_answered_from_a_note(clinic_url: str, held_out) -> None:
    reports = yaml.safe_load(held_out.read_text(encoding="utf-8"))["reports"]
    noted = [r for r in reports if note_of(Conversation(clinic_url).text(r))]
    assert not noted


def guide_questions() -> list[tuple[str, str]]:
    """(intent, question) for the held-out NLU questions the guide answers."""
    data = yaml.safe_load(NLU_TEST.read_text(encoding="utf-8"))["nlu"]
    guide_intents = {"ask_allergy", "ask_pain", "ask_infection", "ask_bruising",
                     "ask_efficacy", "ask_sessions", "ask_cost", "ask_permanence",
                     "ask_side_effects", "ask_results_timeline"}  # fmt: skip
    return [
        (block["intent"], line.removeprefix("- ").strip())
        for block in data
        if block.get("intent") in guide_intents
        for line in block["examples"].splitlines()
        if line.strip()
    ]


def test_the_guide_still_answers_what_it_covers(clinic_url: str) -> None:
    questions = guide_questions()
    assert len(questions) >= MIN_GUIDE_QUESTIONS
    replies = [Conversation(clinic_url).text(q) for _, q in questions]
    from_notes = [q for (_, q), r in zip(questions, replies, strict=True) if note_of(r)]
    cited = sum(1 for r in replies if "Source" in r)
    print(f"guide questions with notes on: {cited} of {len(questions)} cited")
    assert not from_notes and cited >= MIN_GUIDE_QUESTIONS


# ---- The page ---------------------------------------------------------------


def test_the_page_does_not_exist_without_a_token_setting(assistant_url: str) -> None:
    status, body = fetch(f"{assistant_url}/clinic")
    assert status == 404
    assert body == fetch(f"{assistant_url}/clinix")[1].replace("/clinix", "/clinic")


@pytest.mark.parametrize(
    "path", ["/clinic", "/clinic/insights.json", "/clinic/insights.csv"]
)
@pytest.mark.parametrize("token", [None, "wrong-token-wrong-token-0123"])
def test_without_the_token_the_page_is_an_unknown_path(
    clinic_url: str, path: str, token: str | None
) -> None:
    status, body = fetch(clinic_url + path, bearer(token) if token else {})
    unknown_status, unknown = fetch(clinic_url + "/nothing-here")
    assert (status, body) == (unknown_status, unknown.replace("/nothing-here", path))


def test_the_page_draws_charts_from_the_conversations(clinic_url: str) -> None:
    for _ in range(3):
        Conversation(clinic_url).text("can I fly the day after my session?")
    Conversation(clinic_url).text("does it hurt?")
    status, page = fetch(f"{clinic_url}/clinic", bearer())
    assert status == 200
    assert page.count("<svg") >= 3 and "<script" not in page
    assert not re.search(r"""(?:src|href)=["']https?://""", page), (
        "loads from elsewhere"
    )
    status, exported = fetch(f"{clinic_url}/clinic/insights.json", bearer())
    data: dict[str, Any] = yaml.safe_load(exported)
    assert set(data) >= {
        "conversations_by_day", "conversations_by_channel", "topics",
        "uncovered_themes", "prep_sheets", "handoffs", "urgent", "answered_by_notes",
    }  # fmt: skip
    assert data["topics"].get("pain", 0) >= 1
    travel = [t for t in data["uncovered_themes"] if t["name"] == "Travel and flying"]
    assert travel and travel[0]["people"] >= 3
    assert travel[0]["status"] == "not answered yet: write a note"
    status, csv_text = fetch(f"{clinic_url}/clinic/insights.csv", bearer())
    assert status == 200 and csv_text.startswith("section,key,count")


def test_the_sign_in_form_sets_a_cookie_that_opens_the_page(clinic_url: str) -> None:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = urllib.parse.urlencode({"token": TOKEN}).encode()
    with opener.open(f"{clinic_url}/clinic/sign-in", data=form, timeout=30) as page:
        assert page.status == 200 and "What people ask" in page.read().decode()
    assert TOKEN not in [cookie.value for cookie in jar]


def test_the_page_shows_nothing_personal(clinic_url: str) -> None:
    private = {
        "Priya": "Hi it's Priya, can I get highlights after?",
        "priya@example.com": "I'm at priya@example.com, can I get highlights after?",
        "07700 900456": "ring 07700 900456: can I get highlights after?",
        "14 March": "on 14 March can I get highlights after?",
        "I'm 41": "I'm 41, can I get highlights after?",
        "pregnant": "I'm pregnant, can I get highlights after?",
        "breathe": "my lips are swelling up and I can't breathe",
        "end it all": "I want to end it all",
    }
    for text in private.values():
        for _ in range(3):
            Conversation(clinic_url).text(text)
    outputs = [
        fetch(f"{clinic_url}{path}", bearer())[1]
        for path in ("/clinic", "/clinic/insights.json", "/clinic/insights.csv")
    ]
    for output in outputs:
        assert not [secret for secret in private if secret in output]
    assert '"emergency"' in outputs[1] and '"crisis"' in outputs[1]
    assert is_urgent(Conversation(clinic_url).text(private["breathe"]))
