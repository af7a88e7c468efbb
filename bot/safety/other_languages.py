"""Red-flag words in the languages people switch into mid-message.

People who write English as a second language reach for their own word when
it matters most ("his lips and língua are getting very inchados"). The
patterns and the risk model read English, so before anything reads a
message, bot.safety.red_flags.normalise folds accents away ("língua" is
"lingua") and gives each of these words its English meaning. Only words
that are not also English words are listed ("langue", "gorge" and "ropa"
are left out), in Spanish, Portuguese, Italian, French, Polish and German,
and Hindi and Urdu as typed in Latin letters. Hindi puts the verb last
("khoon ruk nahi raha": blood stop not is), so its reports are also given
as whole phrases (HINDI_PHRASES), read after the words.
"""

from __future__ import annotations

import re
import unicodedata


def _each(english: str, *words: str) -> dict[str, str]:
    """The same English word for several foreign ones."""
    return dict.fromkeys(words, english)


# Negations before a "can" below: "no can breathe" is "cant breathe". They
# are kept as they are: the spelling corrector would make "nie" "die".
NEGATIONS = ("no", "nao", "non", "ne", "nie", "nicht")

# Hindi and Urdu in Latin letters, in the spellings people type. "gala"
# (throat) and "sans" (breath) are English words, so they are read only as
# phrases below; the words the phrases are made of are in hindi_words.txt,
# which keeps them from the spelling corrector.
HINDI_WORDS: dict[str, str] = {
    **_each("lips", "honth", "hont", "honthon", "hothon", "hoth"),
    **_each("tongue", "zubaan", "zuban", "jeebh", "jibh", "jeeb"),
    **_each("face", "chehra", "chehre", "chehera", "munh", "mooh"),
    **_each("eyes", "aankhen", "aankh", "ankhen", "ankh", "aankhon", "ankhon"),
    **_each(
        "swollen", "sooj", "suj", "sooja", "sooji", "soojh", "suji", "sujh", "sujan",
        "soojan", "soojna", "sooje", "suje",
    ),  # fmt: skip
    **_each("breath", "saans", "swaas", "shwaas"),
    **_each("difficult", "dikkat", "dikat", "takleef", "taklif", "mushkil"),
    **_each("fever", "bukhar", "bukhaar"),
    **_each("shivering", "kaanp", "kaanpna", "kaanpne", "kanp", "kapkapi"),
    **_each("fainted", "behosh", "behoshi", "behos"),
    **_each("dizzy", "chakkar", "chakkarr"),
    **_each("blood", "khoon", "khun"),
    **_each("spreading", "phail", "phel", "phailti", "phailta", "phaili", "phailna"),
    **_each("growing", "badh", "badhti", "badhta", "badhi"),
    **_each("red", "laal", "lal"),
    **_each("hot", "garam", "garm"),
    **_each("pus", "mawad", "mavad", "peeb"),
    **_each("suicide", "aatmahatya", "atmahatya", "khudkushi"),
    **_each("pain", "dard", "dardd"),
}  # fmt: skip

# Hindi reports whose word order the English patterns do not read, each as
# English words: (pattern on the normalised text, replacement).
_NOT = r"(?:nahi|nahin|nai|nhi)"
HINDI_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), english)
    for pattern, english in (
        (rf"\bruk(?:a|ta|ti)? (?:hi )?{_NOT}\b", "not stopping"),
        (r"\bgal[ae] (?=(?:mein|me|main|ka|ki|ke|swollen|band)\b)", "throat "),
        (rf"\bbreath {_NOT} (?:le )?\w+", "cant breathe"),
        (r"\bthand lag\w*", "chills"),
        (
            rf"\bj[ie]e?n[ae] (?:ka |ki )?(?:mann|man|ichha|iccha) {_NOT}\b",
            "dont want to live",
        ),
        (rf"\bj[ie]e?na {_NOT} chaht[aie]\b", "dont want to live"),
        (r"\b(?:marna|mar jana|mar jaana) chaht[aie]\b", "want to die"),
        (
            r"\b(?:khud|apne aap) ko (?:hurt|harm|cut|chot|nuksan|nuksaan) "
            r"(?:karne|karna|pahunchane) (?:ka|ki) (?:mann|man|ichha|iccha)\b",
            "want to hurt myself",
        ),
        (
            r"\b(?:khud|apne aap) ko (?:hurt|harm|cut|chot|nuksan|nuksaan)\b",
            "hurt myself",
        ),
        (r"\b(?:khud|apne aap) ko (?:maar|mar|khatam)\w*", "kill myself"),
        (r"\bsab (?:kuch )?khatam kar\w*", "end it all"),
        (r"\bzindagi khatam kar\w*", "end my life"),
    )
)  # fmt: skip

RED_FLAG_WORDS: dict[str, str] = {
    **dict(zip(NEGATIONS, NEGATIONS, strict=True)),
    **_each("lips", "labios", "labbra", "levres", "lippen", "usta", "ustach"),
    **_each("tongue", "lengua", "lingua", "jezyk", "zunge"),
    **_each("throat", "garganta", "gardlo", "kehle"),
    **_each("face", "rosto", "viso", "twarz", "gesicht"),
    **_each("eyelids", "parpados", "palpebras", "palpebre", "paupieres", "powieki"),
    **_each(
        "swollen",
        "hinchado",
        "hinchada",
        "hinchados",
        "hinchadas",
        "inchado",
        "inchada",
        "inchados",
        "inchadas",
        "gonfio",
        "gonfia",
        "gonfie",
        "gonfi",
        "gonfle",
        "gonflee",
        "gonfles",
        "gonflees",
        "spuchniety",
        "spuchnieta",
        "spuchniete",
        "opuchniety",
        "opuchnieta",
        "opuchniete",
        "geschwollen",
    ),  # fmt: skip
    **_each(
        "swelling",
        "hinchazon",
        "inchaco",
        "gonfiore",
        "gonflement",
        "obrzek",
        "opuchlizna",
        "schwellung",
    ),  # fmt: skip
    **_each("breathe", "respirar", "respirare", "respirer", "oddychac", "atmen"),
    # "no puedo respirar", "nao consigo respirar", "non riesco a respirare",
    # "nie moge oddychac": the negation before "can" becomes "cant".
    **_each(
        "can",
        "puedo",
        "puede",
        "consigo",
        "consegue",
        "riesco",
        "riesce",
        "peux",
        "peut",
        "moge",
        "moze",
    ),  # fmt: skip
    **_each("fever", "fiebre", "febre", "febbre", "fievre", "goraczka", "fieber"),
    **_each(
        "bleeding",
        "sangrando",
        "sangrar",
        "sanguina",
        "sanguinamento",
        "saigne",
        "saignement",
        "krwawi",
        "krwawienie",
        "blutet",
        "blutung",
    ),  # fmt: skip
    **_each(
        "fainted",
        "desmayo",
        "desmayado",
        "desmayada",
        "desmaio",
        "desmaiou",
        "desmaiado",
        "desmaiada",
        "svenuto",
        "svenuta",
        "evanoui",
        "evanouie",
        "zemdlal",
        "zemdlala",
        "ohnmachtig",
    ),  # fmt: skip
    **_each(
        "inflamed", "inflamado", "inflamada", "infiammato", "infiammata", "enflamme"
    ),
    **_each("infection", "infeccion", "infeccao", "infezione", "zakazenie"),
    **_each("pain", "dolor", "dolore", "douleur"),
    **_each("die", "morir", "morrer", "morire", "mourir", "umrzec"),
    **_each("kill myself", "matarme", "suicidarme", "uccidermi"),
    **_each("suicide", "suicidio", "samobojstwo", "selbstmord"),
    **HINDI_WORDS,
}


def fold_accents(text: str) -> str:
    """The text without its accents: "língua" is "lingua", "ł" stays."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(
        "ł", "l"
    )
