"""The admin page: users, API tokens, sync and jobs status, the model, the outbox."""

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from triage.auth import role_required
from triage.config import get_settings
from triage.db import get_session
from triage.models import TEAMS, ApiToken, ItopWrite, OutboxMessage, User
from triage.services import outgoing, throttle
from triage.services import retrain as retrain_service
from triage.services import users as user_service
from triage.services.outbox import outbox_counts
from triage.services.replay import last_replay
from triage.services.status import jobs_status, sync_status
from triage.services.training import current_card
from triage.web.blueprint import bp
from triage.web.filters import local_time
from triage.web.model_card import card_facts

log = logging.getLogger(__name__)


def _model_card() -> tuple[dict | None, str | None]:
    try:
        card = current_card(settings=get_settings())
    except Exception as exc:  # noqa: BLE001 - the page must show anyway
        log.warning("model card unreadable: %s", exc)
        return None, "La fiche du modèle est illisible."
    if card is None:
        return None, "Aucun modèle entraîné pour l'instant."
    return dict(card), None


def _outbox(session) -> dict:
    counts = outbox_counts(session=session)
    latest = session.exec(
        select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(10)
    ).all()
    problems = outgoing.problems(session=session, model=OutboxMessage)
    return {"counts": counts, "latest": latest, "problems": problems}


def _itop_writes(session) -> dict:
    counts = outgoing.counts_by_status(session=session, model=ItopWrite)
    return {"counts": counts, "problems": outgoing.problems(session=session, model=ItopWrite)}


QUEUE_MODELS = {"mail": (OutboxMessage, "sent"), "itop": (ItopWrite, "done")}


def _scheduler_answers(jobs) -> bool:
    """Whether the scheduler's retrain_request job ran lately (else a request would wait)."""
    if not isinstance(jobs, list):
        return False
    return any(j["job_id"] == "retrain_request" and not j["stale"] for j in jobs)


def _render(new_token: str | None = None, token_owner: str | None = None):
    session = get_session()
    card, card_error = _model_card()
    jobs = jobs_status(session=session)
    return render_template(
        "admin.html",
        users=user_service.list_users(session=session),
        throttled=throttle.waiting_logins(session=session),
        tokens=user_service.list_tokens(session=session),
        sync=sync_status(session=session, settings=get_settings()),
        jobs=jobs,
        scheduler_answers=_scheduler_answers(jobs),
        card=card,
        card_facts=card_facts(card) if card else [],
        card_error=card_error,
        outbox=_outbox(session),
        itop_writes=_itop_writes(session),
        replay=last_replay(session=session),
        retrain=retrain_service.retrain_status(session=session),
        new_token=new_token,
        token_owner=token_owner,
        roles=user_service.ROLES,
        teams=TEAMS,
    )


@bp.get("/admin")
@role_required("admin")
def admin():
    """The admin page."""
    return _render()


@bp.post("/admin/users")
@role_required("admin")
def admin_create_user():
    """Create an account."""
    form = request.form
    try:
        user = user_service.create_user(
            session=get_session(),
            login=form.get("login", ""),
            password=form.get("password", ""),
            role=form.get("role", ""),
            team=form.get("team") or None,
        )
    except user_service.AccountError as exc:
        flash(f"Compte non créé : {exc}", "error")
        return redirect(url_for("web.admin"))
    flash(f"Compte {user.login} créé.", "success")
    return redirect(url_for("web.admin"))


@bp.post("/admin/users/<int:user_id>/active")
@role_required("admin")
def admin_set_active(user_id: int):
    """Deactivate (and revoke its tokens) or reactivate an account."""
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    active = request.form.get("active") == "1"
    if not active and user.id == current_user.id:
        flash("Vous ne pouvez pas désactiver votre propre compte.", "error")
        return redirect(url_for("web.admin"))
    user_service.set_active(session=session, user=user, active=active)
    flash(f"Compte {user.login} {'réactivé' if active else 'désactivé'}.", "success")
    return redirect(url_for("web.admin"))


@bp.post("/admin/tokens")
@role_required("admin")
def admin_create_token():
    """Create a token: shown once, in this response only (never stored in the session)."""
    session = get_session()
    user = session.get(User, request.form.get("user_id", type=int) or 0)
    if user is None or not user.active:
        abort(400, "Compte inconnu ou désactivé.")
    token = user_service.create_token(session=session, user=user, name=request.form.get("name", ""))
    return _render(new_token=token, token_owner=user.login)


@bp.post("/admin/tokens/<int:token_id>/revoke")
@role_required("admin")
def admin_revoke_token(token_id: int):
    """Revoke a token."""
    if get_session().get(ApiToken, token_id) is None:
        abort(404)
    if user_service.revoke_token(session=get_session(), token_id=token_id):
        flash("Jeton révoqué.", "success")
    return redirect(url_for("web.admin"))


@bp.post("/admin/retrain")
@role_required("admin")
def admin_retrain():
    """Ask the scheduler to retrain the router (training is too long for a web request)."""
    try:
        retrain_service.request_retrain(session=get_session(), actor=current_user.login)
    except retrain_service.RetrainAlreadyRequested as exc:
        flash(
            f"Un réentraînement est déjà demandé (par {exc.request.requested_by}, "
            f"{local_time(exc.request.requested_at)}).",
            "info",
        )
        return redirect(url_for("web.admin"))
    flash(
        "Réentraînement demandé : le planificateur (triage scheduler) le lance dans la minute.",
        "success",
    )
    return redirect(url_for("web.admin"))


@bp.post("/admin/queue/<kind>/retry")
@role_required("admin")
def admin_queue_retry(kind: str):
    """Retry the refused and failing e-mails (``mail``) or iTop writes (``itop``) now."""
    if kind not in QUEUE_MODELS:
        abort(404)
    row_id = request.form.get("id", type=int)
    count = outgoing.retry(
        session=get_session(), model=QUEUE_MODELS[kind][0], ids=[row_id] if row_id else None
    )
    what = "courriel(s)" if kind == "mail" else "écriture(s) iTop"
    flash(f"{count} {what} remis en file : ils partent au prochain passage.", "success")
    return redirect(url_for("web.admin"))


@bp.post("/admin/queue/<kind>/<int:row_id>/settle")
@role_required("admin")
def admin_queue_settle(kind: str, row_id: int):
    """An uncertain message: it did arrive (``arrived=1``), or send it again."""
    if kind not in QUEUE_MODELS:
        abort(404)
    model, done = QUEUE_MODELS[kind]
    arrived = request.form.get("arrived") == "1"
    if outgoing.settle_uncertain(
        session=get_session(), model=model, row_id=row_id, delivered=arrived, done=done
    ):
        flash("Marqué comme reçu." if arrived else "Remis en file pour un nouvel envoi.", "success")
    return redirect(url_for("web.admin"))
