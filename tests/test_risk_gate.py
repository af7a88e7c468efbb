"""The risk gate: spelling, assertion status, the decision and the Rasa component.

The model figures (urgent recall, over-triage) are measured on held-out sets
by tests/server/test_after_session.py and by `make risk-cv`; these tests
check that each part does what it says, with a model trained on the corpus.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.message_parts import PART_OF_KEY, RISK_CHECK_KEY
from bot.nlu.risk_gate import (
    CLAUSE_ALONE,
    MODEL_ALONE,
    PATTERN_ALONE,
    RISK_KEY,
    SYMPTOM_ALONE,
    RiskGate,
    _sure_alone,
    apply_decision,
    risk_segments,
    symptom_topic,
)
from bot.paths import ROOT
from bot.safety.assertion import assertions
from bot.safety.red_flags import normalise, red_flag_clauses
from bot.safety.risk_model import LABELS, RiskModel, read_corpus
from bot.safety.spelling import corrector
from bot.safety.triage import CHECK, NONE, SYMPTOM, URGENT, Decision, Thresholds, decide

CORPUS = ROOT / "data" / "risk"
INFECTION_INTENT = "report_infection_signs"
CONFIG = {"corpus": "data/risk", "C": 30.0, "random_state": 42}


def row(**probabilities: float) -> np.ndarray:
    """A probability row in LABELS order; unnamed labels get 0."""
    return np.array([probabilities.get(label, 0.0) for label in LABELS])


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> RiskGate:
    """A gate trained on the corpus and loaded back, as the Rasa graph does."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("risk_gate")
    context = ExecutionContext(GraphSchema({}), "test")
    trained = RiskGate.create(CONFIG, storage, resource, context)
    trained.train(TrainingData())
    return RiskGate.load(CONFIG, storage, resource, context)


def classified(
    text: str, intent: str = "ask_pain", entities: list | None = None
) -> Message:
    """A message as the classifier and the factor extractor leave it."""
    data = {
        TEXT: text,
        INTENT: {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 0.9},
        ENTITIES: entities or [],
    }
    return Message(data=data)


# ---- The corpus ----------------------------------------------------------------


def test_corpus_is_large_varied_and_clean() -> None:
    """At least 3,000 risk statements and 3,000 contrast messages, 8 writers."""
    examples = read_corpus(CORPUS)
    risks = [e for e in examples if e.label != "question"]
    contrast = [e for e in examples if e.label == "question"]
    assert len(risks) >= 3000
    assert len(contrast) >= 3000
    assert len({e.style for e in examples}) >= 8
    for label in LABELS:
        assert sum(e.label == label for e in examples) >= 300, label
    texts = [e.text.casefold() for e in examples]
    assert len(texts) == len(set(texts)), "a message is in the corpus twice"


# ---- Spelling ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("swolen", "swollen"), ("feva", "fever"), ("throt", "throat"), ("breth", "breath"),
     ("bleding", "bleeding"), ("tounge", "tongue"), ("temprature", "temperature")],
)  # fmt: skip
def test_typos_become_the_domain_word(typed: str, meant: str) -> None:
    """A typo goes to the domain word, not to a commoner word one edit closer."""
    assert corrector().correct(typed) == meant


@pytest.mark.parametrize(
    "word",
    ["injection", "stolen", "shallow", "dont", "havent", "mesotherapy", "unalive"],
)
def test_known_words_are_never_rewritten(word: str) -> None:
    """English words, contractions without apostrophes and domain words stay."""
    assert corrector().correct(word) == word


def test_normalise_expands_shorthand_then_corrects() -> None:
    """Chat shorthand is spelt out before the spelling is corrected."""
    assert normalise("lipz r swolen rn") == "lips are swollen right now"


# ---- Assertion status -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("no fever and no pus", "negated"),
        ("i havent passed out just tired", "negated"),
        ("what if my throat swells", "hypothetical"),
        ("i fainted once at school years ago", "historical"),
        ("she came out in hives when she was little", "historical"),
        ("he passed out at his last blood test", "historical"),
        ("my dads face is swollen", "other"),
    ],
)
def test_status_of_symptom_mentions(text: str, status: str) -> None:
    """negspacy's NegEx, and its ConText-style lists, mark each status."""
    found = assertions(text)
    assert found.mentions >= 1
    assert getattr(found, status) >= 1


def test_current_symptoms_are_affirmed() -> None:
    """A symptom now, to anyone, is affirmed; "cant breathe" is no negation."""
    assert assertions("i cant breathe").affirmed == 1
    bleeding = assertions("the bleeding wont stop")
    assert bleeding.affirmed >= 1
    assert bleeding.negated == 0
    assert assertions("my wifes lips are swelling").affirmed == 1


# ---- The decision ---------------------------------------------------------------


def test_patterns_decide_where_they_match() -> None:
    """A pattern makes a report urgent when the model is unsure it is a question."""
    unsure = row(question=0.45, symptom_now=0.55)
    decision = decide("my throat is closing up", unsure, Thresholds(pattern_veto=0.5))
    assert (decision.outcome, decision.kind, decision.source) == (
        "emergency",
        URGENT,
        "patterns",
    )


def test_a_sure_question_sets_a_pattern_aside() -> None:
    """ "what if my throat closes up?" matches a pattern; the model is sure it asks."""
    decision = decide(
        "my throat is closing up", row(question=0.9), Thresholds(pattern_veto=0.5)
    )
    assert decision.kind != URGENT


@pytest.mark.parametrize(
    ("probabilities", "outcome", "kind"),
    [
        ({"crisis": 0.4, "emergency": 0.2, "question": 0.4}, "crisis", URGENT),
        (
            {"same_day": 0.3, "symptom_now": 0.3, "question": 0.4},
            "symptom_now",
            SYMPTOM,
        ),
        ({"symptom_now": 0.3, "question": 0.7}, "question", CHECK),
        ({"question": 0.95, "symptom_now": 0.05}, "question", NONE),
    ],
)
def test_model_thresholds(
    probabilities: dict[str, float], outcome: str, kind: str
) -> None:
    """Urgent mass, then report mass, then the conditional line, then nothing."""
    thresholds = Thresholds(urgent=0.5, symptom=0.5, check=0.25)
    decision = decide("a message no pattern matches", row(**probabilities), thresholds)
    assert (decision.outcome, decision.kind) == (outcome, kind)


def test_a_sentence_wins_alone_on_a_pattern_or_a_sure_model() -> None:
    """Read alone, a sentence has lost its context: the model alone must be all
    but sure, a red-flag pattern needs less."""
    by_model = Decision("crisis", URGENT, "model")
    by_pattern = Decision("emergency", URGENT, "patterns")
    assert _sure_alone(by_model, row(crisis=MODEL_ALONE))
    assert not _sure_alone(by_model, row(crisis=MODEL_ALONE - 0.05, question=0.05))
    assert _sure_alone(by_pattern, row(emergency=PATTERN_ALONE, question=0.5))
    assert not _sure_alone(by_pattern, row(emergency=0.4, question=0.6))


def test_a_crisis_sentence_in_a_longer_message_wins(gate: RiskGate) -> None:
    """No pattern names it; the model is sure of the sentence, not of the whole."""
    text = (
        "sorry for the long message, i have so many questions about the "
        "sessions and the prices. i want to throw me from the bridge. "
        "can i ask a doctor about the cost first?"
    )
    assert gate.decide(text).outcome == "crisis"


class RowsBySentence:
    """A stand-in risk model: each segment's probabilities, given by the test
    (a plain question for any segment it does not name, when `default`)."""

    def __init__(
        self, rows: dict[str, np.ndarray], default: np.ndarray | None = None
    ) -> None:
        self.rows = rows
        self.default = default

    def probabilities(self, segments: list[str]) -> np.ndarray:
        return np.array([self.rows.get(s, self.default) for s in segments])


def gate_with(
    rows: dict[str, np.ndarray], tmp_path: Path, default: np.ndarray | None = None
) -> RiskGate:
    """A gate whose model gives these rows, the thresholds of config.yml's values."""
    storage = LocalModelStorage(tmp_path)
    config = {**CONFIG, "symptom_threshold": 0.4, "check_threshold": 0.2}
    model = RowsBySentence(rows, default)
    return RiskGate(config, storage, Resource("risk_gate"), model)  # type: ignore[arg-type]


ITCH = "after the session my head is itching a lot where the needles went."
ALLERGY = "is it an allergy?"


@pytest.mark.parametrize(
    ("whole", "itch", "kind"),
    [
        # The whole leans to a report, the sentence reports: a symptom now.
        (row(symptom_now=0.3, question=0.7), row(symptom_now=SYMPTOM_ALONE), SYMPTOM),
        # The sentence is not sure enough: the answer with the conditional line.
        (row(symptom_now=0.3, question=0.7), row(symptom_now=0.6, question=0.4), CHECK),
        # A plain question with a sentence of history stays a question.
        (
            row(question=0.95, symptom_now=0.05),
            row(symptom_now=0.9, question=0.1),
            NONE,
        ),
    ],
)
def test_a_sentence_reporting_a_symptom_now_decides_a_leaning_message(
    whole: np.ndarray, itch: np.ndarray, kind: str, tmp_path: Path
) -> None:
    text = f"{ITCH} {ALLERGY}"
    gate = gate_with({text: whole, ITCH: itch, ALLERGY: row(question=1.0)}, tmp_path)
    assert risk_segments(text) == [text, ITCH, ALLERGY]
    assert gate.decide(text).kind == kind


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("my sister says she doesnt want to be here anymore", "other"),
        ("my wifes lips are swelling and i dont know what to do", "other"),
        ("my lips are swelling", "self"),
        ("i think my lips are swelling, my husband is driving me", "self"),
    ],
)
def test_who_it_happens_to(text: str, who: str) -> None:
    """Someone else's report gets wording for them."""
    decision = decide(text, row(emergency=1.0), Thresholds())
    assert decision.experiencer == who


# ---- The Rasa component -----------------------------------------------------------


def test_registered_as_a_trainable_classifier() -> None:
    """`bot.nlu.risk_gate.RiskGate` resolves to a trainable intent classifier."""
    registered = DefaultV1Recipe._from_registry("bot.nlu.risk_gate.RiskGate")
    assert registered.clazz is RiskGate
    assert registered.is_trainable
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types


def test_fingerprint_follows_the_corpus(tmp_path: Path) -> None:
    """A changed corpus changes the fingerprint, so Rasa retrains the model."""
    corpus = tmp_path / "writer"
    corpus.mkdir()
    (corpus / "question.txt").write_text("does it hurt?\n")
    config = {"corpus": str(tmp_path)}
    before = RiskGate.fingerprint_addon(config)
    (corpus / "question.txt").write_text("does it hurt?\nhow much is it?\n")
    assert RiskGate.fingerprint_addon(config) != before


def test_fast_path_matches_scikit_learn(gate: RiskGate) -> None:
    """The per-message path gives scikit-learn's probabilities."""
    assert gate.model is not None
    texts = [e.text for e in read_corpus(CORPUS)[::40]] + ["", "?!", "ok"]
    fast = gate.model.probabilities(texts)
    reference = gate.model.batch_probabilities(texts)
    assert np.allclose(fast, reference, atol=1e-6)


def test_model_round_trips(gate: RiskGate, tmp_path: Path) -> None:
    """Saved and loaded arrays give the same probabilities."""
    assert gate.model is not None
    gate.model.save(tmp_path / "model.npz")
    loaded = RiskModel.load(tmp_path / "model.npz")
    texts = ["my lips are swelling", "how much does it cost?"]
    assert np.allclose(gate.model.probabilities(texts), loaded.probabilities(texts))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("my face has swollen up and im wheezing", "report_emergency"),
        ("yellow pus is oozing from the spots and i feel feverish", INFECTION_INTENT),
        ("i have been thinking about ending my life", "express_distress"),
        ("i have had a dull headache since the injections yesterday", "report_symptom"),
        ("how many sessions will i need?", "ask_pain"),
    ],
)  # fmt: skip
def test_process_sets_the_outcome_intent(
    gate: RiskGate, text: str, intent: str
) -> None:
    """Reports get their outcome's intent; questions keep the classifier's."""
    message = classified(text)
    gate.process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == intent
    assert message.get(RISK_KEY)["outcome"]


def test_reports_never_reach_the_prep_sheet(gate: RiskGate) -> None:
    """The personal-factor entities of a report are dropped; who it is about is kept."""
    factor = {"entity": "medication", "value": "warfarin", "extractor": "x"}
    message = classified(
        "im on warfarin and my lips are swelling up", entities=[factor]
    )
    gate.process([message])
    entities = {e["entity"]: e["value"] for e in message.get(ENTITIES)}
    assert entities == {"experiencer": "self"}


def test_parts_and_payloads_are_left_alone(gate: RiskGate) -> None:
    """Clauses are judged with their whole message; buttons name their intent."""
    part = classified("my lips are swelling")
    part.set(PART_OF_KEY, 0)
    payload = classified("/report_emergency", intent="report_emergency")
    gate.process([part, payload])
    assert part.get(INTENT)[INTENT_NAME_KEY] == "ask_pain"
    assert part.get(RISK_KEY) is None
    assert payload.get(RISK_KEY) is None


def test_a_symptom_names_the_section_that_speaks_of_it() -> None:
    """Itching is in Allergic Reactions, bruising in Bruising and Swelling."""
    message = classified("the injection sites are itchy")
    apply_decision(message, Decision("symptom_now", SYMPTOM, "model"))
    entities = {e["entity"]: e["value"] for e in message.get(ENTITIES)}
    assert entities == {"experiencer": "self", "symptom_topic": "allergy"}
    assert symptom_topic("bruises that still hurt") == "bruising"
    assert symptom_topic("a tingling feeling") is None


def test_a_leaning_question_asks_for_the_conditional_line() -> None:
    """A question the model leans on keeps its intent and gets `risk_check`."""
    message = classified("is it normal that my scalp feels tight?")
    apply_decision(message, Decision("question", CHECK, "model"))
    assert message.get(INTENT)[INTENT_NAME_KEY] == "ask_pain"
    assert message.get(RISK_CHECK_KEY) is True


def test_the_conditional_line_knows_who_it_may_be_about() -> None:
    """The line after a leaning question is worded for the person it names."""
    message = classified("is it normal that my wife's scalp feels tight?")
    message.set(ENTITIES, [{"entity": "medication", "value": "x"}])
    apply_decision(message, Decision("question", CHECK, "model", "other"))
    entities = {e["entity"]: e["value"] for e in message.get(ENTITIES)}
    assert entities == {"medication": "x", "experiencer": "other"}


def test_untrained_gate_says_how_to_fix_it(tmp_path: Path) -> None:
    """Without a trained model the error names the command to run."""
    gate = RiskGate.create(
        CONFIG,
        LocalModelStorage(tmp_path),
        Resource("risk_gate"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    with pytest.raises(RuntimeError, match="make train"):
        gate.process([classified("my lips are swelling")])


# ---- Sentences of a long message ------------------------------------------------


def test_a_red_flag_buried_in_a_long_message_wins(gate: RiskGate) -> None:
    """A pattern red flag in one sentence of a practical message is urgent."""
    text = (
        "Hi, I wanted to ask about moving my next booking to a Saturday if "
        "you have any space. Also since the injections this afternoon my "
        "lips and eyelids are swelling up. And is there parking near you?"
    )
    assert [s.startswith("Hi") for s in risk_segments(text)] == [
        True,
        True,
        False,
        False,
    ]
    assert gate.decide(text).kind == URGENT
    assert gate.decide(text).outcome == "emergency"


def test_a_red_flag_in_an_unpunctuated_ramble_wins(gate: RiskGate) -> None:
    """A ramble's turn to another subject ends a segment, as a full stop does."""
    text = (
        "hi can i move my saturday booking to the week after cause work has me "
        "away all next week and also my husband had his done at ten and his lips "
        "and tongue have swelled right up and hes wheezing so yeah the week after "
        "if you can"
    )
    assert len(risk_segments(text)) == 4
    assert gate.decide(text).outcome == "emergency"


def test_a_sentence_alone_needs_a_pattern_to_override(gate: RiskGate) -> None:
    """Ordinary sentences never escalate a message on the model's word alone."""
    text = (
        "Can I bring my daughter to the consultation? She's 16 and wants to "
        "come along. I don't want to waste the appointment."
    )
    assert gate.decide(text).kind != URGENT


def test_a_one_sentence_message_is_judged_whole() -> None:
    """No segments beyond the message itself when it has one sentence."""
    assert risk_segments("does it hurt, and for how long") == [
        "does it hurt, and for how long"
    ]


RUN_ON = (
    "he wants to know how much the full course is and if he can pay in bits, "
    "he had his first one today and his throat feels tight and he cant "
    "swallow properly, and are you open on sundays"
)


@pytest.mark.parametrize(
    ("clause_urgent", "kind"),
    [(CLAUSE_ALONE, URGENT), (CLAUSE_ALONE - 0.1, NONE)],
)
def test_a_red_flag_clause_wins_over_a_sure_question(
    clause_urgent: float, kind: str, tmp_path: Path
) -> None:
    """A run-on sentence the model is sure asks about payment is urgent when
    the clause the pattern reports in is all but sure alone."""
    (clause,) = red_flag_clauses(RUN_ON)
    rows = {clause: row(emergency=clause_urgent, question=1.0 - clause_urgent)}
    gate = gate_with(rows, tmp_path, default=row(question=0.95, emergency=0.05))
    assert gate.decide(RUN_ON).kind == kind
