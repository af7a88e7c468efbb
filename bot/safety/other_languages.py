"""Red-flag words in the languages people switch into mid-message.

People who write English as a second language reach for their own word when
it matters most ("his lips and língua are getting very inchados"). The
patterns and the risk model read English, so before anything reads a
message, bot.safety.red_flags.normalise folds accents away ("língua" is
"lingua") and gives each of these words its English meaning. Only words
that are not also English words are listed ("langue", "gorge" and "ropa"
are left out), in Spanish, Portuguese, Italian, French, Polish and German.
"""

from __future__ import annotations

import unicodedata


def _each(english: str, *words: str) -> dict[str, str]:
    """The same English word for several foreign ones."""
    return dict.fromkeys(words, english)


# Negations before a "can" below: "no can breathe" is "cant breathe". They
# are kept as they are: the spelling corrector would make "nie" "die".
NEGATIONS = ("no", "nao", "non", "ne", "nie", "nicht")

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
}


def fold_accents(text: str) -> str:
    """The text without its accents: "língua" is "lingua", "ł" stays."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(
        "ł", "l"
    )
