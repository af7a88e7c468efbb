"""Deterministic red-flag detection for messages sent after a treatment.

The trained intent classifier can be wrong; a missed severe allergic
reaction, infection or self-harm statement must still reach the urgent-care
answer. `detect_red_flag` normalises the text (case, apostrophes, chat
shorthand, repeated letters), corrects typos with symspellpy
(bot.safety.spelling), then applies regexes. A symptom only counts when its clause
reads as a report ("my lips are swelling", "since yesterday") rather than a
question about the future ("will it make my lips swell?").

Every pattern is compiled once at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from re import Pattern

from bot.safety.other_languages import (
    HINDI_PHRASES,
    NEGATIONS,
    RED_FLAG_WORDS,
    fold_accents,
)
from bot.safety.spelling import corrector

EMERGENCY = "report_emergency"
INFECTION = "report_infection_signs"
DISTRESS = "express_distress"

# Highest first. A physical emergency (airway, anaphylaxis, collapse) can kill
# within minutes, and its answer already tells the person to call the
# emergency number, so it beats everything. Distress comes next: suicidal
# intent needs crisis support now, while infection signs need same-day care,
# and the distress answer also gives the emergency number.
PRIORITY: tuple[str, ...] = (EMERGENCY, DISTRESS, INFECTION)

# Chat shorthand: words a spelling corrector must not "fix" ("r" is "are").
SHORTHAND: dict[str, str] = {
    "r": "are",
    "u": "you",
    "ur": "your",
    "n": "and",
    "cnt": "cant",
    "cannot": "cant",
    "dnt": "dont",
    "wanna": "want to",
    "gonna": "going to",
    "gona": "going to",
    "gotta": "got to",
    "rn": "right now",
    "pls": "please",
    "plz": "please",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "w": "with",
    "kms": "kill myself",
    "unalive": "kill",
    "unaliving": "killing",
}

# Words that end a clause: framing is judged clause by clause, so that
# "lips are swelling, is this normal?" is a report followed by a question.
CLAUSE_BREAKS = r"(?:[.!?;:,]|\bbut\b|\bthough\b|\balthough\b|\bhowever\b)"

# ---- Framing --------------------------------------------------------------

# Conditional framing: "what if my throat swells", "in case I get a fever".
CONDITIONAL = r"\b(?:if|in case|unless|what happens|suppose|supposing)\b"

# General or habitual framing: asking about risks, or describing a trait
# rather than something happening now ("sometimes feel faint at the sight of
# blood", "are chills a known side effect").
GENERAL = (
    r"\b(?:signs? of|symptoms? of|side effects?|risks?|chances?|possible|"
    r"possibly|common|known|normal (?:to|for)|usually|sometimes|often|"
    r"whenever|when i see|tend to|sight of|phobia|(?:with|around|of|near) needles?|"
    r"had an? (?:cold|flu|virus|bug|covid))\b"
    r"|\bwhat (?:\w+ ){0,4}look like\b"
)

# Worry about what might happen, or something in the past ("nervous I might
# faint", "had a fever last month", "fainted once"): only a report if a
# present-time cue says it is happening now. Plain "I'm scared" is not here:
# "I can't breathe and I'm scared" is a report.
ANTICIPATION = (
    r"\b(?:nervous|worried|worry|worries|scared|afraid|anxious|fears?|"
    r"terrified|frightened) (?:that )?(?:\w+ ){0,2}?(?:might|will|ill|could|"
    r"would|may|going to|about|of)\b"
    r"|\b(?:last (?:week|month|year|time)|years? ago|as a (?:kid|child)|"
    r"in the past)\b"
    # "once" as an adverb, not "once I got home".
    r"|\bonce\b(?! (?:i|we|you|he|she|they|it|my)\b)"
)

# Denial right before the symptom: "no fever, just some redness".
NEGATION = (
    r"\b(?:no|not|without|never|nor|dont have|doesnt have|didnt have|"
    r"didnt get|havent (?:got|had)|hasnt (?:got|had)|free of|isnt|arent|"
    r"wasnt)\b (?:[a-z0-9]+ ){0,2}$"
)

# Denial of distress must sit right before it: "not suicidal" is a denial,
# "not joking, I want to die" is not.
DISTRESS_NEGATION = r"\b(?:not|never|no longer|isnt|arent|wasnt)\s*$"

# A report given in the next sentence: "is a fever bad? I have one now".
ANAPHORIC_REPORT = (
    r"\b(?:i have|ive got|i got|im having|i think i have|and i have) "
    r"(?:one|it|that|this|those|them)(?: \w+)? (?:now|right now|already|"
    r"at the moment|currently|too|as well)\b"
)

# Cues that the symptom is happening now.
PRESENT = (
    r"\b(?:(?:is|are) my|my \w+ (?:is|are|has|have|feels?|keeps?|looks?|"
    r"started|went|got|getting)|(?:is|are|its|keeps?) (?:\w+ )?"
    r"(?:getting|still|now)|since|right now|now|currently|at the moment|"
    r"started|just now|this morning|tonight|today|after (?:my|the) "
    r"(?:session|treatment|injections?|appointment|meso\w*)|"
    # "is it bad that the spots are oozing" takes the oozing as given.
    r"(?:bad|normal|ok|okay|serious|dangerous|worrying|fine) that|"
    r"(?:the|my|his|her|their) \w+ (?:is|are) (?:now |still |really |so )?"
    r"\w+ing)\b"
)

# Cues strong enough to make a general-sounding question a report: "is it
# normal to have pus coming out three days after the injections?"
STRONG_PRESENT = (
    r"\b(?:right now|at the moment|currently|coming out|"
    r"(?:\d+|a|two|three|four|five|few) (?:days?|hours?) (?:after|since|later)|"
    r"since (?:the|my|yesterday|last|this))\b"
)

# First-person reports; like PRESENT, these beat a question-shaped opening
# ("is my face supposed to be this swollen").
FIRST_PERSON = (
    r"\b(?:i have|ive|i got|im|i am|i feel|i keep|i just|yesterday|"
    r"last night|help)\b"
)

# A clause opening with an auxiliary or question word asks rather than tells
# ("can it give you a fever", "does it make your face puffy").
QUESTION_START = (
    r"^(?:will|would|could|can|might|may|shall|should|does|do|is|are|was|"
    r"were|what|how|when|why|which|who|any|anyone|has|have)\b"
)

# Distress is only set aside for general questions about causes
# ("can hair loss pills cause suicidal thoughts").
DISTRESS_GENERAL = (
    r"^(?:will|would|could|can|might|may|does|do|is|are)\b"
    r".*\b(?:cause|causes|causing|side effects?|risks?|linked|lead to)\b"
)

# ---- Symptom patterns -------------------------------------------------------

BODY = r"(?:lips?|tongue|throat|face|eyes?|eyelids?|mouth|cheeks?)"
SWELL = (
    r"(?:swell\w*|swollen|swole|puff\w*|blown up|blowing up|balloon\w*|"
    r"bigger|huge|big|thick\w*|fat|doubled|twice (?:the|its|their) size)"
)
SWELL_NOUN = r"(?:swell\w*|swollen|puff\w*)"
GAP3 = r"(?:[a-z0-9]+ ){0,3}"
# Up to five words, none a negation ("my face isnt swollen").
GAP5_POSITIVE = r"(?:(?!(?:not|isnt|arent|no|never|wasnt)\b)[a-z0-9]+ ){0,5}"

EMERGENCY_PATTERNS: tuple[str, ...] = (
    # Swelling of the face, lips, tongue, throat or eyes, either order.
    rf"\b{BODY} {GAP5_POSITIVE}{SWELL}\b",
    rf"\b{SWELL_NOUN} (?:around|of|in|on) {GAP3}{BODY}\b",
    rf"\b{SWELL_NOUN} {BODY}\b",
    # Breathing.
    r"\b(?:cant|couldnt|can t) (?:\w+ ){0,2}(?:breath\w*|catch my breath)",
    r"\b(?:trouble|difficulty|difficult|hard|harder|struggl\w*|problems?|"
    r"issues?|hardly|barely|unable to|not able to|short|shortness) "
    r"(?:\w+ ){0,3}breath\w*",  # "hard to get my breath"
    r"\bbreath\w* (?:\w+ ){0,3}(?:hard|harder|difficult|tough|heavy|labou?red|"
    r"weird|funny|strange|tight|shallow|struggle)\b",
    r"\b(?:struggl\w*|cant|hard|trouble|unable) (?:\w+ ){0,2}(?:get|getting|catch|"
    r"catching) (?:enough )?air\b",
    r"\b(?:out of|lost my|losing my|gasping for) breath\b|\bgasping\b|"
    r"\bwheez\w*|\bbreathless\w*|\bchoking\b",
    r"\bchest (?:\w+ ){0,2}(?:tight\w*|heavy|pressure)|\btight\w* (?:\w+ ){0,2}chest",
    # Throat closing or tight, trouble swallowing.
    # May run over a comma: "its my throat, it feels like its closing".
    r"\bthroats? (?:[a-z,]+ ){0,6}(?:clos\w*|tight\w*|constrict\w*|narrow\w*)",
    r"\btight\w* (?:in|of) (?:my |the )?throat",
    r"\bairways? (?:\w+ ){0,3}(?:block\w*|clos\w*|tight\w*|swell\w*|swollen|"
    r"narrow\w*|constrict\w*)",
    r"\b(?:hard|difficult|trouble|cant|struggling|unable) (?:to )?swallow\w*",
    r"\bswallow\w* (?:\w+ ){0,2}(?:hard|difficult|painful|impossible)\b",
    # Hives over the body (a few near the injection sites are not this).
    r"\b(?:hives?|hivs|welts) (?:\w+ ){0,3}(?:all over|everywhere|whole|body|"
    r"spreading|arms|legs|chest|back|neck|covering)",
    r"\bcovered (?:in|with) (?:\w+ )?(?:hives?|hivs|welts)",
    r"\b(?:whole|entire) body (?:\w+ ){0,6}(?:hives?|rash\w*|welts|lumps|bumps)\b",
    r"\b(?:whole|entire) body (?:hives?|rash\w*|welts)\b",
    r"\b(?:hives?|rash\w*|welts|lumps|bumps) (?:\w+ ){0,3}(?:head to toe|all over "
    r"(?:my|his|her|their) body)\b",
    r"\bhives?\b (?:\w+ ){0,4}(?:itchy|tight|scratchy|swollen) throat\b",
    r"\bhives?\b (?:\w+ ){0,4}(?:lips?|tongue|mouth|throat) (?:\w+ ){0,2}"
    r"(?:tingl\w*|numb|itch\w*|swell\w*)",
    r"\bcovered (?:in|with) (?:\w+ ){0,3}rash\w*",
    r"\b(?:face|lips?|eyes?|mouth) (?:\w+ ){0,5}stung by (?:a )?(?:bees?|wasps?)\b",
    # Fainting or dizziness; "a faint mark" is an adjective and not matched.
    r"\b(?:fainted|fainting|faints|dizz\w*|light ?headed|woozy|"
    r"pass(?:ed|ing)? out|black(?:ed|ing)? out|collaps\w*|keel\w* over)\b",
    # Collapse in everyday words, and the confusion after it: "hit the deck
    # at work and can't remember how I got here". A figure of speech ("my
    # jaw hit the floor at the price") is a question to the model, which sets
    # the match aside.
    r"\b(?:hit|hitting|hits) the (?:deck|floor|ground)\b",
    r"\b(?:cant|cannot|can not|dont|do not|couldnt) (?:\w+ )?remember how "
    r"(?:i|he|she|they|we) got (?:here|home|there)\b",
    r"\b(?:feel|feels|feeling|felt|going to|about to|might|keep|im|i) "
    r"(?:\w+ ){0,2}faint\b",
    r"\banaphyla\w*|\bepi ?pen\b",
    # Bleeding that will not stop.
    r"\b(?:bleed\w*|blood) (?:\w+ ){0,8}(?:wont|will not|doesnt|does not|isnt|is not|"
    r"hasnt|has not|not|never) (?:\w+ )?(?:stop\w*|clot\w*|slow\w*)\b",
    # "it hasn't stopped bleeding", "won't stop bleeding".
    r"\b(?:wont|will not|doesnt|does not|hasnt|has not|havent|have not|didnt|never) "
    r"(?:\w+ )?stop(?:ped)? (?:\w+ ){0,2}bleed\w*",
    r"\b(?:cant|couldnt|unable to) (?:get (?:it|the \w+) to )?stop "
    r"(?:\w+ ){0,2}bleed\w*",
    r"\b(?:blood|bleed\w*) (?:\w+ ){0,4}(?:soak\w*|gush\w*|pour\w*|dripping)\b",
    r"\b(?:soak\w*|gush\w*|pour\w*) (?:\w+ ){0,3}(?:blood|bleed\w*)\b",
)

INFECTION_SYMPTOM = (
    r"(?:swell\w*|swollen|pain\w*|sore\w*|tender\w*|red\w*|throb\w*|hurt\w*|"
    r"ache|aching|lumps?|bumps?|spots?|rash|inflam\w*)"
)
LUMP = r"(?:lumps?|bumps?|nodules?|knots?|cysts?)"

INFECTION_PATTERNS: tuple[str, ...] = (
    # Fever, high temperature (38 C and up, or 99 F and up), chills.
    r"(?<!hay )(?<!glandular )\bfever\w*|\bfebrile\b",
    r"\b(?:high|raised|a) temp(?:erature)?\b",
    r"\btemp(?:erature)? (?:\w+ ){0,6}(?:3[89]|4[0-2]|99|10[0-6])(?:[.,]\d+)?\b",
    r"\btemp(?:erature)? (?:\w+ ){0,2}(?:going up|rising|climbing|shooting up)\b",
    r"\bburning up\b",
    r"\bchills\b|\bshiver\w*|\brigou?rs\b|\bnight sweats\b|\bhot and cold\b",
    # Spreading redness or heat.
    r"\b(?:red\w*|rash|heat|hot|warm\w*|inflam\w*|swell\w*|swollen|streaks?|"
    r"sore\w*|tender\w*|patch|lump|bump) "
    r"(?:[a-z,]+ ){0,10}(?:spread\w*|expand\w*|creep\w*|getting bigger|grow\w*|bigger|"
    r"doubled|twice as big|size of (?:a|my|his|her) (?:palm|hand|fist))\b",
    r"\bspread\w* (?:\w+ ){0,2}(?:red\w*|rash|heat|warmth)\b|\bred (?:streak|line)s?\b",
    r"\b(?:hot|warm|burning) to (?:the )?touch\b",
    r"\b(?:scalp|skin|area|spots?|site|head) (?:is|are|feels?|feeling) "
    r"(?:\w+ )?(?:hot|burning)\b",
    # Pus, discharge, oozing.
    r"\bpus+\b|\bpussing\b|\bdischarg\w*|\booz\w*|\babscess\w*|\bpustul\w*",
    r"\b(?:yellow|white|green)(?:ish)? (?:head\w*|spots?|dots?|bumps?|pimples?)\b",
    r"\b(?:fluid|liquid|blood|stuff|gunk) (?:\w+ ){0,2}(?:seep|leak|ooz|drain|weep)\w*",
    r"\bcrust\w* (?:\w+ ){0,2}yellow|\byellow (?:\w+ ){0,2}crust\w*",
    r"\bred hot\b|\bgetting (?:redder|hotter)\b",
    r"\btemp(?:erature)? (?:is|was|feels|seems) (?:\w+ )?high\b",
    r"\b(?:a|an|the|huge|big|painful) boils?\b|\bboils? (?:on|has|have|came)\b",
    r"\b(?:spots?|sores?|wounds?|marks?|holes?|it|scalp|sites?|areas?|points?|"
    r"bumps?) (?:[a-z,]+ ){0,6}(?:weep\w*|leak\w*|seep\w*|drain\w*)",
    r"\b(?:yellow|green|white|yellowish|greenish) "
    r"(?:stuff|liquid|fluid|gunk|goo|crust\w*)",
    # Swelling or pain getting worse day by day.
    rf"\b{INFECTION_SYMPTOM} (?:[a-z]+ ){{0,4}}(?:worse|worsening|more painful|"
    r"more swollen)\b",
    r"\b(?:hurts?|hurting|aches?|aching|throb\w*|sore\w*|pain\w*) "
    r"(?:[a-z]+ ){0,2}more and more\b|\bmore and more (?:painful|swollen|sore)\b",
    rf"\b{INFECTION_SYMPTOM} (?:[a-z]+ ){{0,4}}(?:more|worse|bigger|redder) "
    r"(?:each|every) day\b",
    r"\bmore (?:swollen|painful|sore|red|tender|inflamed|puffy) (?:each|every|by the) "
    r"day\b",
    r"\b(?:more|even more) (?:painful|swollen|sore|red|tender) than\b",
    rf"\b{INFECTION_SYMPTOM} (?:[a-z]+ ){{0,3}}(?:today|now) than (?:it was )?"
    r"(?:yesterday|before)\b",
    rf"\b{INFECTION_SYMPTOM} (?:[a-z]+ ){{0,3}}(?:isnt|is not|not|arent|hasnt|"
    r"wont) (?:getting |going |gone )?(?:better|down|improving)\b",
    # Painful or growing lumps in the weeks after.
    rf"\b(?:painful|sore|tender|growing|swollen|hot) (?:\w+ )?{LUMP}\b",
    rf"\b{LUMP} (?:[a-z]+ ){{0,12}}(?:hurts?|hurting|painful|sore|tender|"
    r"grow\w*|grew|bigger)\b",
    rf"\b{LUMP} (?:[a-z]+ ){{0,4}}(?:appeared|came up|showed up|popped up|"
    r"formed|developed) (?:[a-z0-9]+ ){0,6}(?:weeks?|days) (?:after|later)\b",
    # The person says it is infected.
    r"\b(?:is|are|looks?|looking|seems?|got|gotten|getting|became|gone|"
    r"think (?:its|it is|they are|theyre)) (?:\w+ )?infected\b",
    r"\b(?:have|got|has|developed|caught) an? (?:\w+ )?infection\b",
)

# "cant go on paying for sessions" is money, "cant go on living" is not.
CANT_GO_ON = (
    r"\bcant (?:go|carry) on\b"
    r"(?! (?:a|the|holiday|vacation|trips?|dates?|medication|pills?)\b)"
    r"(?! (?!living\b)[a-z]+ing\b)"
)

DISTRESS_PATTERNS: tuple[str, ...] = (
    r"\b(?:nothing|no one|nobody) (?:\w+ ){0,2}(?:left )?to live for\b|"
    r"\bwill to live\b|\b(?:nobody|no one) would (?:miss|notice|care)\b",
    r"\b(?:no|dont see a|cant see a|not a) way out\b",
    r"\bnot waking up\b|\bgive up on (?:life|everything|living)\b",
    r"\bwant (?:it|my life|everything) to (?:be over|end|stop)\b",
    r"\bcant (?:do this|cope|take (?:it|this)|keep going|go on like this)"
    r"(?: \w+){0,3} (?:anymore|any more|like this)\b|\bcant cope\b|"
    r"\bbreaking point\b|\bdark place\b|\bfalling apart\b",
    r"\bno reason to (?:keep going|live|go on|carry on)\b",
    r"\bdont know what i (?:might|will|would|could) do\b",
    r"\bhate (?:myself|my life)\b|\bworthless\b|\bcant bear it\b",
    r"\b(?:want|wanting|going|thinking|thoughts?|think|feel like|might|urges?) "
    r"(?:\w+ ){0,3}(?:hurt|harm|kill|cut|injure|hurting|harming|killing|"
    r"cutting|injuring) myself\b",
    r"\b(?:kill|killing|harming|cutting|harm) myself\b|\bself harm\w*",
    r"\bsuicid\w*",
    r"\b(?:end|ending) (?:it all|my life|things|everything|my own life)\b",
    r"\b(?:take|taking) my (?:own )?life\b",
    # "want to die my hair" is a misspelt dye.
    r"\b(?:want|wish|going|ready) (?:\w+ ){0,2}(?:to )?die\b(?! (?:my |your |"
    r"his |her )?(?:hair|beard|roots|eyebrows)\b)",
    r"\bwant to be dead\b|\b(?:rather|sooner|better off|might as well) "
    r"(?:be )?dead\b",
    r"\b(?:rather|sooner) die\b",
    r"\bwish (?:i|id) (?:was|were|be|could be) dead\b",
    r"\bbetter off without me\b",
    r"\b(?:dont|do not|no longer) want to (?:live|be alive|be here|exist|wake up)\b",
    r"\bno (?:point|reason|purpose) (?:in |of |to )?(?:keep |keeping |go |going |"
    r"carry |carrying )?(?:living|live|on|life|anymore)\b",
    r"\b(?:no|whats the|what is the|dont see the|cant see the|any) point "
    r"(?:of |in )?(?:living|life|going on|carrying on|anything|it all)\b",
    r"\b(?:whats|what is|dont see|cant see|no) the point anymore\b",
    r"\b(?:want|wanna|going|thinking|think|thought|ready|plan\w*) "
    r"(?:\w+ ){0,2}(?:to )?(?:end|ending) it\b(?! (?:with|early)\b)",
    r"\b(?:not|isnt|is not|aint) worth living\b",
    CANT_GO_ON,
    r"\bwant (?:it all|everything|all of it|my life) (?:to )?(?:be )?"
    r"(?:over|end|stop)\b",
    r"\b(?:want|wish i could) (?:to )?(?:just )?disappear\b",
)

# ---- Compiled once -----------------------------------------------------------

_TOKEN_RE: Pattern[str] = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+|[^\s\w]")
_APOSTROPHES_RE: Pattern[str] = re.compile(r"['’‘`´]")
_SEPARATORS_RE: Pattern[str] = re.compile(r"[-_/\\]+")
_REPEATS_RE: Pattern[str] = re.compile(r"([a-z])\1{2,}")
_PHRASE_FIXES: tuple[tuple[Pattern[str], str], ...] = (
    (re.compile(r"\bmy self\b"), "myself"),
    (re.compile(r"\bcan not\b"), "cant"),
    (re.compile(r"\bi m\b"), "im"),
    (re.compile(rf"\b(?:{'|'.join(NEGATIONS)}) can\b"), "cant"),
    *HINDI_PHRASES,
)
_BREAK_RE: Pattern[str] = re.compile(CLAUSE_BREAKS)
_CONDITIONAL_RE: Pattern[str] = re.compile(CONDITIONAL)
_GENERAL_RE: Pattern[str] = re.compile(GENERAL)
_ANTICIPATION_RE: Pattern[str] = re.compile(ANTICIPATION)
_PRESENT_RE: Pattern[str] = re.compile(PRESENT)
# A clause that gives an example ("like my face swelling or a fever").
_EXAMPLE_RE: Pattern[str] = re.compile(
    r"(?:and |or )?(?:like|such as|for example|eg)\b"
)
_STRONG_PRESENT_RE: Pattern[str] = re.compile(STRONG_PRESENT)
_FIRST_PERSON_RE: Pattern[str] = re.compile(FIRST_PERSON)
_NEGATION_RE: Pattern[str] = re.compile(NEGATION)
_DISTRESS_NEGATION_RE: Pattern[str] = re.compile(DISTRESS_NEGATION)
_ANAPHORIC_RE: Pattern[str] = re.compile(ANAPHORIC_REPORT)
_QUESTION_START_RE: Pattern[str] = re.compile(QUESTION_START)
_DISTRESS_GENERAL_RE: Pattern[str] = re.compile(DISTRESS_GENERAL)
_PATTERNS: dict[str, tuple[Pattern[str], ...]] = {
    EMERGENCY: tuple(re.compile(p) for p in EMERGENCY_PATTERNS),
    INFECTION: tuple(re.compile(p) for p in INFECTION_PATTERNS),
    DISTRESS: tuple(re.compile(p) for p in DISTRESS_PATTERNS),
}


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Lower-case, shorthand spelt out, typos fixed; tokens joined by spaces.

    Red-flag words in other languages become English (bot.safety.other_languages).
    """
    text = _APOSTROPHES_RE.sub("", fold_accents(text.lower()))
    text = _SEPARATORS_RE.sub(" ", text)
    text = _REPEATS_RE.sub(r"\1\1", text)
    spelling = corrector()
    tokens = [
        SHORTHAND.get(t) or RED_FLAG_WORDS.get(t) or spelling.correct(t)
        for t in _TOKEN_RE.findall(text)
    ]
    text = " ".join(tokens)
    for pattern, replacement in _PHRASE_FIXES:
        text = pattern.sub(replacement, text)
    return text


def _clause_around(text: str, start: int, end: int) -> tuple[str, str, bool]:
    """Split out the clause holding text[start:end].

    Returns the clause, the part of it before the match, and whether the
    clause ends with a question mark.
    """
    clause_start = 0
    for boundary in _BREAK_RE.finditer(text, 0, start):
        clause_start = boundary.end()
    following = _BREAK_RE.search(text, end)
    clause_end = following.start() if following else len(text)
    is_question = following is not None and following.group() == "?"
    prefix = text[clause_start:start].lstrip()
    return text[clause_start:clause_end].strip(), prefix, is_question


def _is_report(clause: str, is_question: bool, severe: bool) -> bool:
    """Decide whether a clause reports a symptom rather than asks about one."""
    if _CONDITIONAL_RE.search(clause):
        return False
    if _GENERAL_RE.search(clause):
        return bool(_STRONG_PRESENT_RE.search(clause))
    if _PRESENT_RE.search(clause):
        return True
    if _ANTICIPATION_RE.search(clause):
        return False
    if _FIRST_PERSON_RE.search(clause):
        return True
    if _QUESTION_START_RE.search(clause):
        return False
    # Severe signs count even without a first-person cue ("throats closing").
    return severe or not is_question


def _sign_clauses(text: str, category: str) -> Iterator[str]:
    """The clauses in which a pattern of `category` matches as a report."""
    severe = category == EMERGENCY
    for pattern in _PATTERNS[category]:
        for match in pattern.finditer(text):
            clause, prefix, is_question = _clause_around(
                text, match.start(), match.end()
            )
            if _NEGATION_RE.search(prefix):
                continue
            if _is_report(clause, is_question, severe) or _ANAPHORIC_RE.search(
                text, match.end()
            ):
                yield clause


def _distress_clauses(text: str) -> Iterator[str]:
    """The clauses that express despair or self-harm."""
    for pattern in _PATTERNS[DISTRESS]:
        for match in pattern.finditer(text):
            clause, prefix, _ = _clause_around(text, match.start(), match.end())
            if _DISTRESS_NEGATION_RE.search(prefix):
                continue
            if not _DISTRESS_GENERAL_RE.search(clause):
                yield clause


def _clauses(normalised: str, intent: str) -> Iterator[str]:
    """The clauses of a normalised text in which `intent`'s patterns report."""
    if intent == DISTRESS:
        return _distress_clauses(normalised)
    return _sign_clauses(normalised, intent)


def red_flag_clauses(text: str) -> list[str]:
    """The clauses (normalised) that report a red flag happening now.

    A long message about booking or payment can hide a report in one clause
    ("..., and my lips swelled up this morning, and is parking free?"): the
    risk gate reads that clause on its own as well as the whole. Read alone,
    a clause has lost its context, so it must say the symptom is happening
    now and must not be an example ("If I have a bad reaction, like my face
    is swelling, how do I contact you?").
    """
    normalised = normalise(text) if text and text.strip() else ""
    found = (
        clause
        for intent in PRIORITY
        for clause in _clauses(normalised, intent)
        if _happening_now(clause) and not _EXAMPLE_RE.match(clause)
    )
    return list(dict.fromkeys(found))


def _happening_now(clause: str) -> bool:
    """Whether a (normalised) clause says its symptom is happening now."""
    return bool(_PRESENT_RE.search(clause) or _STRONG_PRESENT_RE.search(clause))


def detect_red_flag(text: str) -> str | None:
    """Return the urgent intent a message calls for, or None.

    Args:
        text: The user's message as typed.

    Returns:
        `report_emergency`, `express_distress` or `report_infection_signs`
        (in that order of priority), or None when nothing urgent is reported.

    """
    if not text or not text.strip():
        return None
    normalised = normalise(text)
    for intent in PRIORITY:
        if next(_clauses(normalised, intent), None) is not None:
            return intent
    return None
