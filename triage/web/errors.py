"""The French error pages of the web app (the API answers JSON: ``triage.api.errors``)."""

import logging

from flask import current_app, render_template

log = logging.getLogger(__name__)

FRENCH = {
    400: "Requête invalide.",
    401: "Authentification requise.",
    403: "Vous n'avez pas le droit de faire cela.",
    404: "Page introuvable.",
    405: "Méthode non autorisée.",
    413: "Requête trop volumineuse : le texte envoyé dépasse la taille acceptée.",
    429: "Trop de tentatives : patientez un moment avant de recommencer.",
    500: "Erreur interne : l'incident est enregistré.",
    503: "Service momentanément indisponible : réessayez dans quelques instants.",
}

DATABASE_DOWN = (
    "La base de données ne répond pas. Réessayez dans quelques instants ; si cela dure, "
    "prévenez l'administrateur (l'incident est enregistré)."
)


def french_message(status: int) -> str:
    """The French sentence of a status ("" when there is none)."""
    return FRENCH.get(status, "")


def html_error(status: int, message: str):
    """The error page (the site's layout), or a bare French line if even that fails."""
    try:
        return render_template("error.html", status=status, message=message), status
    except Exception:  # noqa: BLE001 - an error page must not fail in turn
        log.exception("error page could not be drawn")
        return f"Erreur {status} : {message}", status


def standalone_page(status: int, title: str, message: str):
    """A page that needs neither the database nor a signed-in user (database down, no
    secret key): drawn without Flask's context processors, since Flask-Login's asks the
    database who is signed in."""
    template = current_app.jinja_env.get_template("unavailable.html")
    return template.render(title=title, message=message), status


def database_down_page():
    """The 503 page shown while the database does not answer."""
    return standalone_page(503, "Service momentanément indisponible", DATABASE_DOWN)


def secret_key_page(message: str):
    """The 503 page of an instance without a secret key."""
    return standalone_page(503, "Configuration incomplète", message)
