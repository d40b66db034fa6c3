"""Factories for tickets and the seed's backlog case."""

import datetime as dt
import itertools

import pytest

from triage.models import Ticket, is_open_status, utcnow

_ids = itertools.count(1)


def make_ticket(**fields) -> Ticket:
    """A ticket with plausible defaults; any field may be given."""
    n = fields.pop("n", None) or next(_ids)
    created = fields.pop("created_at", utcnow() - dt.timedelta(days=1))
    status = fields.pop("status", "new")
    values = {
        "itop_id": n,
        "ref": f"R-{n:06d}",
        "title": f"Demande {n}",
        "description": "",
        "status": status,
        "is_open": is_open_status(status),
        "service": "Op@le",
        "organization": "Collège Jules Verne",
        "caller": "Marie Dupont",
        "created_at": created,
        "updated_at": created,
    }
    values.update(fields)
    return Ticket(**values)


def seed_backlog(now: dt.datetime) -> list[Ticket]:
    """The seed's assistance table: 211 Op@le tickets, 60 open (12/3/45), 28 over 15 days."""
    tickets = []

    def add(count, team, status, age_days):
        for _ in range(count):
            tickets.append(make_ticket(team=team, team_source="itop", status=status,
                                       created_at=now - dt.timedelta(days=age_days)))

    # open over 15 days: national 2, SI2C 0, DRASI 26
    add(2, "NATIONAL", "assigned", 40)
    add(26, "DRASI", "assigned", 30)
    # open under 15 days: national 10, SI2C 3, DRASI 19
    add(10, "NATIONAL", "assigned", 5)
    add(3, "SI2C", "new", 3)
    add(19, "DRASI", "pending", 8)
    # closed: 151 (national 15, SI2C 70, DRASI 66)
    add(15, "NATIONAL", "closed", 60)
    add(70, "SI2C", "resolved", 50)
    add(66, "DRASI", "closed", 45)
    return tickets


@pytest.fixture
def ticket_factory(session):
    """Create and commit tickets: ``ticket_factory(title=..., team=...)``."""

    def create(**fields) -> Ticket:
        ticket = make_ticket(**fields)
        session.add(ticket)
        session.commit()
        session.refresh(ticket)
        return ticket

    return create
