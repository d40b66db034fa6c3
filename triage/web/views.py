"""Pages: login, the queue, a ticket and its requalification."""

import logging
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from triage.auth import client_ip, sign_in, sign_out
from triage.config import get_settings
from triage.db import get_session
from triage.models import TEAMS, Team, utcnow
from triage.services import desk
from triage.services import tickets as ticket_service
from triage.services.completeness import completeness
from triage.services.completeness_request import request_of
from triage.services.requalify import can_requalify, requalify
from triage.services.routing import explanation_of
from triage.services.tab_counts import ALL_TAB, SOON_TAB, tab_page
from triage.services.teams import UnknownTeam
from triage.services.throttle import LoginThrottled
from triage.services.users import authenticate
from triage.web.blueprint import bp
from triage.web.labels import query_error
from triage.web.live import queue_args

log = logging.getLogger(__name__)

TABS = (
    (Team.SI2C, "SI2C"),
    (Team.DRASI, "DRASI"),
    (Team.NATIONAL, "National"),
    (ticket_service.TRIAGE_TAB, "À trier"),
    (SOON_TAB, "Bientôt en retard"),
    (ALL_TAB, "Toutes"),
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
    try:
        user = authenticate(
            session=get_session(),
            login=request.form.get("login", ""),
            password=request.form.get("password", ""),
            ip=client_ip(),
        )
    except LoginThrottled as exc:
        return _throttled(exc)
    if user is None:
        log.info("failed login for %r from %s", request.form.get("login", ""), client_ip())
        flash("Identifiant ou mot de passe incorrect.", "error")
        return render_template(
            "login.html", next=request.form.get("next", ""), login=request.form.get("login", "")
        ), 401
    sign_in(user)
    return redirect(_safe_next(request.form.get("next")))


def _throttled(exc: LoginThrottled):
    """429: this login from this address waits (another address is not concerned)."""
    log.warning("throttled login for %r from %s", request.form.get("login", ""), client_ip())
    flash(
        "Trop de tentatives pour cet identifiant depuis ce poste : réessayez dans "
        f"{exc.retry_after_seconds} seconde(s), ou demandez à un administrateur de débloquer "
        "le compte.",
        "error",
    )
    page = render_template(
        "login.html", next=request.form.get("next", ""), login=request.form.get("login", "")
    )
    return page, 429, {"Retry-After": str(exc.retry_after_seconds)}


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Sign out (POST, with CSRF); GET shows the button."""
    if request.method == "GET":
        return render_template("logout.html")
    sign_out()  # every session of this user ends, a copied cookie too
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("web.login"))


def _default_tab() -> str:
    team = current_user.team
    # supervisors and admins have no queue of their own: every open ticket, oldest first
    return team if team in TEAMS else ALL_TAB


def _live_url(tab: str, after: int) -> str:
    """Where the page asks what arrived after ticket ``after`` (read in the listing's own
    statement, so that a ticket arriving after it is announced, never missed), with its
    filters."""
    keep = {k: v for k, v in request.args.items() if k not in ("page", "team")}
    return url_for("web.live_queue", **keep, team=tab, after=after)


def _queue_query() -> tuple[str, ticket_service.TicketQuery]:
    """The tab asked for (the user's queue by default) and the listing it shows."""
    tab, args = queue_args(request.args, default_tab=_default_tab())
    args.setdefault("per_page", "25")
    try:
        return tab, ticket_service.parse_query(args, allow_triage_tab=True)
    except ticket_service.InvalidQuery as exc:
        abort(400, query_error(exc))  # the API keeps its English message; the page is French


@bp.get("/")
def queue():
    """The triage queue: one tab per team, "À trier", search, overdue filter, pages."""
    tab, query = _queue_query()
    now = utcnow()
    settings = get_settings()
    session_db = get_session()
    try:
        page, counts = tab_page(
            session=session_db, settings=settings, tab=tab, query=query, now=now,
            columns=ticket_service.QUEUE_COLUMNS,
        )
    except ticket_service.InvalidQuery as exc:
        abort(400, query_error(exc))
    items = [(t, ticket_service.queue_row(t, settings=settings, now=now)) for t in page.items]
    pages = max(1, -(-page.total // query.per_page))
    return render_template(
        "queue.html",
        items=items,
        ticket_path=url_for("web.ticket", ref="~").removesuffix("~"),  # one url_for per page
        total=page.total,
        total_exact=page.total_exact,
        query=query,
        tab=tab,
        tabs=TABS,
        pages=pages,
        counts=counts,
        teams=TEAMS,
        can_bulk=current_user.role in ("agent", "supervisor", "admin"),
        live_url=_live_url(tab, page.newest),
        warning_days=settings.warning_days,
        escalation_days=settings.escalation_days,
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
        completeness_request=request_of(session=session_db, ticket=found),
        explanation=explanation,
        explain_error=explain_error,
        can_requalify=can_requalify(current_user, found),
        can_take=desk.can_take(current_user, found),
        undoable=desk.undoable(session=session_db, ticket=found, actor=current_user.login),
        suggested=desk.suggested_team(found),
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
