"""Spot the personal factors worth telling a practitioner, in the person's words.

A rule-based entity extractor: each factor kind has a pattern, and the entity
value is the sentence that matched, so the prep sheet quotes the person rather
than a paraphrase. Mentions framed as a condition ("is it ok if I'm
pregnant?") are not noted: they are questions, not facts about the person.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_based import RuleBasedComponent
from bot.nlu.splitting import is_question, split_message

MAX_VALUE_LENGTH = 200
_I = r"\b(?:i|i'm|im|i am|i've|ive|i have|i've been|ive been|my)\b"
_HEALTH = (
    r"diabet\w*|eczema|psoriasis|dermatitis|thyroid|\w*thyroid\w*|lupus|"
    r"alopecia\w*|immune|immunosuppress\w*|immunocompromised|hay ?fever|asthma|"
    r"keloids?|bleeding disorder|ha?emophilia|blood pressure|heart condition|"
    r"an(?:a)?emi\w*|pcos|autoimmune|cancer|chemo\w*|transplant|"
    r"skin condition|sensitive skin|scalp condition|dandruff|infections?"
)
# The person to be treated, when someone writes for them ("my son takes...").
_SOMEONE = (
    r"(?:he|she|my (?:son|daughter|wife|husband|partner|boyfriend|girlfriend|"
    r"fiance\w*|mum|mom|mother|dad|father|brother|sister))"
)
# Entity name -> pattern that marks a statement of that factor.
FACTOR_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        # Said of the person: "allergic reactions, how common?" states nothing.
        "allergy": (
            _I + r".{0,20}\b(?:allerg(?:ic|y|ies)|hypersensitive)\b"
            r"|\ballergic to\b|\breact(?:ed|s)? badly\b"
            r"|\breact to (?:everything|loads|lots|a lot|most)\b"
            r"|\b\w+ gives me (?:a )?(?:reaction|rash|hives)\b"
        ),
        "medication": (
            r"\b(?:i|i'm|im|i am)\b.{0,12}\b(?:take|taking|prescribed)\b"
            rf"|\b{_SOMEONE}\b.{{0,12}}\b(?:takes|taking|prescribed)\b"
            rf"|\b(?:i'm|im|i am|(?:{_SOMEONE})(?:'s|s| is))\b.{{0,12}}\bon\b.{{0,20}}"
            r"\b(?:medication|medicine|"
            r"meds|pills?|tablets?|blood thinners?|warfarin|aspirin|insulin|"
            r"anticoagulants?|isotretinoin|steroids?|antibiotics?|"
            r"immunosuppressants?|levothyroxine|antidepressants?|the pill)\b"
            r"|\bmy (?:medication|medicine|meds|tablets|pills|prescription)\b"
        ),
        "pregnancy": r"\b(?:pregnant|breast ?feeding|nursing my|trying to conceive|"
        r"expecting a baby)\b",
        "needle_fear": (
            r"\b(?:scared|afraid|terrified|frightened|phobi[ac]|fear|hate|"
            r"nervous|anxious|petrified)\b.{0,20}\b(?:needles?|injections?|jabs?|"
            r"pain)\b|\bneedle ?phob\w*|\b(?:low|no|zero|awful|terrible|bad|poor)"
            r" pain (?:tolerance|threshold)\b|\bpain (?:tolerance|threshold) is "
            r"(?:\w+ )?(?:low|awful|terrible|bad|rubbish|poor|non ?existent)\b|"
            r"\b(?:wimp|baby|coward|wuss|lightweight)\b.{0,15}\b(?:pain|needles?)\b|"
            r"\b(?:can'?t|cannot) (?:stand|handle|deal with|take) (?:pain|needles)\b|"
            r"\b(?:faint|pass out)\b.{0,20}\bneedles?\b"
        ),
        "cost_worry": (
            r"\b(?:tight budget|on a budget|budget is|can'?t afford|cannot afford|"
            r"couldn'?t afford|money(?:'s| is)? (?:really |very |quite )?tight|"
            r"short of money|(?:not much|no|little|basically no) money|"
            r"low income|skint|broke|unemployed|redundant|student loan|"
            r"worried about (?:the )?(?:cost|price|money|paying))\b"
        ),
        "time_limit": (
            r"\b(?:busy|no time|not much time|little time|limited time|"
            r"travel (?:a lot|for work)|work long hours|shift work|shifts|"
            r"two jobs|self[ -]employed|single (?:mum|mom|dad|parent)|"
            r"(?:no|little|not much) (?:spare|free) time|"
            r"(?:don'?t|do not) have (?:much |a lot of |the |any )?(?:spare |free )?"
            r"(?:time|evenings|weekends)|free hours|on my feet all|"
            r"can'?t (?:come|get) in (?:often|regularly)|"
            r"(?:event|wedding|holiday|interview) (?:in|coming up|next)|"
            r"at work (?:with clients )?the next day)\b"
        ),
        "previous_treatment": (
            _I + r".{0,15}\b(?:tried|used|using|had|taken|done|was on|been on)\b"
            r".{0,30}\b(?:minoxidil|rogaine|regaine|finasteride|propecia|prp|"
            r"transplant|laser\w*|mesotherapy|meso|treatments?|shampoos?|"
            r"supplements?|biotin|pills|everything)\b"
            # A hair-loss medicine is a fact whoever uses it ("Tom uses...").
            r"|\b(?:uses|using|used|takes|taking|took|tried|been on|is on|was on)\b"
            r".{0,20}\b(?:minoxidil|rogaine|regaine|finasteride|propecia|"
            r"dutasteride)\b"
        ),
        "health_condition": (
            _I + r".{0,25}\b(?:" + _HEALTH + r")\b"
            # ... with room for "my husband, who wants it done, has psoriasis".
            rf"|\b{_SOMEONE}\b.{{0,40}}\b(?:{_HEALTH})\b"
            r"|\bbruise (?:easily|like)\b|\b(?:heal\w*|cuts) (?:\w+ ){0,3}"
            r"(?:slow\w*|ages)\b"
        ),
        "hair_loss_history": (
            r"\b(?:hair loss|balding|baldness|thinning) runs in\b"
            r"|\bmy (?:dad|father|mum|mother|grand\w+|brothers?|sisters?|uncles?)\b"
            r".{0,40}\b(?:bald\w*|thin(?:ning|ned|s)?|hair loss)\b"
            r"|\b(?:been|started|keep|kept|starting to|started to) "
            r"(?:losing|thinning|going bald|shedding|thin|lose|go bald)\b"
            r"|\b(?:losing|lost) (?:my )?hair (?:since|for|after)\b"
            r"|\bthinning (?:since|for|at)\b|\bhair(?:line)? (?:is|has been) "
            r"(?:\w+ )?(?:thinning|receding)\b"
        ),
    }.items()
}
# "if I'm pregnant", "what if I'm allergic": a condition, not a statement.
_CONDITIONAL = re.compile(r"\b(?:if|whether|what if|suppose|in case)\b", re.IGNORECASE)


def _clauses(text: str) -> list[tuple[int, str]]:
    """(start offset, clause) pairs: sentences, split before a new question."""
    clauses, cursor = [], 0
    for part in split_message(text):
        start = text.find(part.text, cursor)
        if start < 0:  # a clause rebuilt from a shared head is not in the text
            continue
        clauses.append((start, part.text))
        cursor = start + len(part.text)
    return clauses


def _is_conditional(sentence: str, match_start: int) -> bool:
    """True when the factor is mentioned inside an if-clause."""
    return bool(_CONDITIONAL.search(sentence[:match_start]))


def statements(text: str) -> list[tuple[int, str]]:
    """(start offset, clause) of the clauses of `text` that are not questions.

    A question states nothing about the person: "can I take paracetamol
    after?" is not a medicine they take.
    """
    return [(o, c) for o, c in _clauses(text) if not is_question(c)]


def factor_entity(
    name: str, offset: int, clause: str, extractor: str, confidence: float = 1.0
) -> dict[str, Any]:
    """A factor entity valued in the person's words: the clause, trimmed."""
    stripped = clause.strip()
    start = offset + clause.index(stripped)
    return {
        "entity": name,
        "value": stripped[:MAX_VALUE_LENGTH],
        "start": start,
        "end": start + len(stripped),
        "confidence_entity": confidence,
        "extractor": extractor,
    }


def find_factors(text: str) -> list[dict[str, Any]]:
    """Return one entity per factor kind stated in `text`, valued in its words."""
    entities = []
    said = statements(text)
    for name, pattern in FACTOR_PATTERNS.items():
        for offset, clause in said:
            match = pattern.search(clause)
            if match and not _is_conditional(clause, match.start()):
                entities.append(
                    factor_entity(
                        name, offset, clause, PersonalFactorExtractor.__name__
                    )
                )
                break
    return entities


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class PersonalFactorExtractor(RuleBasedComponent):
    """Rule-based extractor of personal factors for the consultation prep sheet."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Add a factor entity for each personal factor a message states."""
        for message in messages:
            found = find_factors(message.get(TEXT) or "")
            if found:
                message.set(
                    ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True
                )
        return messages
