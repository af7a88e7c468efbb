"""The clinic's notes: the file checked, the right note found, the guide and
safety first, and the reply named as the clinic's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerClinicNote, note_reply
from bot.clinic_notes import Note, NotesError, load, main, parse
from bot.nlu.clinic_notes import ClinicNotesMatcher, NotesIndex
from bot.nlu.guide_index import content_stems
from bot.paths import ROOT
from tests.support.config import component_config
from tests.support.trackers import tracker_for, user

EXAMPLE = ROOT / "data" / "clinic_notes.example.md"
CONFIG = component_config("bot.nlu.clinic_notes.ClinicNotesMatcher")


# ---- The file ---------------------------------------------------------------


def test_the_example_notes_are_valid_and_marked_as_an_example() -> None:
    notes = load(EXAMPLE)
    assert len(notes) >= 5
    assert "EXAMPLE" in EXAMPLE.read_text(encoding="utf-8").splitlines()[0]


def test_the_default_deployment_has_no_notes() -> None:
    assert not (ROOT / "data" / "clinic_notes.md").exists()
    assert load(ROOT / "data" / "no-such-notes.md") == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Wash gently.\n\n## Washing\n\nWait a day.\n", "before any '## ' heading"),
        ("## Washing\n\nWait a day.\n\n## washing\n\nOr two.\n", "is also on line"),
        ("## Washing\n\n## Sport\n\nWait a day.\n", "has no text"),
        ("## \n\nWait a day.\n", "without a heading"),
        ("## Pain\n\nIt is painless.\n", "'painless'"),
        ("## Results\n\nRegrowth is guaranteed.\n", "'guaranteed'"),
        ("## Risks\n\nThere are no side effects.\n", "'no side effects'"),
        ("## Safety\n\nDon't worry, it's safe.\n", "it's safe"),
    ],
)
def test_a_bad_notes_file_is_rejected_with_its_line(text: str, problem: str) -> None:
    _, problems = parse(text)
    assert any(problem in p and p.startswith("line ") for p in problems), problems


def test_comments_and_a_title_are_not_notes() -> None:
    notes, problems = parse(
        "# Our notes\n<!-- draft\n## Not a note -->\n## Hats\n\nA loose cap is fine.\n"
    )
    assert not problems
    assert notes == [Note("Hats", "A loose cap is fine.")]


def test_the_check_exits_non_zero_and_names_the_problem(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "notes.md"
    bad.write_text("## Pain\n\nPainless, guaranteed.\n", encoding="utf-8")
    assert main(["check", str(bad)]) == 1
    assert "line 1" in capsys.readouterr().err
    with pytest.raises(NotesError):
        load(bad)
    assert main(["check", str(EXAMPLE)]) == 0


# ---- Matching -----------------------------------------------------------------


@pytest.fixture
def matcher(monkeypatch) -> ClinicNotesMatcher:
    monkeypatch.setenv("CLINIC_NOTES", str(EXAMPLE.relative_to(ROOT)))
    return ClinicNotesMatcher(CONFIG)


def parsed(text: str, intent: str, **extra) -> Message:
    entry = {"name": intent, "confidence": 0.9}
    return Message(
        data={"text": text, "intent": entry, "intent_ranking": [entry], **extra}
    )


def test_an_uncovered_question_a_note_answers_gets_the_note(matcher) -> None:
    message = matcher.process([parsed("when can I wash my hair?", "ask_beyond_guide")])[
        0
    ]
    assert message.get("intent")["name"] == "ask_clinic_note"
    assert message.get("clinic_note")["heading"] == "Washing your hair after a session"


def test_an_uncovered_question_no_note_answers_stays_uncovered(matcher) -> None:
    message = matcher.process([parsed("can I fly after meso?", "ask_beyond_guide")])[0]
    assert message.get("intent")["name"] == "ask_beyond_guide"
    assert message.get("clinic_note") is None


def test_the_guide_comes_first(matcher) -> None:
    message = matcher.process([parsed("does washing my hair hurt?", "ask_pain")])[0]
    assert message.get("intent")["name"] == "ask_pain"


def test_a_possible_report_is_never_answered_from_a_note(matcher) -> None:
    message = parsed(
        "washed my hair, scalp is hot now?", "ask_beyond_guide", risk_check=True
    )
    assert matcher.process([message])[0].get("intent")["name"] == "ask_beyond_guide"


def test_each_uncovered_part_of_a_message_gets_its_note(matcher) -> None:
    parts = [
        {"name": "ask_pain", "text": "does it hurt", "topic": None},
        {
            "name": "ask_beyond_guide",
            "text": "can I go to the gym after",
            "topic": None,
        },
    ]
    message = parsed("does it hurt and can I go to the gym after", "several_questions")
    message.set("message_parts", parts)
    matcher.process([message])
    assert "clinic_note" not in parts[0]
    assert parts[1]["clinic_note"]["heading"] == "Exercise and sport after a session"


def test_without_notes_nothing_changes(monkeypatch) -> None:
    monkeypatch.setenv("CLINIC_NOTES", "data/no-such-notes.md")
    matcher = ClinicNotesMatcher(CONFIG)
    message = matcher.process([parsed("when can I wash my hair?", "ask_beyond_guide")])[
        0
    ]
    assert message.get("intent")["name"] == "ask_beyond_guide"


def test_a_note_is_found_by_meaning_with_no_word_in_common() -> None:
    index = NotesIndex(load(EXAMPLE))
    question = "When can I have champagne after the treatment?"
    assert not set(content_stems(question)) & set(index.idf)  # BM25 sees nothing
    assert index.best(question).note.heading == "Alcohol around your session"


def test_a_paraphrase_the_words_barely_match_is_answered(matcher) -> None:
    """One shared word ("hot"): the old BM25-only rule left it uncovered."""
    text = "Can I have a hot bath that night?"
    message = matcher.process([parsed(text, "ask_beyond_guide")])[0]
    assert message.get("clinic_note")["heading"] == "Swimming, saunas and hot tubs"


@pytest.mark.parametrize(
    "intent", ["ask_capabilities", "bot_challenge", "out_of_scope"]
)
def test_a_practical_question_mistaken_for_small_talk_gets_its_note(
    matcher, intent: str
) -> None:
    message = matcher.process([parsed("can I wear a baseball cap home?", intent)])[0]
    assert message.get("intent")["name"] == "ask_clinic_note"
    assert message.get("clinic_note")["heading"] == "Hats, helmets and wigs"


def test_a_follow_up_is_never_answered_from_a_note(matcher) -> None:
    message = matcher.process([parsed("can I wear a cap home?", "followup_signs")])[0]
    assert message.get("intent")["name"] == "followup_signs"


def test_small_talk_stays_small_talk(matcher) -> None:
    for text in ("what can you do?", "are you a bot?", "tell me a joke"):
        message = matcher.process([parsed(text, "ask_capabilities")])[0]
        assert message.get("intent")["name"] == "ask_capabilities", text


def write_notes(path: Path, heading: str, text: str) -> None:
    """A one-note file, with a new modification time."""
    path.write_text(f"## {heading}\n\n{text}\n", encoding="utf-8")


def test_an_edited_notes_file_is_used_on_the_next_message(
    monkeypatch, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    write_notes(notes, "Parking", "Park in the Station Road car park behind us.")
    monkeypatch.setenv("CLINIC_NOTES", str(notes))
    matcher = ClinicNotesMatcher(CONFIG)
    question = "Is there a car park near the clinic?"
    assert note_heading(matcher, question) == "Parking"
    write_notes(notes, "Hats", "A loose clean cap is fine after your session.")
    assert note_heading(matcher, question) is None
    assert note_heading(matcher, "can I wear a cap after my session?") == "Hats"


def test_an_invalid_edit_keeps_the_last_valid_notes(
    monkeypatch, tmp_path: Path, caplog
) -> None:
    notes = tmp_path / "notes.md"
    write_notes(notes, "Parking", "Park in the Station Road car park behind us.")
    monkeypatch.setenv("CLINIC_NOTES", str(notes))
    matcher = ClinicNotesMatcher(CONFIG)
    notes.write_text("text before any heading\n## Parking\n", encoding="utf-8")
    assert note_heading(matcher, "Is there a car park near the clinic?") == "Parking"
    assert "the last valid ones stay" in caplog.text and "line 1" in caplog.text


def test_a_deleted_notes_file_means_no_notes(monkeypatch, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    write_notes(notes, "Parking", "Park in the Station Road car park behind us.")
    monkeypatch.setenv("CLINIC_NOTES", str(notes))
    matcher = ClinicNotesMatcher(CONFIG)
    notes.unlink()
    assert note_heading(matcher, "Is there a car park near the clinic?") is None


def note_heading(matcher: ClinicNotesMatcher, text: str) -> str | None:
    """The heading of the note the matcher gives an uncovered question, if any."""
    message = matcher.process([parsed(text, "ask_beyond_guide")])[0]
    return (message.get("clinic_note") or {}).get("heading")


# ---- The reply ----------------------------------------------------------------


def test_a_note_reply_is_named_as_the_clinics_never_the_guides() -> None:
    reply = note_reply({"heading": "Hats", "text": "Wait 24 hours."}, "Example Clinic")
    lines = reply.splitlines()
    assert lines[0] == "From Example Clinic's notes: Wait 24 hours."
    assert lines[1].startswith("Clinic note: Hats") and "not from the guide" in lines[1]
    assert "Source:" not in reply and "practitioner" in reply


def test_the_action_sends_the_matched_note_or_not_covered() -> None:
    note = {"heading": "Hats", "text": "A loose cap is fine."}
    for latest, expected in ((note, "From the clinic's notes"), (None, None)):
        tracker = tracker_for([user("ask_clinic_note", "hat?")])
        tracker.latest_message["clinic_note"] = latest
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionAnswerClinicNote().run(dispatcher, tracker, {}))
        message = dispatcher.messages[0]
        if expected:
            assert message["text"].startswith(expected)
        else:
            assert message["response"] == "utter_not_in_guide"


@pytest.mark.parametrize(
    "text",
    [
        "my scalp started oozing a bit after I washed it. what should I do",
        "went to the gym and now my forehead is swollen, is that ok?",
        "had a glass of wine and the injection spots feel hot and sore?",
    ],
)
def test_a_message_mentioning_a_symptom_never_gets_a_note(matcher, text: str) -> None:
    """Even when the risk gate let it through as a question."""
    message = matcher.process([parsed(text, "ask_beyond_guide")])[0]
    assert message.get("intent")["name"] == "ask_beyond_guide"
