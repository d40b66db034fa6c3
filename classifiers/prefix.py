"""Prefix reader: the team a user typed at the start of a ticket title, typos included.

Users open a title with ``SI2C -``, ``[DRASI]``, ``si2c:``, ``Drasi.`` ... and with typos:
a swapped letter (``SIC2``, ``DARSI``), a digit for a letter or the reverse (``S12C``,
``DRAS1``, ``SIZC``), a stray space (``SI2 C``), a wrong last letter (``DRASY``). The reader
accepts a closed set of such variants, generated once from the two canonical spellings,
and only as a whole token: ``Drastique``, ``SI2CB`` or ``Sic`` are ordinary words, not
prefixes.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

TEAMS = ("SI2C", "DRASI")
_CANONICAL = frozenset(team.lower() for team in TEAMS)

# Characters people type for one another (keyboard or look-alike confusions).
_LOOKALIKES = {
    "i": "1l!y",
    "s": "5z",
    "a": "4@e",
    "2": "z",
    "c": "k",
    "d": "",
    "r": "",
}
# Ordinary words (or acronyms) a variant rule would otherwise produce.
_NOT_PREFIXES = frozenset({"sic", "dras", "i2c", "si", "rasi", "dra"})
# Reply/forward markers a title may carry before the prefix.
_REPLY = re.compile(r"^\s*(?:(?:re|tr|fw|fwd|rep)\s*:\s*)+", re.IGNORECASE)
# Leading punctuation and brackets before the prefix.
_LEAD = re.compile(r"^[\s\W_]*")
# The first token, and optionally a second short piece split off by one stray space.
_TOKEN = re.compile(r"^([0-9a-z@!]+)(?: ([0-9a-z]+))?")
# A team typed letter by letter: "S I 2 C", "D R A S I".
_SPACED = re.compile(r"^(?:[0-9a-z] ){3,4}[0-9a-z](?=[^0-9a-z]|$)")
# What may separate the prefix from the rest of the title.
_SEPARATORS = re.compile(r"^[\s\W_]*")


@dataclass(frozen=True)
class PrefixReading:
    """What the reader found: the team meant (or None) and the title without the prefix."""

    team: str | None
    rest: str
    raw: str = ""


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in base if not unicodedata.combining(c)).lower()
    # keep the length: a character that folds to several (``œ``) or none stays one
    return kept if len(kept) == 1 else char.lower()


# Latin letters folded once, so reading a prefix costs one str.translate
_FOLD_TABLE = {
    code: _fold_char(chr(code)) for code in range(0x250) if _fold_char(chr(code)) != chr(code)
}
# Only the start of a title can hold a prefix (after a reply marker and some punctuation).
_HEAD = 64


def fold(text: str) -> str:
    """Lower-case and strip accents (``É`` -> ``e``), keeping one character per character."""
    folded = text.translate(_FOLD_TABLE)
    if folded.isascii():
        return folded
    return "".join(c if c.isascii() else _fold_char(c) for c in folded)


def _substitutions(word: str) -> set[str]:
    """The word with one character replaced by a look-alike."""
    found = set()
    for i, char in enumerate(word):
        for other in _LOOKALIKES.get(char, ""):
            found.add(word[:i] + other + word[i + 1 :])
    return found


def _transpositions(word: str) -> set[str]:
    """The word with two neighbouring characters swapped."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


@lru_cache(maxsize=1)
def variants() -> dict[str, str]:
    """Every accepted spelling (folded, no spaces) mapped to its team."""
    table: dict[str, str] = {}
    rules = {
        "si2c": {"s12c", "si2", "s2c", "sicc", "si22c", "ssi2c", "si2cc", "sic2c", "sii2c"}
        | {"si2" + last for last in "dfvxs"},
        "drasi": {
            "dras1",
            "drasy",
            "drase",
            "drasu",
            "drazi",
            "drassi",
            "draci",
            "drsi",
            "drai",
            "darsi",
            "drais",
            "drasii",
            "ddrasi",
            "drrasi",
            "dasi",
            "trasi",
            "frasi",
            "erasi",
            "dtasi",
            "desi",
            "drqsi",
            "drzsi",
        },
    }
    for canonical, extra in rules.items():
        forms = {canonical} | extra | _substitutions(canonical) | _transpositions(canonical)
        table.update({form: canonical.upper() for form in forms if form not in _NOT_PREFIXES})
    return table


def read_prefix(title: str | None) -> PrefixReading:
    """Read the team typed at the start of ``title``; the rest is the title without it."""
    title = title or ""
    folded = fold(title[:_HEAD])
    start = _REPLY.match(folded)
    pos = start.end() if start else 0
    pos += _LEAD.match(folded[pos:]).end()
    match = _TOKEN.match(folded[pos:])
    if not match:
        return PrefixReading(None, title.strip())
    table = variants()
    candidates = [(match.group(1), match.end(1))]
    spaced = _SPACED.match(folded[pos:])
    if spaced and spaced.group(0).replace(" ", "") in table:
        candidates.insert(0, (spaced.group(0).replace(" ", ""), spaced.end()))
    joined = match.group(1) + (match.group(2) or "")
    if match.group(2) and 4 <= len(joined) <= 6:
        # "SI2 C", "DRA SI": one stray space inside the prefix (never "Si 2 ..."); the
        # first token alone wins ("DRASI i...") unless the two make an exact team name
        joined_first = joined in _CANONICAL or match.group(1) not in table
        candidates.insert(0 if joined_first else 1, (joined, match.end()))
    for token, end in candidates:
        team = table.get(token)
        if team:
            stop = pos + end
            rest_start = stop + _SEPARATORS.match(title[stop:]).end()
            rest = _strip_closing(title[rest_start:])
            return PrefixReading(team, rest.strip(), title[pos:stop])
    return PrefixReading(None, title.strip())


def _strip_closing(rest: str) -> str:
    """Drop brackets left over from ``[SI2C]`` or ``(DRASI)`` style prefixes."""
    return rest.lstrip(")]}>-–—:;,./|_ ")
