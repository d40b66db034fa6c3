"""A sync page's new tickets: each one's team decided before it is written, so that it is
written once, with its team.

A new ticket takes the queue of its team in iTop when iTop has one for it, else goes to the
router (in one model call for the page); the rules are ``ingest``'s and ``routing``'s for a
known ticket (``set_team``, ``route_tickets``). The page's new tickets are then written
together (``upsert.write(new=True)``: ``INSERT ... ON CONFLICT DO NOTHING``, so a ticket
another sync has just written is left to it), and ``record`` appends what the decisions of
those inserted leave behind, each in one statement: the RoutingDecision rows, the
write-backs to iTop (write-back on). No ticket object is built for them: a first sync reads
thousands.
"""

from dataclasses import dataclass

from sqlmodel import Session

from triage.config import Settings
from triage.models import Team, Ticket
from triage.services import figures, routing, teams, writeback

# what a new ticket's decision sets, on top of the columns read from iTop (never written
# over a known ticket's): what routing writes, but the typed prefix, read for every ticket
INSERT_ONLY = tuple(name for name in routing.ROUTED_COLUMNS if name != "prefix")
_DEFAULTS = {
    name: column.default.arg if column.default else None
    for name, column in Ticket.__table__.columns.items()
    if name in INSERT_ONLY
}


@dataclass
class Arrival:
    """A new ticket's row (its team set) and what its decision appends, but the ticket id."""

    row: dict
    decision: dict | None = None  # teams.decision_values
    write: dict | None = None  # ItopWrite values (the router's team, to write back)


def decide(*, settings: Settings, rows: list[dict]) -> list[Arrival]:
    """Give each new ticket's row its team (iTop's, else the router's) and routing columns."""
    arrivals, to_route = [], []
    for row in rows:
        row.update(_DEFAULTS)
        queue = settings.queue_of_itop_team(row["itop_team"])
        if queue is None:
            to_route.append(row)
            continue
        arrival = Arrival(row)
        if queue != Team.UNASSIGNED:
            row["team"], row["team_source"] = queue, "itop"
            arrival.decision = teams.decision_values(
                from_team=Team.UNASSIGNED, team=queue, source="itop", actor="itop",
                reason=f"équipe iTop : {row['itop_team']}",
            )  # fmt: skip
        arrivals.append(arrival)
    routed = routing.route_values(settings=settings, rows=to_route)
    arrivals += [_routed(settings, row, answer) for row, answer in zip(to_route, routed,
                                                                       strict=True)]
    return arrivals


def _routed(settings: Settings, row: dict, routed: routing.Routed) -> Arrival:
    row.update(routing.routed_columns(routed))
    decision = routed.decision
    if decision.team is None:
        return Arrival(row)  # left to a human
    row["team"], row["team_source"] = teams.normalize_team(decision.team), decision.source
    values = teams.decision_values(
        from_team=Team.UNASSIGNED, team=decision.team, source=decision.source, actor="router",
        reason=decision.reason, confidence=row["confidence"], model_version=routed.version,
    )  # fmt: skip
    write = {
        "itop_id": row["itop_id"],
        "team": row["team"],
        "log_entry": routing.routing_log_entry(routed, settings),
        "source": decision.source,
    }
    return Arrival(row, values, write)


def record(
    *, session: Session, settings: Settings, arrivals: list[Arrival], ids: dict[int, int]
) -> None:
    """Append the new tickets' decisions and write-backs (``ids``: ticket id by iTop id, of
    the rows written), one statement each (no commit)."""
    done = [a for a in arrivals if a.row["itop_id"] in ids]
    teams.record_decisions(session=session, rows=[
        {**a.decision, "ticket_id": ids[a.row["itop_id"]]} for a in done if a.decision
    ])  # fmt: skip
    writeback.enqueue_rows(session=session, settings=settings, rows=[
        {**a.write, "ticket_id": ids[a.row["itop_id"]]} for a in done if a.write
    ])  # fmt: skip
    if any(a.decision and not a.row["is_open"] for a in done):
        figures.invalidate(session=session)  # the stored closed counts per queue change
