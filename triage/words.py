"""French words for what triage stores in English, shared by the pages and the e-mails
(no Flask here: the mail module and the services use it too)."""

# iTop's UserRequest statuses, as iTop's own French interface names them
STATUS_LABELS = {
    "new": "Nouveau",
    "escalated_tto": "Escaladé (délai de prise en charge)",
    "assigned": "Affecté",
    "escalated_ttr": "Escaladé (délai de résolution)",
    "waiting_for_approval": "En attente d'approbation",
    "approved": "Approuvé",
    "rejected": "Rejeté",
    "pending": "En attente",
    "resolved": "Résolu",
    "closed": "Fermé",
    "dispatched": "Transmis",
    "redispatched": "Retransmis",
}
# who recorded a team decision: a person's login, or one of triage's own parts
ACTOR_LABELS = {
    "router": "Routeur",
    "itop": "iTop",
    "scheduler": "Planificateur",
    "escalation": "Escalade",
    "triage": "triage",
}
# the queues as people name them
TEAM_WORDS = {
    "SI2C": "SI2C",
    "DRASI": "DRASI",
    "NATIONAL": "National",
    "UNASSIGNED": "Non attribué",
}
# iTop's priority and urgency scales (1 is the highest), and its request origins
PRIORITY_LABELS = {"1": "critique", "2": "haute", "3": "moyenne", "4": "basse"}
ORIGIN_LABELS = {
    "portal": "portail",
    "mail": "courriel",
    "phone": "téléphone",
    "monitoring": "supervision",
    "in_person": "en personne",
    "chat": "messagerie",
}
