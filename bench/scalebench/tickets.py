"""The scale data set, generated ticket by ticket, in chunks of rows per table.

The shape is the one measured on a national desk (for 1,000,000 tickets): 3 % open, 8,000
establishments, three years of creation dates (more tickets lately and in budget season, few
at weekends), about 1.09 decisions per ticket, 10.5 % of the tickets escalated (older than 15
days while open: an Escalation row, the move to NATIONAL, a sent e-mail). Every open ticket
older than the threshold has been escalated already, so an age check finds nothing due.

Rows are dicts keyed by column name; the loader keeps the columns the database has.
"""

import bisect
import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scalebench import dataset
from scalebench.history import History, router_versions
from triage.models import ticket_search_text

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
DAY = 86400.0
THRESHOLD_DAYS = 15
ITOP_ID_BASE = 20_000
MONTH_FACTOR = (1.3, 1.2, 1.2, 1.0, 0.95, 1.0, 0.6, 0.35, 1.1, 1.0, 1.25, 1.3)  # Jan..Dec
WEEKDAY_FACTOR = (1.25, 1.1, 0.95, 1.05, 0.9, 0.05, 0.03)  # Mon..Sun
HOUR_FACTOR = (0, 0, 0, 0, 0, 0, 1, 3, 9, 12, 11, 9, 4, 7, 11, 10, 8, 5, 2, 1, 1, 0.5, 0.3, 0)


@dataclass(frozen=True)
class Shape:
    """What to generate."""

    tickets: int
    as_of: dt.datetime  # "now" of the data set (aware, UTC)
    seed: int = 2026
    years: int = 3
    open_share: float = 0.03
    escalated_share: float = 0.105
    other_service_share: float = 0.025
    establishments_per_million: int = 8_000

    @property
    def days(self) -> int:
        """Days of creation dates."""
        return 365 * self.years

    @property
    def establishments(self) -> int:
        """Establishments writing (8,000 for a million tickets, at least 20)."""
        return max(20, min(8_000, round(self.establishments_per_million * self.tickets / 1e6)))


def _day_weights(shape: Shape, first: dt.date) -> list[float]:
    weights = []
    for k in range(shape.days):
        day = first + dt.timedelta(days=k)
        growth = 0.55 + 0.9 * k / shape.days  # deployment waves: more establishments each year
        weights.append(growth * MONTH_FACTOR[day.month - 1] * WEEKDAY_FACTOR[day.weekday()])
    return weights


def creation_times(shape: Shape, rng: random.Random) -> list[dt.datetime]:
    """``tickets`` creation times over the years before ``as_of``, oldest first."""
    today = shape.as_of.astimezone(PARIS).date()
    first = today - dt.timedelta(days=shape.days - 1)
    cum_days = list(itertools.accumulate(_day_weights(shape, first)))
    cum_hours = list(itertools.accumulate(HOUR_FACTOR))
    picks = sorted(rng.choices(range(shape.days), cum_weights=cum_days, k=shape.tickets))
    times = []
    for k in picks:
        hour = bisect.bisect_right(cum_hours, rng.random() * cum_hours[-1])
        local = dt.datetime.combine(first + dt.timedelta(days=k), dt.time(), tzinfo=PARIS)
        moment = (local + dt.timedelta(hours=hour, seconds=rng.randrange(3600))).astimezone(UTC)
        if moment >= shape.as_of:  # today, later than now: earlier today instead
            moment = shape.as_of - dt.timedelta(seconds=rng.randrange(60, 6 * 3600))
        times.append(moment)
    times.sort()
    return times


def _short_duration(rng: random.Random) -> float:
    roll = rng.random()
    if roll < 0.25:
        days = rng.expovariate(1 / 0.3)  # answered within hours
    elif roll < 0.55:
        days = rng.expovariate(1 / 4)
    else:
        days = rng.uniform(2, 14.8)  # waits for the establishment, or for another service
    return min(days, 14.8)


def durations(shape: Shape, created: list[dt.datetime], rng: random.Random) -> list[float]:
    """Days each ticket stays open (``inf``: still open), tuned to the shape's shares."""
    ages = [(shape.as_of - c).total_seconds() / DAY for c in created]
    old = [i for i, age in enumerate(ages) if age > THRESHOLD_DAYS + 0.1]
    target_long = min(len(old), round(shape.escalated_share * shape.tickets))
    long = set(rng.sample(old, target_long))
    p_long = target_long / max(len(old), 1)
    spans = []
    for i, age in enumerate(ages):
        lasting = i in long or (age <= THRESHOLD_DAYS + 0.1 and rng.random() < p_long)
        spans.append(THRESHOLD_DAYS + 0.05 + rng.expovariate(1 / 25) if lasting else
                     _short_duration(rng))
    is_open = [spans[i] > ages[i] for i in range(len(ages))]
    missing = round(shape.open_share * shape.tickets) - sum(is_open)
    if missing > 0:  # still open long after the escalation: the national level's backlog
        closed_long = [i for i in long if not is_open[i]]
        for i in rng.sample(closed_long, min(missing, len(closed_long))):
            spans[i] = math.inf
    elif missing < 0:
        young = [i for i in range(len(ages)) if is_open[i] and ages[i] <= THRESHOLD_DAYS]
        for i in rng.sample(young, min(-missing, len(young))):
            spans[i] = ages[i] * rng.uniform(0.3, 0.95)
    return spans


@dataclass
class Snapshots:
    """Per day and queue: total, open, overdue (difference arrays, summed at the end)."""

    first: dt.date
    days: int
    deltas: dict = field(default_factory=dict)

    def add(self, team: str, created: dt.datetime, closed: dt.datetime | None) -> None:
        """Count one Op@le ticket in the days it existed, was open, was overdue."""
        rows = self.deltas.get(team)
        if rows is None:
            rows = self.deltas[team] = [[0] * (self.days + 1) for _ in range(3)]
        start = self._index(created)
        late = self._index(created + dt.timedelta(days=THRESHOLD_DAYS))
        end = self._index(closed) if closed is not None else self.days
        rows[0][start] += 1
        rows[1][start] += 1
        rows[1][max(end, start)] -= 1
        if late < end:
            rows[2][late] += 1
            rows[2][end] -= 1

    def _index(self, moment: dt.datetime) -> int:
        day = (moment.astimezone(PARIS).date() - self.first).days
        return min(max(day, 0), self.days)

    def rows(self, as_of: dt.datetime, first_id: int) -> list[dict]:
        """One BacklogSnapshot row per day and queue."""
        made, ident = [], first_id
        sums = {team: [list(itertools.accumulate(r)) for r in rows]
                for team, rows in self.deltas.items()}
        for k in range(self.days):
            day = self.first + dt.timedelta(days=k)
            taken = dt.datetime.combine(day, dt.time(23, 5), tzinfo=PARIS).astimezone(UTC)
            for team in ("SI2C", "DRASI", "NATIONAL", "UNASSIGNED"):
                total, open_, overdue = (s[k] for s in sums.get(team, [[0] * self.days] * 3))
                made.append({"id": ident, "day": day, "team": team, "total": total,
                             "open": open_, "overdue": overdue, "taken_at": min(taken, as_of)})
                ident += 1
        return made


class Generator:
    """Tickets and their history, in creation order."""

    def __init__(self, shape: Shape):
        self.shape = shape
        self.rng = random.Random(shape.seed)
        self.texts = dataset.texts()
        self.places = dataset.establishments(shape.establishments, self.rng)
        # a few establishments write much more than others
        self.place_weights = list(itertools.accumulate(
            1 / (rank + 1) ** 0.8 for rank in range(len(self.places))))
        self.created = creation_times(shape, self.rng)
        self.spans = durations(shape, self.created, self.rng)
        first = shape.as_of.astimezone(PARIS).date() - dt.timedelta(days=shape.days - 1)
        self.snapshots = Snapshots(first=first, days=shape.days)
        self.history = History(self.rng, shape.as_of, router_versions(first, shape.as_of))
        self.counts = {"routingdecision": 0, "escalation": 0, "outboxmessage": 0}

    def chunks(self, size: int = 20_000) -> Iterator[dict[str, list[dict]]]:
        """Rows of ticket, routingdecision, escalation and outboxmessage, ``size`` tickets each."""
        for start in range(0, self.shape.tickets, size):
            chunk: dict[str, list[dict]] = {
                "ticket": [], "routingdecision": [], "escalation": [], "outboxmessage": []
            }
            for i in range(start, min(start + size, self.shape.tickets)):
                self._ticket(i, chunk)
            yield chunk

    def _ticket(self, i: int, chunk: dict[str, list[dict]]) -> None:
        rng, created = self.rng, self.created[i]
        text = rng.choice(self.texts)
        place = self.places[bisect.bisect_right(
            self.place_weights, rng.random() * self.place_weights[-1])]
        caller = rng.choice(place.staff)
        span = self.spans[i]
        closed = None if math.isinf(span) else created + dt.timedelta(days=span)
        if closed is not None and closed > self.shape.as_of:
            closed = None
        title = dataset.vary_title(text, rng, created.year)
        plain, html = dataset.vary_description(text, rng, caller, place.label)
        itop_id = ITOP_ID_BASE + i
        row = {
            "id": i + 1, "itop_id": itop_id, "ref": f"R-{itop_id:06d}", "title": title,
            "description": plain, "description_html": html, "organization": place.label,
            "caller": caller[0], "created_at": created, "resolved_at": closed,
            "service": "Op@le" if rng.random() >= self.shape.other_service_share
            else rng.choice(dataset.OTHER_SERVICES),
            "servicesubcategory": rng.choice(dataset.SUBCATEGORIES[text.team]),
            "priority": rng.choice("43332"), "urgency": rng.choice("43332"),
            "origin": rng.choice(("portal", "portal", "portal", "mail", "mail", "phone")),
        }
        story = self.history.story(row, text, span, closed)
        row.update(story.ticket_fields)
        row["search_text"] = ticket_search_text(row)  # what the services keep (models.py)
        chunk["ticket"].append(row)
        for decision in story.decisions:
            self.counts["routingdecision"] += 1
            decision["id"] = self.counts["routingdecision"]
            chunk["routingdecision"].append(decision)
        for table, extra in (("escalation", story.escalation), ("outboxmessage", story.outbox)):
            if extra is not None:
                self.counts[table] += 1
                extra["id"] = self.counts[table]
                chunk[table].append(extra)
        if row["service"] == "Op@le":
            self.snapshots.add(row["team"], created, closed)
