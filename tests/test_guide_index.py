"""The guide, read as sections, and the search index over its sentences."""

from __future__ import annotations

import pytest

from bot.guide import CLOSING_SECTION, parse_sections, read_sections
from bot.nlu.guide_index import GuideIndex, content_stems, stem
from tests.support.config import component_config

# The sections the router indexes, as config.yml lists them.
LEAF_SECTIONS = list(
    component_config("bot.nlu.answer_router.AnswerRouter")["section_intents"]
)


@pytest.fixture(scope="module")
def index() -> GuideIndex:
    sections = read_sections()
    return GuideIndex.from_sections({name: sections[name] for name in LEAF_SECTIONS})


def test_sections_groups_and_conclusion_are_parsed() -> None:
    sections = read_sections()
    assert set(LEAF_SECTIONS) <= set(sections)
    assert "itching" in sections["Allergic Reactions"]
    # A group heading holds the sections under it.
    assert sections["Variable Efficacy"] in sections["Uneven Results"]
    assert sections["Multiple Sessions Required"] in sections["Uneven Results"]
    assert sections[CLOSING_SECTION].startswith("In conclusion")


def test_parse_sections_on_a_small_document() -> None:
    text = "Group:\n\n1. First:\n\nOne. Two.\n\nIn conclusion, done."
    assert parse_sections(text) == {
        "Group": "One. Two.",
        "First": "One. Two.",
        CLOSING_SECTION: "In conclusion, done.",
    }


def test_stems_fold_forms_and_synonyms() -> None:
    assert stem("itching") == stem("itchy") == stem("itch")
    assert stem("swollen") == stem("swelling")
    assert content_stems("will my scalp itch after the session?") == ["itch"]


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("will my scalp itch after?", "Allergic Reactions"),
        ("can it stop me doing daily activities?", "Pain and Discomfort"),
        ("what about hygiene?", "Infection Risk"),
        ("do genetics matter?", "Variable Efficacy"),
    ],
)
def test_a_question_in_the_guides_words_finds_its_section(
    index: GuideIndex, question: str, section: str
) -> None:
    match = index.best_match(question)
    assert match is not None and match.section == section


@pytest.mark.parametrize(
    "question",
    [
        "can I go to the sauna after the session?",
        "can I wash my hair tonight?",
        "is ibuprofen ok for the pain?",
        "is it ok?",
    ],
)
def test_a_word_the_guide_never_uses_declines(index: GuideIndex, question: str) -> None:
    assert index.best_match(question) is None


def test_index_round_trips_through_its_stored_form(index: GuideIndex) -> None:
    copy = GuideIndex.from_dict(index.as_dict())
    assert copy.best_match("hygiene?") == index.best_match("hygiene?")
