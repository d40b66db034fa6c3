"""The schools in difficulty: /etablissements (ranking, CSV), a school's page, the
"suivi particulier" form, the admin page's schools upload."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from triage.auth import role_required
from triage.config import get_settings
from triage.db import get_session
from triage.models import utcnow
from triage.services import difficulty
from triage.services import schools as school_service
from triage.services.schools import FollowUpError, SchoolImportError
from triage.web.blueprint import bp

FOLLOW_UP_ROLES = ("supervisor", "admin")
MAX_UPLOAD = 2 * 1024 * 1024


def _wave_arg() -> str | None:
    wave = (request.args.get("vague") or "").strip().upper()
    return wave or None


@bp.get("/etablissements")
def schools():
    """The schools ranked by their difficulty score, with the reasons; filter by wave."""
    session_db = get_session()
    wave = _wave_arg()
    items = difficulty.ranking(session=session_db, settings=get_settings(), wave=wave)
    return render_template(
        "schools.html",
        items=items,
        wave=wave,
        waves=school_service.waves(session=session_db),
        weights=difficulty.WEIGHTS,
        threshold=get_settings().escalation_days,
    )


@bp.get("/etablissements.csv")
def schools_csv():
    """The ranking as a CSV file (the wave filter applies)."""
    settings = get_settings()
    items = difficulty.ranking(session=get_session(), settings=settings, wave=_wave_arg())
    day = utcnow().astimezone(settings.tz).date().isoformat()
    return Response(
        difficulty.ranking_csv(items, threshold_days=settings.escalation_days),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="etablissements-{day}.csv"'},
    )


def _timeline(tickets, notes) -> list[dict]:
    """The school's story, newest first: tickets opened, escalated, resolved; follow-up."""
    events = []
    for t in tickets:
        events.append({"at": t.created_at, "what": f"Demande {t.ref} ouverte : {t.title}"})
        if t.escalated_at:
            events.append({"at": t.escalated_at, "what": f"Demande {t.ref} remontée au national"})
        if t.resolved_at:
            events.append({"at": t.resolved_at, "what": f"Demande {t.ref} résolue"})
    for n in notes:
        state = "mis en suivi particulier" if n.follow_up else "suivi particulier levé"
        note = f" : {n.note}" if n.note else ""
        events.append({"at": n.at, "what": f"{state} par {n.actor}{note}"})
    return sorted(events, key=lambda e: e["at"], reverse=True)


@bp.get("/etablissements/<uai>")
def school(uai: str):
    """One school: its tickets, its timeline, its kit and budget, its follow-up."""
    session_db = get_session()
    settings = get_settings()
    found = school_service.get_school(session=session_db, uai=uai)
    if found is None:
        abort(404)
    tickets = school_service.tickets_by_school(
        session=session_db, settings=settings, schools=[found]
    )[found.uai]
    waves = school_service.waves(session=session_db)
    assessed = difficulty.assess(
        school=found, tickets=tickets, settings=settings, newest_wave=waves[-1] if waves else None
    )
    notes = school_service.follow_up_history(session=session_db, school=found)
    return render_template(
        "school.html",
        school=found,
        tickets=tickets,
        assessed=assessed,
        notes=notes,
        timeline=_timeline(tickets, notes),
        can_follow=current_user.role in FOLLOW_UP_ROLES,
    )


@bp.post("/etablissements/<uai>/suivi")
@role_required(*FOLLOW_UP_ROLES)
def school_follow_up(uai: str):
    """Set or lift the "suivi particulier", with a note (who and when are recorded)."""
    session_db = get_session()
    found = school_service.get_school(session=session_db, uai=uai)
    if found is None:
        abort(404)
    wanted = request.form.get("suivi") == "1"
    try:
        school_service.set_follow_up(
            session=session_db, school=found, follow_up=wanted,
            note=request.form.get("note", ""), actor=current_user.login,
        )  # fmt: skip
    except FollowUpError as exc:
        session_db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("web.school", uai=found.uai)), 303
    flash("Suivi particulier enregistré." if wanted else "Suivi particulier levé.", "success")
    return redirect(url_for("web.school", uai=found.uai))


@bp.post("/admin/etablissements")
@role_required("admin")
def admin_import_schools():
    """The admin page's upload of the schools' CSV: all or nothing, errors line by line."""
    upload = request.files.get("fichier")
    if upload is None or not upload.filename:
        flash("Choisissez un fichier CSV à importer.", "error")
        return redirect(url_for("web.admin"))
    raw = upload.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        flash("Fichier trop volumineux (2 Mo au plus) : rien n'a été importé.", "error")
        return redirect(url_for("web.admin"))
    text = school_service.decode_csv(raw)
    session_db = get_session()
    try:
        result = school_service.import_schools(session=session_db, text=text)
    except SchoolImportError as exc:
        session_db.rollback()
        flash("Fichier refusé, rien n'a été importé : " + " · ".join(exc.errors[:20]), "error")
        return redirect(url_for("web.admin"))
    flash(
        f"Établissements importés : {result.created} créé(s), {result.updated} mis à jour, "
        f"{result.unchanged} inchangé(s).",
        "success",
    )
    return redirect(url_for("web.admin"))
