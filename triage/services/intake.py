"""Requests received by phone, e-mail or visio, created in iTop so that every channel counts.

The form's values are checked (French errors, nothing queued on any), then one ``core/create``
of a UserRequest is queued in the one outgoing queue (``writeback.enqueue_create``): the
push sends it once (an unanswered try is looked for in iTop before another). The next sync
brings the new ticket in like any other, and the router reads its prefix.
"""

import datetime as dt
import html
from dataclasses import dataclass

from sqlmodel import Session, select

from triage.config import Settings
from triage.models import ROUTABLE_TEAMS, ItopWrite, utcnow
from triage.services import writeback

# channel -> (iTop origin, French words); iTop has no "visio" origin: a call it is
CHANNELS = {
    "phone": ("phone", "par téléphone"),
    "mail": ("mail", "par courriel"),
    "visio": ("phone", "en visio"),
}
SOURCE = "intake"
MAX_TITLE = 200
MAX_TEXT = 10_000


class IntakeError(ValueError):
    """The form was refused; ``errors``: field -> French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Intake:
    """A checked request."""

    channel: str
    team: str
    organization: str
    caller: str
    title: str
    description: str


def _text(form, name: str) -> str:
    return " ".join(str(form.get(name) or "").split()) if name != "description" else (
        str(form.get(name) or "").strip())  # fmt: skip


def check_intake(form) -> Intake:
    """The request of the form's values, or IntakeError listing every problem."""
    values = {name: _text(form, name) for name in
              ("channel", "team", "organization", "caller", "title", "description")}  # fmt: skip
    errors = {}
    if values["channel"] not in CHANNELS:
        errors["channel"] = "Choisissez le canal : téléphone, courriel ou visio."
    if values["team"] not in ROUTABLE_TEAMS:
        errors["team"] = "Choisissez l'équipe destinataire : SI2C ou DRASI."
    if not values["organization"]:
        errors["organization"] = "Indiquez l'établissement."
    if not values["caller"]:
        errors["caller"] = "Indiquez le demandeur (prénom et nom, tel qu'il est dans iTop)."
    if not values["title"]:
        errors["title"] = "Indiquez le titre de la demande."
    elif len(values["title"]) > MAX_TITLE:
        errors["title"] = f"Le titre est trop long ({MAX_TITLE} caractères au plus)."
    if not values["description"]:
        errors["description"] = "Décrivez la demande."
    elif len(values["description"]) > MAX_TEXT:
        errors["description"] = "La description est trop longue (10 000 caractères au plus)."
    if errors:
        raise IntakeError(errors)
    return Intake(**values)


def itop_fields(intake: Intake, *, settings: Settings, actor: str, now: dt.datetime) -> dict:
    """The ``core/create`` fields of a checked request."""
    origin, words = CHANNELS[intake.channel]
    received = now.astimezone(settings.tz).strftime("%d/%m/%Y à %H:%M")
    body = "".join(
        f"<p>{html.escape(line)}</p>" for line in intake.description.splitlines() if line.strip()
    )
    return {
        "title": f"{intake.team} - {intake.title}",
        "description": f"<p>Demande reçue {words} le {received}, saisie par {html.escape(actor)}"
        f" (demandeur : {html.escape(intake.caller)}).</p>{body}",
        "origin": origin,
        "org_id": {"name": intake.organization},
        "caller_id": {"friendlyname": intake.caller},
        "service_id": {"name": settings.itop_service},
    }


def queue_intake(*, session: Session, settings: Settings, form, actor: str) -> ItopWrite:
    """Check the form and queue the request's creation in iTop (one transaction)."""
    if not settings.itop_writeback:
        raise IntakeError({"": "L'écriture vers iTop est désactivée (TRIAGE_ITOP_WRITEBACK) : "
                                "la demande ne peut pas être créée."})  # fmt: skip
    intake = check_intake(form)
    fields = itop_fields(intake, settings=settings, actor=actor, now=utcnow())
    write = writeback.enqueue_create(session=session, settings=settings, fields=fields,
                                     source=SOURCE)  # fmt: skip
    session.commit()
    return write


def recent_intakes(*, session: Session, limit: int = 10) -> list[ItopWrite]:
    """The latest requests entered here, newest first, with their state in the queue."""
    return list(
        session.exec(
            select(ItopWrite)
            .where(ItopWrite.kind == "create", ItopWrite.source == SOURCE)
            .order_by(ItopWrite.created_at.desc(), ItopWrite.id.desc())
            .limit(limit)
        )
    )
