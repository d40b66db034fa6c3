"""Routing of new tickets and the ``classify`` service (prefix reader + model + policy)."""

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session

from classifiers.cards import ModelError
from classifiers.corpus import CorpusError
from classifiers.policy import Decision
from classifiers.prefix import read_prefix
from classifiers.reasons import Explanation
from classifiers.text import strip_html
from triage.config import Settings
from triage.models import RoutingDecision, Team, Ticket, utcnow
from triage.services import writeback
from triage.services.teams import set_team
from triage.services.training import get_router

log = logging.getLogger(__name__)

BATCH = 2000


@dataclass(frozen=True)
class Routed:
    """The router's answer for one ticket: prefix read, decision, model, and why."""

    prefix: str | None
    decision: Decision
    version: str | None = None
    explanation: Explanation | None = None


def _decide_many(settings: Settings, texts: list[tuple[str, str]]) -> list[Routed]:
    """The router's answer per (title, description); the prefix alone without a model."""
    if not texts:
        return []
    try:
        router = get_router(settings)
    except (ModelError, CorpusError, OSError, ValueError) as exc:
        # a missing model must not stop the ingest: fall back to today's prefix routing
        log.error("router unavailable, routing by prefix only: %s", exc)
        return [_prefix_only(title) for title, _ in texts]
    return [
        Routed(prefix, decision, router.version, explanation)
        for prefix, decision, explanation in router.decide_explained_many(texts)
    ]


def _prefix_only(title: str) -> Routed:
    prefix = read_prefix(title).team
    decision = Decision(
        prefix,
        0.75 if prefix else 0.0,
        "prefix",
        False,
        True,
        "préfixe du titre (modèle indisponible)",
    )
    return Routed(prefix, decision)


# what routing writes on a ticket (the team and its source through set_team)
ROUTED_COLUMNS = (
    "prefix", "confidence", "needs_review", "requalify_suggested", "routed_at", "explanation",
    "team", "team_source",
)


def _routable(ticket: Ticket) -> bool:
    # a team set in iTop or by an agent is never overridden
    return ticket.team == Team.UNASSIGNED and ticket.team_source is None


def route_tickets(
    *, session: Session, tickets: Sequence[Ticket], settings: Settings
) -> list[RoutingDecision | None]:
    """Route the tickets of a batch that have no team yet, in one model call (no commit).

    Same rules as ``route_ticket``; one answer per ticket, in order (None: not routed, or
    left to a human). Each team given is queued for iTop (write-back on) with a French log
    entry saying what decided and why.
    """
    todo = [ticket for ticket in tickets if _routable(ticket)]
    decided = _decide_many(settings, [_text(t.title, t.description, t.description_html)
                                      for t in todo])  # fmt: skip
    answers = {
        id(ticket): _apply(session, settings, ticket, routed)
        for ticket, routed in zip(todo, decided, strict=True)
    }
    return [answers.get(id(ticket)) for ticket in tickets]


def route_values(*, settings: Settings, rows: Sequence[dict]) -> list[Routed]:
    """The router's answers for new tickets not written yet (their columns' values), in one
    model call: what ``route_tickets`` would decide once they are."""
    return _decide_many(
        settings, [_text(r["title"], r["description"], r["description_html"]) for r in rows]
    )


def _text(title: str | None, description: str | None, html: str | None) -> tuple[str, str]:
    return title or "", description or strip_html(html or "")


def _apply(
    session: Session, settings: Settings, ticket: Ticket, routed: Routed
) -> RoutingDecision | None:
    """Record a routing decision on a ticket (the team through ``set_team``), queue its write."""
    decision = routed.decision
    for name, value in routed_columns(routed).items():
        setattr(ticket, name, value)
    for name in ROUTED_COLUMNS:  # the same UPDATE for every routed ticket: one executemany
        flag_modified(ticket, name)
    if decision.team is None:
        session.add(ticket)
        return None
    recorded = set_team(
        session=session,
        ticket=ticket,
        team=decision.team,
        source=decision.source,
        actor="router",
        reason=decision.reason,
        confidence=ticket.confidence,
        model_version=routed.version,
    )
    writeback.enqueue(
        session=session,
        settings=settings,
        ticket=ticket,
        team=decision.team,
        log_entry=routing_log_entry(routed, settings),
        source=decision.source,
    )
    return recorded


def routed_columns(routed: Routed) -> dict:
    """What the router's answer writes on its ticket, but the team (``set_team``'s)."""
    decision = routed.decision
    return {
        "prefix": routed.prefix,
        "confidence": round(decision.confidence, 4),
        "needs_review": decision.needs_review,
        "requalify_suggested": decision.requalify,
        "routed_at": utcnow(),
        "explanation": stored_explanation(routed.explanation),
    }


def stored_explanation(explanation: Explanation | None) -> dict | None:
    """What a ticket keeps of its routing explanation (JSON): the sentence and the facts."""
    return explanation.stored() if explanation is not None else None


def routing_log_entry(routed: Routed, settings: Settings) -> str:
    """The French private-log entry of a router decision: what decided, how sure, which words."""
    decision = routed.decision
    team = settings.itop_team_of_queue(decision.team) or decision.team
    why = routed.explanation.sentence if routed.explanation else decision.reason
    return f"triage : ticket confié à l'équipe {team}. {why}".strip()


def explanation_of(*, ticket: Ticket, settings: Settings) -> tuple[dict | None, str | None]:
    """How the router reads a ticket, for its page: the explanation stored when it was routed,
    else the model's reading now (never building a model); or why there is none."""
    if ticket.explanation:
        return {**ticket.explanation, "stored": True}, None
    try:
        line = classify(
            settings=settings, title=ticket.title, description=ticket.description, explain=True
        )
    except Exception as exc:  # noqa: BLE001 - e.g. no model trained: the page still shows
        log.warning("classify failed for %s: %s", ticket.ref, exc)
        return None, "Le classifieur n'a pas pu lire ce ticket (modèle absent ?)."
    terms = line.get("explanation_teams") or []
    return {"sentence": line.get("reason", ""), "terms": terms, "stored": False}, None


def route_ticket(*, session: Session, ticket: Ticket, settings: Settings) -> RoutingDecision | None:
    """Give a ticket that has no team yet a team, a confidence and a reason (no commit)."""
    return route_tickets(session=session, tickets=[ticket], settings=settings)[0]


def classify(*, settings: Settings, title: str, description: str, explain: bool = False) -> dict:
    """One ``triage classify`` line for a ticket, with ``explanation`` when asked (for the
    web and the API: a missing model is an error, never built inside a request)."""
    router = get_router(settings, build=False)
    item = {"id": None, "title": title, "description": description}
    return router.classify_explained(item) if explain else router.classify_many([item])[0]


def _parse(number: int, line: str) -> tuple[bool, dict]:
    """(True, input object) or (False, error object for that line)."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return False, {
            "line": number,
            "error": "invalid_json",
            "message": f"JSON illisible : {exc.msg}",
        }
    if not isinstance(item, dict):
        return False, {
            "line": number,
            "error": "invalid_ticket",
            "message": "un objet JSON est attendu",
        }
    for key in ("title", "description"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            return False, {
                "id": item.get("id"),
                "line": number,
                "error": "invalid_ticket",
                "message": f"« {key} » doit être un texte",
            }
    if not (item.get("title") or item.get("description")):
        return False, {
            "id": item.get("id"),
            "line": number,
            "error": "invalid_ticket",
            "message": "ni « title » ni « description »",
        }
    return True, item


def classify_lines(*, settings: Settings, lines: Iterable[str]) -> Iterator[dict]:
    """Classify JSON lines in batches; same order; a bad line gets an error object."""
    router = get_router(settings)
    batch: list[tuple[bool, dict]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        batch.append(_parse(number, line))
        if len(batch) >= BATCH:
            yield from _flush(router, batch)
            batch = []
    yield from _flush(router, batch)


def _flush(router, batch: list[tuple[bool, dict]]) -> Iterator[dict]:
    """Classify the good items of a batch together, keeping the order of all."""
    answers = iter(router.classify_many([item for ok, item in batch if ok]))
    for ok, item in batch:
        yield next(answers) if ok else item
