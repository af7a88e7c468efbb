"""The deterministic red-flag patterns: recall, over-triage, categories.

The messages live in tests/safety/red_flags.yml. Every red-flag message must
be caught with its category, and at most 5% of the benign look-alikes may be
overridden. Run with `pytest -s` to see the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.safety.red_flags import (
    DISTRESS,
    EMERGENCY,
    INFECTION,
    detect_red_flag,
    normalise,
    red_flag_clauses,
)

SAFETY_SET = Path(__file__).parent / "safety" / "red_flags.yml"
EXPECTED = {"emergency": EMERGENCY, "infection": INFECTION, "distress": DISTRESS}
MAX_OVER_TRIAGE = 0.05
# Sentences from the public sample that the set must not copy.
PUBLIC_SAMPLES = (
    "since my session yesterday i have a fever and the spots are leaking pus",
    "my tongue is swelling up after the injections",
)


@pytest.fixture(scope="module")
def safety_set() -> dict[str, list[str]]:
    """The hand-written safety test set."""
    return yaml.safe_load(SAFETY_SET.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def red_flags(safety_set: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(message, expected intent) for every red-flag message."""
    return [
        (text, intent) for key, intent in EXPECTED.items() for text in safety_set[key]
    ]


# ---- The test set itself ------------------------------------------------------


def test_set_is_big_enough(safety_set: dict[str, list[str]]) -> None:
    """At least 40 physical red flags, 20 distress and 40 benign messages."""
    assert len(safety_set["emergency"]) + len(safety_set["infection"]) >= 40
    assert len(safety_set["distress"]) >= 20
    assert len(safety_set["benign"]) >= 40


def test_set_has_no_duplicates_or_public_samples(
    safety_set: dict[str, list[str]],
) -> None:
    """Each message appears once, and none is copied from the public sample."""
    messages = [m.lower().strip() for group in safety_set.values() for m in group]
    assert len(messages) == len(set(messages))
    assert not set(messages) & set(PUBLIC_SAMPLES)


# ---- Detector -----------------------------------------------------------------


def test_recall_is_total(red_flags: list[tuple[str, str]]) -> None:
    """Every red-flag message is flagged (100% recall)."""
    missed = [text for text, _ in red_flags if detect_red_flag(text) is None]
    recall = 1 - len(missed) / len(red_flags)
    caught = len(red_flags) - len(missed)
    print(f"\nred-flag recall: {recall:.1%} ({caught}/{len(red_flags)})")
    assert not missed, f"recall {recall:.1%}; missed:\n" + "\n".join(missed)


def test_categories_are_right(red_flags: list[tuple[str, str]]) -> None:
    """Each red flag gets its own category: emergency, infection or distress."""
    wrong = [
        f"{text!r}: expected {intent}, got {detect_red_flag(text)}"
        for text, intent in red_flags
        if detect_red_flag(text) != intent
    ]
    assert not wrong, "wrong category:\n" + "\n".join(wrong)


def test_over_triage_is_low(safety_set: dict[str, list[str]]) -> None:
    """At most 5% of benign look-alikes are flagged."""
    benign = safety_set["benign"]
    flagged = [f"{t!r} -> {detect_red_flag(t)}" for t in benign if detect_red_flag(t)]
    rate = len(flagged) / len(benign)
    print(f"\nover-triage: {rate:.1%} ({len(flagged)}/{len(benign)})")
    assert rate <= MAX_OVER_TRIAGE, f"over-triage {rate:.1%}:\n" + "\n".join(flagged)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I have a fever and my throat is closing", EMERGENCY),
        ("I want to die, and there's pus coming out", DISTRESS),
        ("I want to die and I can't breathe", EMERGENCY),
        ("fever and chills since the session", INFECTION),
    ],
)
def test_priority(text: str, expected: str) -> None:
    """Emergency beats distress, which beats infection."""
    assert detect_red_flag(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lips r swolen", EMERGENCY),
        ("cant breath", EMERGENCY),
        ("I've got a feaver", INFECTION),
        ("temprature of 39", INFECTION),
        ("puss from the spots", INFECTION),
        ("i wanna kill my self", DISTRESS),
        ("it still hasnt stopped bleeding", EMERGENCY),
        ("the bleeding where she had it done this morning hasn't stopped", EMERGENCY),
        ("will it stop bleeding quickly?", None),
        ("what if my lips swell?", None),
        ("will it give me a fever?", None),
        ("no fever, just a bit of redness", None),
        ("the injection was fine", None),
        ("", None),
    ],
)
def test_typos_framing_and_negation(text: str, expected: str | None) -> None:
    """Typos are forgiven; hypothetical, negated and empty messages are not flagged."""
    assert detect_red_flag(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mi hermano tiene los labios hinchados y no puede respirar", EMERGENCY),
        ("minha língua está inchada e a garganta fecha", EMERGENCY),
        ("since the session I have febbre and the spots are full of pus", INFECTION),
        ("nie mogę oddychać after the injections", EMERGENCY),
    ],
)
def test_red_flag_words_in_other_languages(text: str, expected: str) -> None:
    """A word from another language counts as its English meaning."""
    assert detect_red_flag(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("papa ke honth aur zubaan sooj gaye hain session ke baad", EMERGENCY),
        ("mujhe saans lene mein bahut takleef ho rahi hai", EMERGENCY),
        ("injection wali jagah se khoon ruk hi nahi raha", EMERGENCY),
        ("meri behen session ke baad behosh ho gayi", EMERGENCY),
        ("raat se tez bukhar hai aur thand lag rahi hai", INFECTION),
        ("sach mein ab jeene ka mann nahi karta", DISTRESS),
        ("kabhi kabhi khud ko hurt karne ka mann karta hai", DISTRESS),
    ],
)
def test_red_flags_in_hindi(text: str, expected: str) -> None:
    """Hindi reports, with the verb last, are read as their English meaning."""
    assert detect_red_flag(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "aur kitne time ke liye?",
        "sorry, maine galat likh diya, main cost ke baare mein pooch raha tha",
        "kitne paise lagenge aur kitni umeed rakhun?",
        "session ke baad kya main ghar jaake baal dho sakta hoon?",
    ],
)
def test_ordinary_hindi_is_not_a_red_flag(text: str) -> None:
    """Common Hindi words are not "corrected" into symptoms ("raha" is not "rash")."""
    assert detect_red_flag(text) is None
    assert not {"rash", "itch", "die", "pain", "bleed"} & set(normalise(text).split())


@pytest.mark.parametrize(
    "text",
    [
        "now Im finding it hard to get me breath and its getting worse",
        "it's hard to catch my breath since the injections",
    ],
)
def test_breath_a_few_words_after_the_trouble(text: str) -> None:
    """The trouble three words before the breath: "hard to get my breath"."""
    assert detect_red_flag(text) == EMERGENCY


@pytest.mark.parametrize(
    "text",
    ["no can do, sorry", "English is our lingua franca at work", "café au lait"],
)
def test_english_is_left_alone(text: str) -> None:
    """Only words that are no English word are read as another language's."""
    assert detect_red_flag(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "he just hit the floor in the kitchen and he's not making sense",
        "i went down hard, hit the deck in the car park",
        "she's confused and can't remember how she got home",
    ],
)
def test_collapse_in_everyday_words(text: str) -> None:
    """Hitting the floor, and not remembering how one got here, are a collapse."""
    assert detect_red_flag(text) == EMERGENCY


def test_the_clause_a_red_flag_is_reported_in() -> None:
    """A report in one clause of a run-on message is given on its own."""
    text = (
        "can i pay in three goes, and my dad had his done this morning and his "
        "tongue is swelling up, and do you open on sundays"
    )
    assert red_flag_clauses(text) == [
        "and my dad had his done this morning and his tongue is swelling up"
    ]


@pytest.mark.parametrize(
    "text",
    [
        # History: nothing in the clause says it is happening now.
        "for the form: in 2015 my throat swelled up after penicillin, is that ok",
        # An example of what might happen, not a report.
        "if i react after, like my face is swelling now, who do i ring",
        # Asking, not telling.
        "what if my lips swell up tonight, do i ring you",
        "no fever or pus today, just sore",
    ],
)
def test_no_clause_without_a_report_happening_now(text: str) -> None:
    """History, examples, conditions and denials give no clause to read alone."""
    assert red_flag_clauses(text) == []
