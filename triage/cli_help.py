"""The French help of the ``triage`` commands (what administrators read), apart from the
commands so that cli.py stays about what they do."""

CLASSIFY = """Classe des lignes JSON (FICHIER ou entrée standard) : une réponse par ligne,
dans le même ordre.

\b
Une ligne en entrée (id facultatif, description en texte ou en HTML) :
  {"id": 1, "title": "SI2C - mandat rejeté", "description": "Le mandat est rejeté."}
Une ligne en sortie :
  {"id": 1, "team": "SI2C", "confidence": 0.93, "prefix": "SI2C", "requalify": false,
   "source": "prefix+model", ...}

team null : pas assez sûr, laissé à un agent ; requalify true : le préfixe tapé est
probablement faux. Une ligne illisible donne une ligne d'erreur {"line": N, "error": ...,
"message": ...} à sa place, et la suite continue.

\b
Exemple :
  echo '{"title": "Connexion impossible", "description": "mot de passe refusé"}' \\
    | triage classify"""

HELP = {
    "init-db": "Crée ou met à niveau le schéma de la base, la clé secrète et un premier "
    "modèle (sans risque à relancer).",
    "stats": "Affiche le tableau des demandes : toutes, en cours, en cours depuis plus du "
    "seuil, par file.",
    "poll": "Une relève iTop maintenant ; affiche ce qu'elle a lu, créé et mis à jour.",
    "train": "Réentraîne le routeur sur le corpus livré et les requalifications des agents.",
    "evaluate": "Mesure le routeur (et le routage par le seul préfixe) sur des lignes JSON "
    "étiquetées.",
    "escalate": "Un contrôle des âges maintenant (avertissements, escalades), puis envoie les "
    "courriels en attente.",
    "writeback": "Envoie maintenant les écritures iTop en attente (même celles qui attendent "
    "leur nouvel essai) ; affiche les comptes.",
    "replay": "Route de nouveau, sans rien écrire, les tickets dispatchés à la main dans "
    "iTop ; affiche l'accord.",
    "scheduler": "Fait tourner les tâches planifiées jusqu'à SIGTERM/SIGINT (relève, âges, "
    "courriels, photos).",
    "create-user": "Crée un compte ; le mot de passe est lu sur l'entrée standard (ou "
    "demandé).",
    "create-token": "Affiche un nouveau jeton d'API pour ce compte (une seule fois : seule son "
    "empreinte est gardée).",
    "classify": CLASSIFY,
    "escalate --digest": "Mise en service sur un stock réel : un seul courriel au niveau "
    "national liste d'abord les demandes transférées ; le courriel de chacune part 15 min plus "
    "tard.",
    "import-schools": "Importe les données de déploiement des établissements (CSV : UAI, nom, "
    "vague, kit (%), budget (oui/non)[, commune, organisation iTop]). Tout ou rien : une seule "
    "ligne fausse et rien n'est importé ; un établissement déjà connu est mis à jour.",
    "completeness": "Mesure, sans rien écrire, combien de demandes recevraient la demande de "
    "complément (éléments manquants de la fiche).",
}
