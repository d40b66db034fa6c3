"""SLA stopwatches of a UserRequest: TTO and TTR, their escalation deadlines, pending time.

The recorded instance has one SLA for every ticket, 24/7 (no working hours), with these
targets by priority. P3 and P4 (TTO and TTR) and the TTR of P1 and P2 are read from the
recordings' deadlines; the TTO of P1 and P2 is not in them (those tickets were assigned at
once) and is assumed here. TTO stops when the ticket leaves ``new``; TTR pauses while
``pending`` and stops at ``resolved``; a stopped or paused stopwatch has no deadline
(``""``). ``tto``, ``ttr`` and ``cumulatedpending`` count seconds, as on iTop.
"""

import datetime as dt
from typing import TYPE_CHECKING, Any

from connectors.itop.dates import ITOP_DATE_FORMAT

if TYPE_CHECKING:
    from connectors.itop.sandbox.store import SandboxStore

HOUR = 3600
SLT: dict[str, tuple[int, int]] = {  # priority -> (TTO, TTR) in seconds
    "1": (HOUR // 2, 4 * HOUR),  # TTO assumed
    "2": (HOUR, 8 * HOUR),  # TTO assumed
    "3": (2 * HOUR, 24 * HOUR),
    "4": (4 * HOUR, 48 * HOUR),
}
_DONE = ("resolved", "closed")


def _date(store: "SandboxStore", text: str) -> dt.datetime | None:
    if not text:
        return None
    naive = dt.datetime.strptime(text, ITOP_DATE_FORMAT)
    return naive.replace(tzinfo=store.tz)


def _text(store: "SandboxStore", value: dt.datetime) -> str:
    return value.astimezone(store.tz).strftime(ITOP_DATE_FORMAT)


def _targets(ticket: dict[str, Any]) -> tuple[int, int]:
    return SLT.get(str(ticket.get("priority")), SLT["4"])


def _ttr_since(store: "SandboxStore", ticket: dict[str, Any]) -> dt.datetime:
    """When the running TTR last started: worked and pending time both count from the start."""
    start = _date(store, ticket["start_date"]) or store.now()
    return start + dt.timedelta(seconds=ticket["ttr"] + ticket["cumulatedpending"])


def start(store: "SandboxStore", ticket: dict[str, Any]) -> None:
    """Deadlines of a ticket created in ``status``: TTO while new, TTR until resolved."""
    begin = _date(store, ticket["start_date"]) or store.now()
    tto, ttr = _targets(ticket)
    status = ticket["status"]
    new = status in ("new", "escalated_tto")
    running = status not in _DONE and status != "pending"
    tto_deadline = _text(store, begin + dt.timedelta(seconds=tto))
    ttr_deadline = _text(store, begin + dt.timedelta(seconds=ttr))
    ticket["tto_escalation_deadline"] = tto_deadline if new else ""
    ticket["ttr_escalation_deadline"] = ttr_deadline if running else ""


def reprioritise(store: "SandboxStore", ticket: dict[str, Any]) -> None:
    """The running stopwatches' deadlines after a change of priority."""
    tto, ttr = _targets(ticket)
    begin = _date(store, ticket["start_date"]) or store.now()
    if ticket["tto_escalation_deadline"]:
        ticket["tto_escalation_deadline"] = _text(store, begin + dt.timedelta(seconds=tto))
    if ticket["ttr_escalation_deadline"]:
        remaining = dt.timedelta(seconds=ttr - ticket["ttr"])
        ticket["ttr_escalation_deadline"] = _text(store, _ttr_since(store, ticket) + remaining)


def _stop(store: "SandboxStore", ticket: dict[str, Any], watch: str, elapsed: int) -> None:
    deadline = _date(store, ticket[f"{watch}_escalation_deadline"])
    ticket[watch] = ticket[watch] + max(0, elapsed)
    if deadline is not None and store.now() > deadline:
        ticket[f"sla_{watch}_passed"] = "yes"
    ticket[f"{watch}_escalation_deadline"] = ""


def transition(store: "SandboxStore", ticket: dict[str, Any], old: str, new: str) -> None:
    """Move the stopwatches for a change of status from ``old`` to ``new``."""
    now = store.now()
    begin = _date(store, ticket["start_date"]) or now
    if old in ("new", "escalated_tto") and new not in ("new", "escalated_tto"):
        _stop(store, ticket, "tto", int((now - begin).total_seconds()) - ticket["tto"])
    running = old not in _DONE and old != "pending"
    if running and (new == "pending" or new in _DONE):
        _stop(store, ticket, "ttr", int((now - _ttr_since(store, ticket)).total_seconds()))
    if old == "pending" and new != "pending":
        paused = _date(store, ticket["last_pending_date"]) or now
        ticket["cumulatedpending"] += max(0, int((now - paused).total_seconds()))
    if (old == "pending" or old in _DONE) and new not in _DONE and new != "pending":
        remaining = dt.timedelta(seconds=_targets(ticket)[1] - ticket["ttr"])
        ticket["ttr_escalation_deadline"] = _text(store, now + remaining)
