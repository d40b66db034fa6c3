"""Text normalisation: establishment names become a placeholder, ordinary words stay."""

import pytest

from classifiers.explain import STOPWORDS, _surface
from classifiers.text import establishments, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Collège Marie Curie, Mouy : erreur", "Collège _etab_ : erreur"),
        ("collège Jean Mermoz de Belleu. J'ai saisi", "collège _etab_. J'ai saisi"),
        ("le collège J. Mermoz, Belleu (0021234A)", "le collège _etab_ (0021234A)"),
        ("au lycée Pierre d'Ailly depuis", "au lycée _etab_ depuis"),
        ("Collège Roger Salengro, Saint-Just-en-Chaussée, 0601", "Collège _etab_, 0601"),
        ("lycée de la Hotoie", "lycée _etab_"),
        ("LP La Hotoie et LPO Jean Moulin à Ailly-sur-Noye.", "LP _etab_ et LPO _etab_."),
        ("collège Les Frères Le Nain : profil", "collège _etab_ : profil"),
        ("Lycée Jean-Baptiste Corot, Beauvais", "Lycée _etab_"),
        ("lycée professionnel Jean Moulin, Mouy", "lycée professionnel _etab_"),
        ("cité scolaire Paul Claudel de Laon", "cité scolaire _etab_"),
        ("collège Jean Moulin apparaît deux fois", "collège _etab_ apparaît deux fois"),
        ("au collège Pierre et Marie Curie de Liancourt", "au collège _etab_"),
    ],
)
def test_establishment_names_become_a_placeholder(text, expected):
    assert establishments(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "le lycée a un problème depuis lundi",
        "collège . Bonjour, la DBM est refusée",
        "au lycée DBM refusée, collège ADSI",
        "le collège Le compte est bloqué",
        "lycée Bonjour, je n'arrive pas",
        "collège, par contre le lycée",
    ],
)
def test_ordinary_text_keeps_its_words(text):
    assert establishments(text) == text


def test_normalize_keeps_the_kind_and_the_uai_placeholder():
    text = normalize("Collège Marie Curie, Mouy (0601234X) : le lycée a un problème")
    assert text == "college _etab_ ( _uai_ ) : le lycee a un probleme"


def test_an_explanation_never_reads_an_establishment_name():
    surface = _surface("DRASI - accès", "Bonjour, au collège Marie Curie de Mouy je suis bloqué")
    assert "Marie" not in surface and "Mouy" not in surface
    # blanked, not removed: the words keep their offsets
    assert surface.split() == ["accès", ".", "Bonjour,", "au", "collège", "je", "suis", "bloqué"]
    assert surface.index("je suis") == len("accès . Bonjour, au collège Marie Curie de Mouy ")
    assert {"suis", "rien", "moment", "minutes", "bonjour"} <= STOPWORDS
