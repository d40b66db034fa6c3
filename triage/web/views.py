"""Pages: login, the queue, a ticket and its requalification."""

import logging
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from triage.auth import client_ip, principal_for
from triage.config import get_settings
from triage.db import get_session
from triage.models import QUEUES, TEAMS, Team, utcnow
from triage.services import tickets as ticket_service
from triage.services.completeness import completeness
from triage.services.requalify import can_requalify, requalify
from triage.services.routing import explanation_of
from triage.services.teams import UnknownTeam
from triage.services.users import authenticate
from triage.web.blueprint import bp
from triage.web.labels import query_error

log = logging.getLogger(__name__)

TABS = (
    (Team.SI2C, "SI2C"),
    (Team.DRASI, "DRASI"),
    (Team.NATIONAL, "National"),
    (ticket_service.TRIAGE_TAB, "À trier"),
    ("ALL", "Toutes"),
)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would help phishing."""
    if not target:
        return url_for("web.queue")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.queue")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form."""
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("web.queue"))
        return render_template("login.html", next=request.args.get("next", ""))
    user = authenticate(
        session=get_session(),
        login=request.form.get("login", ""),
        password=request.form.get("password", ""),
        ip=client_ip(),
    )
    if user is None:
        log.info("failed login for %r from %s", request.form.get("login", ""), client_ip())
        flash(
            "Identifiant ou mot de passe incorrect (ou compte momentanément verrouillé "
            "après plusieurs échecs).",
            "error",
        )
        return render_template(
            "login.html", next=request.form.get("next", ""), login=request.form.get("login", "")
        ), 401
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(principal_for(user))
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Sign out (POST, with CSRF); GET shows the button."""
    if request.method == "GET":
        return render_template("logout.html")
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("web.login"))


def _default_tab() -> str:
    team = current_user.team
    # supervisors and admins have no queue of their own: every open ticket, oldest first
    return team if team in TEAMS else "ALL"


def _counts(session_db, settings, q: str = "") -> dict[str, int]:
    """Open tickets per tab (found by the search, if any); "Toutes" is every queue together."""
    counts = ticket_service.queue_counts(session=session_db, settings=settings, q=q)
    counts["ALL"] = sum(counts.get(queue, 0) for queue in QUEUES)
    return counts


@bp.get("/")
def queue():
    """The triage queue: one tab per team, "À trier", search, overdue filter, pages."""
    args = request.args.to_dict()
    tab = (args.get("team") or _default_tab()).upper()
    args["team"] = "" if tab == "ALL" else tab
    args.setdefault("per_page", "25")
    try:
        query = ticket_service.parse_query(args, allow_triage_tab=True)
    except ticket_service.InvalidQuery as exc:
        abort(400, query_error(exc))  # the API keeps its English message; the page is French
    now = utcnow()
    settings = get_settings()
    session_db = get_session()
    try:
        page = ticket_service.ticket_page(
            session=session_db, settings=settings, query=query, now=now
        )
    except ticket_service.InvalidQuery as exc:
        abort(400, query_error(exc))
    items = [(t, ticket_service.ticket_to_dict(t, settings=settings, now=now)) for t in page.items]
    pages = max(1, -(-page.total // query.per_page))
    return render_template(
        "queue.html",
        items=items,
        total=page.total,
        total_exact=page.total_exact,
        query=query,
        tab=tab,
        tabs=TABS,
        pages=pages,
        counts=_counts(session_db, settings, query.q),
    )


@bp.get("/tickets/<ref>")
def ticket(ref: str):
    """A ticket: description, routing and explanation, completeness, history, requalify."""
    session_db = get_session()
    found = ticket_service.get_ticket(session=session_db, ref=ref)
    if found is None:
        abort(404)
    now = utcnow()
    explanation, explain_error = explanation_of(ticket=found, settings=get_settings())
    return render_template(
        "ticket.html",
        ticket=found,
        data=ticket_service.ticket_to_dict(found, settings=get_settings(), now=now),
        history=ticket_service.history(session=session_db, ticket=found),
        escalations=ticket_service.escalations(session=session_db, ticket=found),
        events=ticket_service.events(session=session_db, ticket=found),
        durations=ticket_service.team_durations(session=session_db, ticket=found, now=now),
        checklist=completeness(found),
        explanation=explanation,
        explain_error=explain_error,
        can_requalify=can_requalify(current_user, found),
        teams=TEAMS,
    )


@bp.post("/tickets/<ref>/requalify")
def requalify_ticket(ref: str):
    """The requalify form: move the ticket, then show it."""
    session_db = get_session()
    found = ticket_service.get_ticket(session=session_db, ref=ref)
    if found is None:
        abort(404)
    if not can_requalify(current_user, found):
        abort(403)
    team = request.form.get("team", "")
    try:
        requalify(
            session=session_db,
            settings=get_settings(),
            ticket=found,
            team=team,
            actor=current_user.login,
            comment=request.form.get("comment", ""),
        )
    except UnknownTeam:
        session_db.rollback()
        abort(400, "Équipe inconnue.")
    flash(f"Ticket {found.ref} requalifié vers {found.team}.", "success")
    return redirect(url_for("web.ticket", ref=found.ref))
