"""Every answer is faithful to the source document, cited, safe and referred."""

from __future__ import annotations

import re
from typing import Any

import pytest

from actions.prep_sheet import sheet_text
from tests.conftest import ROOT, SOURCE_DOCUMENT

SHARED_SOURCE = ROOT.parent / "shared" / "source" / SOURCE_DOCUMENT.name
CLOSING_SECTION = "Conclusion"
REFERRAL = re.compile(
    r"professional|practitioner|doctor|dermatologist|clinician", re.IGNORECASE
)
BANNED_CLAIMS = re.compile(
    r"\bpainless\b|\bit(?:'s| is) (?:perfectly |completely |totally |very )?safe\b|"
    r"\bno side effects\b|\bguarantee[ds]?\b|\brisk-free\b|\bno risk\b",
    re.IGNORECASE,
)
CITATION_LINE = re.compile(r"^Sources?: (.+)$", re.MULTILINE)
# Responses that are not answers: greetings, prompts and sheet fragments.
NOT_ANSWERS = re.compile(r"^utter_(?:greet|forgotten|factor_noted|ask_rephrase$)")


def document_headings() -> set[str]:
    """Section headings as the document spells them, plus its closing paragraph."""
    text = SOURCE_DOCUMENT.read_text(encoding="utf-8")
    headings = re.findall(r"^(?:\d+\. )?([A-Z][^:\n]+):\s*$", text, re.MULTILINE)
    return {*headings, CLOSING_SECTION}


def variations(domain: dict[str, Any]) -> list[tuple[str, str]]:
    """(response name, text) for every variation of every response."""
    return [
        (name, variation.get("text", ""))
        for name, variants in domain["responses"].items()
        for variation in variants
    ]


def cited_sections(text: str) -> list[str]:
    """Section names listed on the text's Source line(s)."""
    cited = []
    for line in CITATION_LINE.findall(text):
        for part in re.split(r";|,", line):
            cited.append(re.sub(r"\s*\(under (.+)\)", "", part).strip())
            cited += re.findall(r"\(under (.+)\)", part)
    return cited


def test_source_document_is_the_shared_original_verbatim() -> None:
    if not SHARED_SOURCE.exists():
        pytest.skip("shared source document absent")
    assert SOURCE_DOCUMENT.read_bytes() == SHARED_SOURCE.read_bytes()


def test_document_headings_are_parsed() -> None:
    assert document_headings() >= {
        "Allergic Reactions",
        "Pain and Discomfort",
        "Infection Risk",
        "Bruising and Swelling",
        "Variable Efficacy",
        "Multiple Sessions Required",
        "Expensive Maintenance",
        "Possible Side Effects",
        "Uneven Results",
        "Cost Considerations",
        "Conclusion",
    }


def test_every_cited_section_exists_in_the_document(domain: dict[str, Any]) -> None:
    headings = document_headings()
    for name, text in variations(domain):
        for section in cited_sections(text):
            assert section in headings, f"{name} cites unknown section {section!r}"


def test_every_guide_answer_cites_a_section(domain: dict[str, Any]) -> None:
    answers = [
        (n, t)
        for n, t in variations(domain)
        if n.startswith("utter_answer_") or n.startswith("utter_followup_")
    ]
    assert len(answers) > 20
    for name, text in answers:
        if name.startswith("utter_followup_") and "Pick a topic" in text:
            continue  # the no-topic variation asks which topic is meant
        assert cited_sections(text), f"{name} has no Source line"
        assert text.splitlines()[-1].startswith("Source"), f"{name}: cite last"


def test_prep_sheet_questions_name_their_section() -> None:
    headings = document_headings()
    questions = [*sheet_text()["topic_questions"].values()]
    questions += [q for q in sheet_text()["general_questions"] if q.endswith(")")]
    for question in questions:
        section = re.search(r"\(([^)]+)\)$", question)
        assert section and section.group(1) in headings, question


def test_prep_sheet_text_has_no_digit_or_banned_claim() -> None:
    text = str(sheet_text())
    assert not re.search(r"\d", text)
    assert not BANNED_CLAIMS.search(text)
    assert REFERRAL.search(sheet_text()["reminder"])


def test_no_response_contains_a_digit(domain: dict[str, Any]) -> None:
    for name, text in variations(domain):
        assert not re.search(r"\d", text), f"{name} contains a figure"


def test_no_response_makes_a_banned_claim(domain: dict[str, Any]) -> None:
    for name, text in variations(domain):
        assert not BANNED_CLAIMS.search(text), f"{name}: {BANNED_CLAIMS.search(text)}"


def test_every_answer_points_to_a_qualified_professional(
    domain: dict[str, Any],
) -> None:
    for name, text in variations(domain):
        if NOT_ANSWERS.match(name) or name == "utter_out_of_scope":
            continue
        assert REFERRAL.search(text), f"{name} has no referral"


def test_only_answers_name_a_section(domain: dict[str, Any]) -> None:
    """A reply that cites nothing must not look as if it did."""
    headings = [h.lower() for h in document_headings()]
    for name, text in variations(domain):
        if not cited_sections(text):
            named = [h for h in headings if h in text.lower()]
            assert not named, f"{name} names {named} without citing"


def test_offtopic_reply_cites_nothing_and_names_the_scope(
    domain: dict[str, Any],
) -> None:
    text = domain["responses"]["utter_out_of_scope"][0]["text"]
    assert not cited_sections(text)
    assert "mesotherapy" in text


def test_fallback_texts_differ(domain: dict[str, Any]) -> None:
    first = domain["responses"]["utter_ask_rephrase"][0]["text"]
    second = domain["responses"]["utter_ask_rephrase_offer_human"][0]["text"]
    assert first != second


def test_greeting_discloses_an_automated_assistant(domain: dict[str, Any]) -> None:
    greeting = domain["responses"]["utter_greet"][0]
    assert re.search(r"automated assistant", greeting["text"])
    assert "not a clinician" in greeting["text"]
    assert len(greeting["buttons"]) >= 4
