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


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("Bonjour Mme Kerbrat, le mandat est rejeté", "kerbrat", "mandat"),
        ("Merci\nSandrine Kerbrat\nAdjointe gestionnaire", "kerbrat", "adjointe"),
        ("Cordialement,\nAlix Tanguy", "tanguy", "cordialement"),
        ("<p>Cordialement,<br>Patricia Lemoine<br>Formatrice</p>", "lemoine", "formatrice"),
        ("je suis Jean-Pierre MARTIN, agent comptable", "martin", "comptable"),
        ("Bonjour Karine, la DBM passe", "karine", "dbm"),
        ("merci d'avance.\nThérèse Lamotte, AC, lycée", "lamotte", "ac"),
        ("4 rue de la Bourse 69002 Lyon", "lyon", "bourse"),
    ],
)
def test_person_names_and_towns_are_no_evidence(text, gone, kept):
    normalized = normalize(text)
    assert gone not in normalized, normalized
    assert kept in normalized
    assert "_personne_" in normalized or "_ville_" in normalized


@pytest.mark.parametrize(
    "text",
    ["Le Compte Financier ne sort pas", "Merci de me rappeler", "Monsieur le Principal a signé"],
)
def test_ordinary_capitalised_words_are_not_names(text):
    assert "_personne_" not in normalize(text)


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("impossible de valider le mandat : ORA-01403 aucune donnée", "_ora_"),
        ("ora-12170 à la connexion", "_ora_"),
        ("java.lang.NullPointerException au calcul", "_exception_"),
        ("message StackOverflowError sur les amortissements", "_exception_"),
        ("erreur 500 sur la page des mandats", "_http_server_"),
        ("502 Bad Gateway", "_http_server_"),
        ("HTTP 404 en ouvrant l'état", "_http_client_"),
        ("time-out à l'export", "_timeout_"),
        ("délai d'attente dépassé", "_timeout_"),
        ("Accès refusé à la balance", "_droits_"),
        ("droits insuffisants pour cette action", "_droits_"),
        ("une erreur technique est survenue", "_errtech_"),
    ],
)
def test_technical_signals_become_placeholders_beside_their_words(text, placeholder):
    normalized = normalize(text)
    assert placeholder in normalized.split()
    # beside the words, which stay: without the signals, the same text minus the placeholder
    assert normalize(text, signals=False).split() == [
        w for w in normalized.split() if not w.startswith("_") or w.startswith("_num")
    ]


def test_business_words_raise_no_technical_signal():
    text = "La DBM est refusée : le montant dépasse les crédits ouverts, erreur d'imputation"
    assert not any(p in normalize(text) for p in ("_ora_", "_exception_", "_http", "_errtech_"))


def test_an_explanation_never_reads_a_person_name():
    surface = _surface("Mandat rejeté", "Bonjour,\nle mandat est rejeté.\nMerci\nSandrine Kerbrat")
    assert "Sandrine" not in surface and "Kerbrat" not in surface
    assert "mandat" in surface


def _fold_by_definition(text: str) -> str:
    """Search folding as it is defined: NFKD, every combining mark dropped one by one."""
    import unicodedata

    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("œ", "oe").replace("æ", "ae").split())


@pytest.mark.parametrize(
    "text",
    [
        "Élève : ŒUVRE sociale, cæcum, déjà réglé",
        "Ça coûte 12 € — “facture” n° 3 ; ﬁchier ½",
        "Ελληνικά ά έ ή, Tiếng Việt, हिन्दी, עִבְרִית, العَرَبِيَّة",
        "emoji 👍🏽 et\tespaces\n\nmultiples  ",
        "".join(chr(c) for c in range(0x20, 0x3000, 7)),
    ],
)
def test_search_folding_matches_its_definition(text):
    from triage.models import fold_text

    assert fold_text(text) == _fold_by_definition(text)
