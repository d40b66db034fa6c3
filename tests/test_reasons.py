"""Explanations: words towards each team, the threshold, and why a human decides, in French."""

import dataclasses

import pytest

from classifiers.policy import decide_proba
from classifiers.reasons import Explanation, sentence
from triage.config import get_settings
from triage.services.training import get_router


@pytest.fixture
def app_config(app_config, use_router):
    return use_router


def _sentence(prefix, p, threshold=0.7, override=0.85, terms=()):
    decision = decide_proba(
        prefix=prefix, proba_si2c=p, threshold=threshold, override_threshold=override
    )
    return decision, sentence(
        prefix=prefix,
        decision=decision,
        leaning=decision.suggestion,
        confidence=decision.confidence,
        threshold=threshold,
        override_threshold=override,
        terms=list(terms),
    )


def test_a_ticket_left_to_a_human_says_why():
    _, said = _sentence(None, 0.34)
    assert said == (
        "Le modèle penche vers DRASI (confiance 66 %), sous le seuil de 70 % : laissé à un agent."
    )
    decision, said = _sentence("SI2C", 0.2, terms=[["mot de passe", 0.4, "DRASI"]])
    assert decision.team is None
    assert said.startswith("Préfixe SI2C, mais le modèle penche vers DRASI (confiance 80 %)")
    assert "sous le seuil de 85 % pour passer outre : laissé à un agent." in said
    assert "Mots en faveur de DRASI : « mot de passe »." in said


def test_routed_tickets_say_the_team_the_threshold_and_the_words():
    terms = [["mandat", 0.5, "SI2C"], ["DBM", 0.3, "SI2C"], ["connexion", 0.1, "DRASI"]]
    _, said = _sentence(None, 0.93, terms=terms)
    assert said.startswith("Le modèle attribue le ticket à SI2C (confiance 93 %, seuil 70 %).")
    assert "Mots en faveur de SI2C : « mandat », « DBM » ; mots en faveur de DRASI" in said
    _, said = _sentence("DRASI", 0.95)
    assert said.startswith("Préfixe DRASI contredit par le contenu")
    _, said = _sentence("SI2C", 0.95)
    assert said.startswith("Préfixe SI2C confirmé par le contenu")


def test_the_batch_gives_each_decision_with_its_explanation(app):
    router = get_router(get_settings(app))
    tickets = [
        ("SI2C - mandat rejeté", "Le mandat est rejeté par l'agent comptable, pièce manquante."),
        ("Connexion", "Mot de passe refusé, compte bloqué sur ARENA. Erreur ORA-01017."),
        ("SI2C - écran blanc", "Page blanche, erreur 500, Firefox. Cordialement, Sandrine Kerbrat"),
    ]
    explained = router.decide_explained_many(tickets)
    assert [(p, d) for p, d, _ in explained] == router.decide_many(tickets)
    for _, decision, why in explained:
        assert isinstance(why, Explanation)
        assert why.leaning == decision.suggestion
        assert why.threshold == router.threshold
        assert why.override_threshold == router.override_threshold
        assert why.sentence and why.terms
        for term, weight, team in why.terms:
            assert weight > 0 and team in ("SI2C", "DRASI")
            assert "_" not in term
            assert "Kerbrat" not in term and "Sandrine" not in term
        assert why.pairs() == [[t, w] for t, w, team in why.terms if team == why.leaning]
        assert why.stored() == dataclasses.asdict(why)  # what a ticket keeps: every field


def test_a_technical_signal_is_shown_through_the_words_that_told_it(app):
    router = get_router(get_settings(app))
    [(_, _, why)] = router.decide_explained_many(
        [("Validation impossible", "Impossible de valider : ORA-01403 aucune donnée trouvée.")]
    )
    assert all(not term.startswith("_") for term, _, _ in why.terms)


def test_classify_with_explanation_keeps_the_interface_shape(app):
    line = get_router(get_settings(app)).classify_explained(
        {"id": 1, "title": "DRASI - budget", "description": "Comment saisir la DBM de recettes ?"}
    )
    assert all(len(pair) == 2 for pair in line["explanation"])  # [[term, weight], ...]
    assert all(len(item) == 3 for item in line["explanation_teams"])
    assert line["reason"] and line["threshold"] and line["override_threshold"]
    assert line["suggestion"] in ("SI2C", "DRASI")
