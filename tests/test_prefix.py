"""The prefix reader: the usual ways and typos of typing a team, never an ordinary word."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classifiers.prefix import read_prefix, variants

REST = "Problème de mandat"


@pytest.mark.parametrize(
    ("title", "team"),
    [
        ("SI2C - Problème de mandat", "SI2C"),
        ("SI2C: Problème de mandat", "SI2C"),
        ("[SI2C] Problème de mandat", "SI2C"),
        ("(DRASI) Problème de mandat", "DRASI"),
        ("si2c Problème de mandat", "SI2C"),
        ("Si2c/ Problème de mandat", "SI2C"),
        ("SI2C– Problème de mandat", "SI2C"),
        ("SI2C — Problème de mandat", "SI2C"),
        ("DRASI_Problème de mandat", "DRASI"),
        ("Drasi. Problème de mandat", "DRASI"),
        ("SIC2 Problème de mandat", "SI2C"),  # swapped letters
        ("IS2C Problème de mandat", "SI2C"),
        ("DARSI Problème de mandat", "DRASI"),
        ("DRAIS - Problème de mandat", "DRASI"),
        ("S12C Problème de mandat", "SI2C"),  # a digit for a letter
        ("SIZC Problème de mandat", "SI2C"),  # a letter for a digit
        ("DRAS1 Problème de mandat", "DRASI"),
        ("DR4SI Problème de mandat", "DRASI"),
        ("SI2 C Problème de mandat", "SI2C"),  # a stray space
        ("S I2C - Problème de mandat", "SI2C"),
        ("DRA SI: Problème de mandat", "DRASI"),
        ("S I 2 C Problème de mandat", "SI2C"),
        ("D R A S I - Problème de mandat", "DRASI"),
        ("DRASY Problème de mandat", "DRASI"),  # a wrong last letter
        ("DRASE - Problème de mandat", "DRASI"),
        ("DRÀSI - Problème de mandat", "DRASI"),  # accents
        ("RE: [DRASI] Problème de mandat", "DRASI"),
        ("TR : SI2C - Problème de mandat", "SI2C"),
        ("  -- SI2C -- Problème de mandat", "SI2C"),
        ("«SI2C» Problème de mandat", "SI2C"),
    ],
)
def test_variants_and_typos(title, team):
    reading = read_prefix(title)
    assert reading.team == team
    assert reading.rest == REST


@pytest.mark.parametrize(
    "title",
    [
        "Drastique baisse des crédits",
        "SI2CB erreur",
        "Sic transit",
        "Si je valide le mandat",
        "Si 2 mandats sont rejetés",
        "A B C D E F",
        "Sicile : voyage scolaire",
        "Dramatique lenteur",
        "Drapeau rouge sur le compte",
        "Désinscription",
        "SICAV placement",
        "Problème de mandat DRASI",  # not at the start
        "",
        "   ",
        "2024 clôture",
    ],
)
def test_ordinary_words_are_not_prefixes(title):
    reading = read_prefix(title)
    assert reading.team is None
    assert reading.rest == title.strip()


def test_none_title():
    assert read_prefix(None).team is None


_CASES = st.sampled_from(["SI2C", "DRASI"])
_OPEN = st.sampled_from(["", " ", "[", "(", "<", "{", "« ", "- ", "** ", "#"])
_CLOSE = st.sampled_from(["", "]", ")", ">", "}", " »"])
_SEP = st.sampled_from([" ", " - ", ": ", " : ", " / ", "/", " – ", "_", ". ", " | ", "-", " ; "])
_ACCENTS = {"A": "ÀÂÄ", "I": "ÎÏÍ", "C": "Ç", "S": "Ś"}
_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàç", min_size=1, max_size=10)
_rest = st.lists(_words, min_size=1, max_size=5).map(" ".join)


@st.composite
def _spelled(draw, team: str) -> str:
    """The team with random case and, sometimes, an accent on a letter."""
    chars = []
    for char in team:
        if char in _ACCENTS and draw(st.booleans()):
            char = draw(st.sampled_from(_ACCENTS[char]))
        chars.append(char.lower() if draw(st.booleans()) else char)
    return "".join(chars)


@given(team=_CASES, data=st.data(), opening=_OPEN, closing=_CLOSE, sep=_SEP, rest=_rest)
def test_spacing_case_punctuation_accents(team, data, opening, closing, sep, rest):
    spelled = data.draw(_spelled(team))
    reading = read_prefix(f"{opening}{spelled}{closing}{sep}{rest}")
    assert reading.team == team
    assert reading.rest == rest


@given(team=_CASES, data=st.data(), sep=_SEP, rest=_rest)
def test_every_typo_variant_is_read(team, data, sep, rest):
    forms = sorted(form for form, owner in variants().items() if owner == team)
    form = data.draw(st.sampled_from(forms))
    reading = read_prefix(f"{form.upper()}{sep}{rest}")
    assert reading.team == team
    assert reading.rest == rest


@given(
    team=_CASES,
    tail=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=2, max_size=8),
    rest=_rest,
)
def test_a_prefix_glued_to_more_letters_is_a_word(team, tail, rest):
    title = f"{team}{tail} {rest}"
    assert read_prefix(title).team is None


@given(word=st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàç", min_size=7, max_size=15), rest=_rest)
def test_long_words_are_never_prefixes(word, rest):
    # every variant has at most six characters: a longer first word is an ordinary word
    assert read_prefix(f"{word} {rest}").team is None
