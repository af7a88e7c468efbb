"""Every answer is faithful to the source document, cited, safe and referred."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pytest
import yaml

from actions.prep_sheet import sheet_text
from bot.paths import GUIDE_PATH as SOURCE_DOCUMENT
from bot.paths import ROOT
from tests.support.heldout import REFERRAL

SHARED_SOURCE = ROOT.parent / "shared" / "source" / SOURCE_DOCUMENT.name
CITATION_MAP = ROOT / "tests" / "content" / "citations.yml"
CLOSING_SECTION = "Conclusion"
# "Possible Side Effects:" (a group) or "1. Allergic Reactions:" (numbered).
HEADING_LINE = re.compile(r"^(\d+\. )?([A-Z][^:\n]+):\s*$", re.MULTILINE)
# The unheaded closing paragraph, cited as CLOSING_SECTION.
CLOSING_PARAGRAPH = re.compile(r"^In conclusion\b", re.MULTILINE)
BANNED_CLAIMS = re.compile(
    r"\bpainless\b|\bit(?:'s| is) (?:perfectly |completely |totally |very )?safe\b|"
    r"\bno side effects\b|\bguarantee[ds]?\b|\brisk-free\b|\bno risk\b",
    re.IGNORECASE,
)
CITATION_LINE = re.compile(r"^Sources?: (.+)$", re.MULTILINE)
GROUP_QUALIFIER = re.compile(r"\s*\(under (.+)\)")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
# Responses that are not answers: greetings, prompts and sheet fragments.
NOT_ANSWERS = re.compile(r"^utter_(?:greet|forgotten|factor_noted|ask_rephrase$)")


class Section(NamedTuple):
    """A section's text (below its heading, with any subsections) and group."""

    text: str
    group: str | None


def document_sections() -> dict[str, Section]:
    """Every section by heading as the document spells it, plus its conclusion.

    A group heading ("Uneven Results:") runs to the next group heading and
    holds its numbered sections; a numbered one ("5. Variable Efficacy:") runs
    to the next heading. The closing paragraph has no heading and is
    CLOSING_SECTION.
    """
    text = SOURCE_DOCUMENT.read_text(encoding="utf-8")
    closing = CLOSING_PARAGRAPH.search(text)
    assert closing, "the document's closing paragraph was not found"
    body = text[: closing.start()]
    headings = list(HEADING_LINE.finditer(body))
    sections: dict[str, Section] = {}
    group = None
    for index, heading in enumerate(headings):
        numbered = heading.group(1) is not None
        if not numbered:
            group = heading.group(2)
        ends = [
            later.start()
            for later in headings[index + 1 :]
            if numbered or later.group(1) is None
        ]
        sections[heading.group(2)] = Section(
            body[heading.end() : ends[0] if ends else len(body)],
            group if numbered else None,
        )
    sections[CLOSING_SECTION] = Section(text[closing.start() :], None)
    return sections


def document_headings() -> set[str]:
    """Section headings as the document spells them, plus its closing paragraph."""
    return set(document_sections())


def normalised(text: str) -> str:
    """Lower case, each run of whitespace (even no-break spaces) one space."""
    return " ".join(text.split()).lower()


def variations(domain: dict[str, Any]) -> list[tuple[str, str]]:
    """(response name, text) for every variation of every response."""
    return [
        (name, variation.get("text", ""))
        for name, variants in domain["responses"].items()
        for variation in variants
    ]


def variation_key(name: str, variation: dict[str, Any]) -> str:
    """The response name, plus "#<slot value>" for a conditional variation."""
    conditions = variation.get("condition") or []
    return f"{name}#{conditions[0]['value']}" if conditions else name


def keyed_variations(domain: dict[str, Any]) -> list[tuple[str, str]]:
    """(variation key, text) for every variation of every response."""
    return [
        (variation_key(name, variation), variation.get("text", ""))
        for name, variants in domain["responses"].items()
        for variation in variants
    ]


def sentences(text: str) -> list[str]:
    """The sentences of text, line by line."""
    return [
        sentence
        for line in text.splitlines()
        for sentence in SENTENCE_BREAK.split(line.strip())
        if sentence
    ]


def cited_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(Source line, the sentences above it back to the previous Source line).

    Whatever follows the last Source line is the assistant's own advice and
    is not in any block.
    """
    blocks: list[tuple[str, list[str]]] = []
    above: list[str] = []
    for line in text.splitlines():
        if CITATION_LINE.match(line):
            blocks.append((line, above))
            above = []
        else:
            above += sentences(line)
    return blocks


def line_sections(line: str) -> list[str]:
    """The sections one Source line cites, without any "(under <group>)"."""
    match = CITATION_LINE.match(line)
    assert match, f"not a Source line: {line!r}"
    parts = re.split(r";|,", match[1])
    return [GROUP_QUALIFIER.sub("", part).strip() for part in parts]


def cited_sections(text: str) -> list[str]:
    """Section names listed on the text's Source line(s)."""
    cited = []
    for line in CITATION_LINE.findall(text):
        for part in re.split(r";|,", line):
            cited.append(GROUP_QUALIFIER.sub("", part).strip())
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
        # The guide's content comes first, each Source line right below what
        # it cites; advice and referrals may follow the last one.
        for line, above in cited_blocks(text):
            assert above, f"{name}: {line!r} has nothing above it to cite"


@pytest.fixture(scope="module")
def citation_map() -> dict[str, list[dict[str, Any]]]:
    """tests/content/citations.yml: variation key -> its reviewed sentences."""
    loaded = yaml.safe_load(CITATION_MAP.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), f"{CITATION_MAP.name} is not a mapping"
    return loaded


def passages(entry: dict[str, Any]) -> list[str]:
    """An entry's supporting passage(s): one string or a list of them."""
    passage = entry.get("passage", [])
    return [passage] if isinstance(passage, str) else list(passage)


def cited_sentences(domain: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Variation key -> (sentence, its Source line) for every cited sentence."""
    cited: dict[str, list[tuple[str, str]]] = {}
    for key, text in keyed_variations(domain):
        assert key not in cited, f"two variations share the key {key}"
        blocks = cited_blocks(text)
        if blocks:
            cited[key] = [(s, line) for line, above in blocks for s in above]
    return cited


def test_variation_keys_are_unique(domain: dict[str, Any]) -> None:
    keys = [key for key, _ in keyed_variations(domain)]
    assert len(keys) == len(set(keys)), "two response variations share a key"


def test_group_qualifiers_name_the_sections_group(domain: dict[str, Any]) -> None:
    sections = document_sections()
    for name, text in variations(domain):
        for line in CITATION_LINE.findall(text):
            for part in re.split(r";|,", line):
                qualifier = GROUP_QUALIFIER.search(part)
                section = GROUP_QUALIFIER.sub("", part).strip()
                if qualifier and section in sections:
                    assert sections[section].group == qualifier[1], (
                        f"{name}: {section!r} is not under {qualifier[1]!r}"
                    )


def test_every_sentence_above_a_source_line_is_mapped(
    domain: dict[str, Any], citation_map: dict[str, list[dict[str, Any]]]
) -> None:
    """Only what the cited sections support may stand above a Source line."""
    problems = []
    for key, cited in cited_sentences(domain).items():
        entries = {entry.get("sentence"): entry for entry in citation_map.get(key, [])}
        for sentence, line in cited:
            entry = entries.get(sentence)
            if entry is None:
                problems.append(
                    f"{key}: {sentence!r} stands above {line!r} but has no entry "
                    f"in {CITATION_MAP.name} (move advice below the Source line)"
                )
            elif entry.get("sections") != line_sections(line):
                problems.append(
                    f"{key}: {sentence!r} is cited as {line!r} but mapped to "
                    f"sections {entry.get('sections')}"
                )
    assert not problems, "\n".join(problems)


def test_mapped_sentences_are_supported_by_their_sections(
    citation_map: dict[str, list[dict[str, Any]]],
) -> None:
    sections = document_sections()
    problems = []
    for key, entries in citation_map.items():
        for entry in entries:
            sentence = entry.get("sentence")
            cited = entry.get("sections") or []
            unknown = [s for s in cited if s not in sections]
            if not cited or unknown:
                problems.append(f"{key}: {sentence!r} cites unknown sections {unknown}")
                continue
            texts = [normalised(sections[s].text) for s in cited]
            if ("passage" in entry) == ("absent" in entry):
                problems.append(f"{key}: {sentence!r} needs a passage or an absent")
            for passage in passages(entry):
                if not passage or not any(normalised(passage) in t for t in texts):
                    problems.append(
                        f"{key}: {sentence!r}: passage {passage!r} is not in {cited}"
                    )
            if "absent" in entry:
                pattern = re.compile(entry["absent"], re.IGNORECASE)
                found = [m[0] for t in texts if (m := pattern.search(t))]
                if found:
                    problems.append(
                        f"{key}: {sentence!r} says the guide lacks something, but "
                        f"{entry['absent']!r} matches {found} in {cited}"
                    )
    assert not problems, "\n".join(problems)


def test_citation_map_has_no_stale_entries(
    domain: dict[str, Any], citation_map: dict[str, list[dict[str, Any]]]
) -> None:
    cited = cited_sentences(domain)
    problems = []
    for key, entries in citation_map.items():
        current = {sentence for sentence, _ in cited.get(key, [])}
        if key not in cited:
            problems.append(f"{key}: no response variation with a Source line")
        mapped = [entry.get("sentence") for entry in entries]
        problems += [
            f"{key}: {s!r} is mapped twice" for s in set(mapped) if mapped.count(s) > 1
        ]
        problems += [
            f"{key}: {s!r} is mapped but no longer above a Source line"
            for s in mapped
            if s not in current
        ]
    assert not problems, "\n".join(problems)


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
