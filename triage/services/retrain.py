"""Retraining on request: the admin page records a request, the scheduler runs it.

Training takes seconds to minutes, longer than a web request may last (and a web worker
must not run jobs), so the "Réentraîner" button only writes the ``RetrainRequest`` row
"router"; the scheduler's ``retrain_request`` job claims it with an atomic UPDATE, trains,
and writes the result or the error on the same row. One request at a time: a pending or
running request refuses another.
"""

import datetime as dt
import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from triage.config import Settings
from triage.models import RetrainRequest, utcnow

log = logging.getLogger(__name__)

NAME = "router"
ACTIVE = ("pending", "running")
# a run that started this long ago without finishing was cut short (scheduler killed)
ABANDONED_AFTER = dt.timedelta(hours=1)


class RetrainAlreadyRequested(RuntimeError):
    """A request is already pending or running."""

    def __init__(self, request: RetrainRequest):
        super().__init__(f"retraining already {request.status} ({request.requested_by})")
        self.request = request


def retrain_status(*, session: Session) -> RetrainRequest | None:
    """The latest request (pending, running, done or failed), None if there never was one."""
    return session.get(RetrainRequest, NAME)


def _abandoned(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        RetrainRequest.status == "running", RetrainRequest.started_at < now - ABANDONED_AFTER
    )


def request_retrain(*, session: Session, actor: str) -> RetrainRequest:
    """Record a retrain request by ``actor``; commits. Raises RetrainAlreadyRequested."""
    now = utcnow()
    values = dict(
        status="pending",
        requested_by=actor[:128],
        requested_at=now,
        started_at=None,
        finished_at=None,
        outcome="",
        error=None,
    )
    # a conditional UPDATE, so two admins clicking together cannot both win
    done = session.execute(
        sa.update(RetrainRequest)
        .where(RetrainRequest.name == NAME)
        .where(sa.or_(RetrainRequest.status.not_in(ACTIVE), _abandoned(now)))
        .values(**values)
    ).rowcount
    if not done:
        existing = session.get(RetrainRequest, NAME)
        if existing is not None:
            session.rollback()
            raise RetrainAlreadyRequested(existing)
        session.add(RetrainRequest(name=NAME, **values))
        try:
            session.commit()
        except IntegrityError:  # created by someone else at the same moment
            session.rollback()
            raise RetrainAlreadyRequested(session.get(RetrainRequest, NAME)) from None
    else:
        session.commit()
    session.expire_all()
    log.info("retraining requested by %s", actor)
    return session.get(RetrainRequest, NAME)


def _claim(session: Session, now: dt.datetime) -> bool:
    """Move the pending request to "running"; True when this process won it."""
    claimed = session.execute(
        sa.update(RetrainRequest)
        .where(RetrainRequest.name == NAME)
        .where(sa.or_(RetrainRequest.status == "pending", _abandoned(now)))
        .values(status="running", started_at=now, finished_at=None, error=None)
    ).rowcount
    session.commit()
    return bool(claimed)


def _summary(card: dict) -> str:
    cv = card.get("cv") or {}
    data = card.get("data") or {}
    parts = [f"modèle {card.get('version', '?')}"]
    if data.get("tickets") is not None:
        parts.append(f"{data['tickets']} tickets")
    if cv.get("model_accuracy") is not None:
        parts.append(f"exactitude {cv['model_accuracy'] * 100:.1f} %".replace(".", ","))
    return ", ".join(parts)


def process_retrain_request(
    *, session: Session, settings: Settings, train: Callable[..., dict] | None = None
) -> str:
    """Run the pending request, if any (the scheduler's job); the outcome in a few words.

    ``train`` defaults to ``triage.services.training.train``. A training error is written
    on the request and raised again, so the job's run records it too.
    """
    if not _claim(session, utcnow()):
        return "aucune demande"
    request = session.get(RetrainRequest, NAME)
    log.info("retraining requested by %s: starting", request.requested_by)
    if train is None:
        from triage.services.training import train
    try:
        card = train(session=session, settings=settings)
    except Exception as exc:
        session.rollback()
        _finish(session, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    outcome = _summary(card)
    _finish(session, status="done", outcome=outcome)
    return outcome


def _finish(session: Session, *, status: str, outcome: str = "", error: str | None = None) -> None:
    request = session.get(RetrainRequest, NAME)
    session.refresh(request)
    request.status = status
    request.finished_at = utcnow()
    request.outcome = outcome[:2000]
    request.error = error[:4000] if error else None
    session.add(request)
    session.commit()
