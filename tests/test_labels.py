"""French words for stored English values (triage/web/labels.py)."""

from triage.web.labels import (
    actor_label,
    decision_label,
    job_outcome,
    outbox_label,
    plural,
    query_error,
    status_label,
)


def test_itop_statuses_in_french():
    assert [status_label(s) for s in ("new", "assigned", "pending", "resolved")] == [
        "Nouveau",
        "Affecté",
        "En attente",
        "Résolu",
    ]
    assert status_label("closed") == "Fermé" and status_label("rejected") == "Rejeté"
    assert status_label("escalated_tto").startswith("Escaladé")
    assert status_label("waiting_for_approval") == "En attente d'approbation"
    assert status_label("approved") == "Approuvé"
    assert status_label("something_new") == "something_new" and status_label(None) == "—"


def test_actors_sources_and_outbox_states():
    assert (actor_label("router"), actor_label("itop"), actor_label("scheduler")) == (
        "Routeur",
        "iTop",
        "Planificateur",
    )
    assert actor_label("c.martin") == "c.martin"  # a person's login as it is
    assert decision_label("itop") == "Équipe changée dans iTop"
    assert decision_label("escalation").startswith("Escalade")
    assert [outbox_label(s) for s in ("pending", "sending", "sent", "failed")] == [
        "en attente",
        "en cours d'envoi",
        "envoyé",
        "en échec",
    ]


def test_job_outcomes_in_words():
    assert plural(0, "escalade", "escalades") == "0 escalade"
    assert plural(2, "escalade", "escalades") == "2 escalades"
    assert (
        job_outcome("candidates=3, national=0, warning=1", "age_check")
        == "3 tickets candidats, 0 escalade, 1 avertissement"
    )
    assert job_outcome("fetched=12, created=2, updated=1", "poll") == (
        "12 tickets lus, 2 créés, 1 mis à jour"
    )
    assert job_outcome("claimed=0, sent=0, failed=0", "outbox") == "aucun courriel à envoyer"
    assert job_outcome("sent=1, failed=0, pending=0", "itop_writeback") == (
        "1 écriture faite, 0 reportée, 0 en attente"
    )
    assert job_outcome("day=2026-11-28, open=60", "snapshot") == (
        "photo du 28/11/2026, 60 tickets ouverts"
    )
    assert job_outcome("model=20261128T1000, kind=svm", "retrain") == (
        "modèle 20261128T1000 (SVM linéaire calibré)"
    )
    assert job_outcome("write-back désactivé", "itop_writeback") == (
        "écriture dans iTop désactivée"
    )
    french = "modèle 2026, 530 tickets, exactitude 95,1 %"
    assert job_outcome(french, "retrain_request") == french  # already words: kept
    assert job_outcome("erreur : ItopError: refus", "poll") == "erreur : ItopError: refus"


def test_listing_errors_in_french():
    assert query_error("page must be an integer") == "Le numéro de page doit être un nombre entier."
    assert query_error("per_page must be between 1 and 200") == (
        "Le nombre de tickets par page doit être entre 1 et 200."
    )
    assert query_error("overdue must be true or false").startswith("Le filtre « en retard »")
    assert query_error("team must be one of SI2C, DRASI") == (
        "File inconnue : choisissez un des onglets."
    )
    assert query_error("something else") == "Paramètre de recherche invalide."
