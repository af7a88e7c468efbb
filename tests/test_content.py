"""Every answer is faithful to the source document, cited, safe and referred."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pytest
import yaml

from actions.prep_sheet import sheet_text
from bot.banned_claims import BANNED_CLAIMS
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


# The guide's hedges, by strength: a mapped passage with one of a kind needs
# a sentence with one of the same kind ("may" is not "are", "often" is not
# "required", "factors such as" is not the whole list, and "to minimise this
# risk" is not "to remove it").
HEDGES = {
    "possibility": r"\b(?:may|might|can|could|possible|possibly|potential)\b",
    "frequency": r"\b(?:often|usually|generally|commonly|sometimes)\b",
    "portion": r"\b(?:some|certain|many)\b",
    "open list": r"\bsuch as\b|\bincluding\b",
    "limit": r"\bminimi[sz]e\b|\breduce\b|\blower\b",
}


def hedge_kinds(text: str) -> set[str]:
    """The kinds of hedge a text uses."""
    return {kind for kind, pattern in HEDGES.items() if re.search(pattern, text, re.I)}


def body_text(section: Section) -> str:
    """A section's text without any heading line: only body text is evidence."""
    return normalised(HEADING_LINE.sub(" ", section.text))


def guide_paragraphs(text: str) -> list[str]:
    """The guide's paragraphs, normalised, headings without their numbers."""
    unnumbered = re.sub(r"^\d+\. ", "", text, flags=re.MULTILINE)
    return [normalised(p) for p in re.split(r"\n\s*\n", unnumbered) if p.strip()]


def enclosing_clause(passage: str, text: str) -> str:
    """The passage widened to the clause of `text` it stands in.

    An excerpt cut short of its hedge ("mild to moderate pain" out of "some
    patients may experience mild to moderate pain") still carries it.
    """
    start = text.index(passage)
    end = start + len(passage)
    before = max(text.rfind(mark, 0, start) for mark in (". ", ", ", "; ", ": "))
    after = [i for mark in (".", ",", ";") if (i := text.find(mark, end)) >= 0]
    return text[before + 1 if before >= 0 else 0 : min(after, default=len(text))]


def passage_problems(
    sentence: str, entry: dict[str, Any], texts: list[str]
) -> list[str]:
    """Each passage must be body text of a cited section, its hedges kept."""
    problems = []
    clauses = []
    headings = {normalised(h) for h in document_headings()}
    for passage in passages(entry):
        found = normalised(passage)
        holding = [text for text in texts if found and found in text]
        if found.rstrip(":") in headings:
            problems.append(f"passage {passage!r} is a heading, not evidence")
        elif not holding:
            problems.append(
                f"passage {passage!r} is not in the body of {entry.get('sections')}"
            )
        else:
            clauses.append(enclosing_clause(found, holding[0]))
    dropped = hedge_kinds(" ".join(clauses)) - hedge_kinds(sentence)
    problems += [f"drops the guide's {kind} hedge" for kind in sorted(dropped)]
    return problems


def absence_problems(entry: dict[str, Any], paragraphs: list[str]) -> list[str]:
    """The whole guide must lack what the sentence says it lacks.

    `absent` is searched in every paragraph of the guide that `about` (if
    given) matches, so "the guide doesn't say how long an allergic reaction
    lasts" may stand beside the pain section's "may last for a few days".
    """
    absent = re.compile(entry["absent"], re.IGNORECASE)
    about = re.compile(entry.get("about", ""), re.IGNORECASE)
    found = [
        match[0]
        for paragraph in paragraphs
        if about.search(paragraph) and (match := absent.search(paragraph))
    ]
    return [f"says the guide lacks something, but it has {found}"] if found else []


def entry_problems(
    entry: dict[str, Any], sections: dict[str, Section], guide: str
) -> list[str]:
    """What is wrong with one citation-map entry, checked against the guide."""
    sentence = entry.get("sentence") or ""
    cited = entry.get("sections") or []
    unknown = [s for s in cited if s not in sections]
    if not cited or unknown:
        return [f"cites unknown sections {unknown}"]
    if ("passage" in entry) == ("absent" in entry):
        return ["needs a passage or an absent"]
    if "absent" in entry:
        return absence_problems(entry, guide_paragraphs(guide))
    return passage_problems(sentence, entry, [body_text(sections[s]) for s in cited])


def test_mapped_sentences_are_supported_by_their_sections(
    citation_map: dict[str, list[dict[str, Any]]],
) -> None:
    sections = document_sections()
    guide = SOURCE_DOCUMENT.read_text(encoding="utf-8")
    problems = [
        f"{key}: {entry.get('sentence')!r}: {problem}"
        for key, entries in citation_map.items()
        for entry in entries
        for problem in entry_problems(entry, sections, guide)
    ]
    assert not problems, "\n".join(problems)


def absence_entries(
    citation_map: dict[str, list[dict[str, Any]]],
) -> list[tuple[str, dict[str, Any]]]:
    """(variation key, entry) for every "the guide doesn't say X" sentence."""
    return [
        (key, entry)
        for key, entries in citation_map.items()
        for entry in entries
        if "absent" in entry
    ]


def test_every_absence_check_fails_on_a_guide_that_covers_it(
    citation_map: dict[str, list[dict[str, Any]]],
) -> None:
    """Each `fails_on` example, added to the guide, must make its check fail."""
    sections = document_sections()
    guide = SOURCE_DOCUMENT.read_text(encoding="utf-8")
    problems = []
    for key, entry in absence_entries(citation_map):
        examples = entry.get("fails_on") or []
        if len(examples) < 2:
            problems.append(f"{key}: {entry['sentence']!r} needs two fails_on examples")
        for example in examples:
            if not entry_problems(entry, sections, f"{guide}\n\n{example}\n"):
                problems.append(
                    f"{key}: {entry['sentence']!r} passes beside {example!r}"
                )
    assert not problems, "\n".join(problems)


def test_absence_patterns_catch_inflections(
    citation_map: dict[str, list[dict[str, Any]]],
) -> None:
    """A word an absence check looks for is caught in any of its forms.

    "medicine\\b" misses "medicines": an alternative ending in a letter and
    a word boundary must end in "s?\\b"; otherwise it is a stem ("medic",
    "\\bcut") that also catches "medication" and "cutting". Matching too much
    only makes the check stricter.
    """
    whole_word = re.compile(r"[a-z]\\b$")
    problems = [
        f"{key}: {alternative!r} in {entry['absent']!r} misses the plural"
        for key, entry in absence_entries(citation_map)
        for alternative in entry["absent"].split("|")
        if whole_word.search(alternative) and not alternative.endswith("s?\\b")
    ]
    assert not problems, "\n".join(problems)


def test_a_heading_is_not_evidence() -> None:
    sections = document_sections()
    entry = {
        "sentence": "Multiple sessions are needed.",
        "sections": ["Multiple Sessions Required"],
        "passage": "Multiple Sessions Required",
    }
    assert any("heading" in p for p in entry_problems(entry, sections, ""))


@pytest.mark.parametrize(
    ("sentence", "passage", "kind"),
    [
        (
            "Some people are hypersensitive to them.",
            "Some individuals may be hypersensitive",
            "possibility",
        ),
        (
            "Patients need multiple sessions.",
            "patients often need multiple sessions",
            "frequency",
        ),
        (
            "Genetics and severity play a role.",
            "Factors such as genetics, the severity of hair loss",
            "open list",
        ),
        (
            "People feel pain.",
            "some patients may experience mild to moderate pain",
            "portion",
        ),
        (
            "There is pain and discomfort.",
            "mild to moderate pain and discomfort",
            "possibility",
        ),
        (
            "Choose a reputable practitioner.",
            "choose a reputable and experienced practitioner to minimize this risk",
            "limit",
        ),
    ],
)
def test_a_dropped_hedge_fails(sentence: str, passage: str, kind: str) -> None:
    sections = document_sections()
    entry = {"sentence": sentence, "sections": list(sections), "passage": passage}
    assert f"drops the guide's {kind} hedge" in entry_problems(entry, sections, "")


def test_an_absence_claim_the_guide_contradicts_fails() -> None:
    """ "Doesn't cover medicines" fails against a guide saying "medications"."""
    sections = document_sections()
    entry = {
        "sentence": "The guide doesn't mention medicines.",
        "sections": ["Allergic Reactions"],
        "absent": r"medic(?:ine|ation)s?\b",
    }
    guide = SOURCE_DOCUMENT.read_text(encoding="utf-8")
    assert entry_problems(entry, sections, guide)


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


ADVICE_LABEL = "Assistant's advice (not from the guide):"
# The guide topics a person may be reading about the evening after a
# session: each answer about one ends with the signs that mean acting today.
SYMPTOM_ANSWERS = [
    "utter_answer_allergy",
    "utter_answer_pain",
    "utter_answer_infection",
    "utter_answer_bruising",
]


def advice_below_source(text: str) -> list[str]:
    """The non-empty lines after a text's last Source line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    cited = [i for i, line in enumerate(lines) if CITATION_LINE.match(line)]
    return lines[cited[-1] + 1 :] if cited else []


def test_each_answer_has_one_source_line_then_labelled_advice(
    domain: dict[str, Any],
) -> None:
    """One cited block per answer; all that follows is marked as advice."""
    problems = []
    for key, text in keyed_variations(domain):
        sources = CITATION_LINE.findall(text)
        if not sources:
            continue
        if len(sources) > 1:
            problems.append(f"{key}: {len(sources)} Source lines (make it one)")
        above = text[: CITATION_LINE.search(text).start()]  # type: ignore[union-attr]
        if ADVICE_LABEL in above:
            problems.append(f"{key}: advice label above the Source line")
        problems += [
            f"{key}: {line!r} follows the Source line without the advice label"
            for line in advice_below_source(text)
            if not line.startswith(ADVICE_LABEL)
        ]
    assert not problems, "\n".join(problems)


def test_cautions_are_labelled_advice_that_refers(domain: dict[str, Any]) -> None:
    cautions = {
        n: v for n, v in domain["responses"].items() if n.startswith("utter_caution_")
    }
    assert set(cautions) >= {
        f"utter_caution_{kind}"
        for kind in (
            "pregnancy",
            "blood_thinner",
            "bleeding_disorder",
            "diabetes",
            "immune",
        )
    }
    for name, variants in cautions.items():
        text = variants[0]["text"]
        assert text.startswith(ADVICE_LABEL) and "before booking" in text, name
        assert not cited_sections(text), f"{name} must not cite the guide"


@pytest.mark.parametrize("name", SYMPTOM_ANSWERS)
def test_symptom_answers_end_with_what_to_do_after_a_session(
    domain: dict[str, Any], name: str
) -> None:
    advice = " ".join(advice_below_source(domain["responses"][name][0]["text"]))
    assert "same day" in advice, f"{name} lacks the signs that mean acting today"


def test_allergy_answer_names_the_emergency_signs(domain: dict[str, Any]) -> None:
    advice = " ".join(
        advice_below_source(domain["responses"]["utter_answer_allergy"][0]["text"])
    )
    assert "{emergency_number} now for {emergency_signs}" in advice


def test_side_effects_answer_says_the_list_is_the_guides_not_complete(
    domain: dict[str, Any],
) -> None:
    text = domain["responses"]["utter_answer_side_effects"][0]["text"]
    assert "the guide's list, not a complete list" in " ".join(
        advice_below_source(text)
    )


def test_readme_terminal_sample_is_the_current_answer(domain: dict[str, Any]) -> None:
    """The README's `make shell` sample quotes the pain answer as it is now."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("Your input ->  does it hurt?", 1)[1].split("```", 1)[0]
    shown = " ".join(sample.split()).removesuffix(" ...")
    answer = " ".join(domain["responses"]["utter_answer_pain"][0]["text"].split())
    assert answer.startswith(shown), "README's sample differs from utter_answer_pain"
