"""Which schools are in difficulty: a score made of the tickets and the deployment's state.

The score (docs/committee.md) adds, for one school:

- 1 per open ticket, 2 more per open ticket older than the escalation threshold;
- 2 per ticket escalated to the national level, 2 per ticket reopened (open again after a
  resolution date);
- 5 when the kit de bascule is under 10 % done, 2 when it is from 10 to 30 %;
- 4 when the budget is not integrated in Op@le;
- 1 when the school belongs to the newest wave of the file (the least practice of Op@le);
- 3 when the committee set a "suivi particulier" on it.

Each point comes with its reason in words, so the ranking explains itself.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from sqlmodel import Session

from triage.config import Settings
from triage.models import School, Team, Ticket, utcnow
from triage.services import schools as school_service
from triage.services.ages import overdue_before

WEIGHTS = {
    "open": 1,
    "overdue": 2,
    "escalated": 2,
    "reopened": 2,
    "kit_low": 5,
    "kit_mid": 2,
    "budget": 4,
    "newest_wave": 1,
    "follow_up": 3,
}


@dataclass
class Difficulty:
    """A school, its ticket counts, its score and the reasons for it."""

    school: School
    tickets: int = 0
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    reopened: int = 0
    score: int = 0
    reasons: list[str] = field(default_factory=list)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def is_escalated(ticket: Ticket) -> bool:
    """Sent to the national level, by triage's escalation or by a team set in iTop."""
    return ticket.escalated_at is not None or ticket.team == Team.NATIONAL


def is_reopened(ticket: Ticket) -> bool:
    """Open again although iTop gave it a resolution date."""
    return ticket.is_open and ticket.resolved_at is not None


def _count(item: Difficulty, tickets: list[Ticket], cutoff: dt.datetime, days: int) -> None:
    item.tickets = len(tickets)
    item.open = sum(t.is_open for t in tickets)
    item.overdue = sum(t.is_open and t.created_at < cutoff for t in tickets)
    item.escalated = sum(is_escalated(t) for t in tickets)
    item.reopened = sum(is_reopened(t) for t in tickets)
    for count, key, words in (
        (item.open, "open", "en cours"),
        (item.overdue, "overdue", f"en cours depuis plus de {days} j"),
        (item.escalated, "escalated", "remontée{s} au national"),
        (item.reopened, "reopened", "rouverte{s}"),
    ):
        if count:
            item.score += WEIGHTS[key] * count
            words = words.format(s="s" if count > 1 else "")
            item.reasons.append(f"{_plural(count, 'demande')} {words}")


def _state(item: Difficulty, newest_wave: str | None) -> None:
    school = item.school
    kit = f"{school.kit_progress:g} %"
    if school.kit_progress < 10:
        item.score += WEIGHTS["kit_low"]
        item.reasons.append(f"kit de bascule à {kit} (moins de 10 % des actions finalisées)")
    elif school.kit_progress <= 30:
        item.score += WEIGHTS["kit_mid"]
        item.reasons.append(f"kit de bascule à {kit} (de 10 à 30 % des actions finalisées)")
    if not school.budget_integrated:
        item.score += WEIGHTS["budget"]
        item.reasons.append("budget non intégré dans Op@le")
    if newest_wave and school.wave == newest_wave:
        item.score += WEIGHTS["newest_wave"]
        item.reasons.append(f"vague la plus récente ({school.wave})")
    if school.follow_up:
        item.score += WEIGHTS["follow_up"]
        item.reasons.append("en suivi particulier")


def assess(
    *, school: School, tickets: list[Ticket], settings: Settings, newest_wave: str | None,
    now: dt.datetime | None = None,
) -> Difficulty:  # fmt: skip
    """One school's score and reasons."""
    cutoff = overdue_before(now or utcnow(), settings)
    item = Difficulty(school=school)
    _count(item, tickets, cutoff, settings.escalation_days)
    _state(item, newest_wave)
    return item


def ranking(
    *, session: Session, settings: Settings, wave: str | None = None,
    now: dt.datetime | None = None,
) -> list[Difficulty]:  # fmt: skip
    """The schools (of one wave, or all), the most in difficulty first."""
    all_waves = school_service.waves(session=session)
    newest = all_waves[-1] if all_waves else None
    schools = school_service.list_schools(session=session, wave=wave)
    grouped = school_service.tickets_by_school(session=session, settings=settings, schools=schools)
    items = [
        assess(school=s, tickets=grouped[s.uai], settings=settings, newest_wave=newest, now=now)
        for s in schools
    ]
    items.sort(key=lambda d: (-d.score, -d.open, d.school.name))
    return items


CSV_HEADER = (
    "UAI", "Établissement", "Commune", "Vague", "Kit de bascule (%)", "Budget intégré",
    "Demandes", "En cours", "En cours de plus de 15 j", "Remontées au national", "Rouvertes",
    "Score", "Raisons", "Suivi particulier",
)  # fmt: skip


def ranking_csv(items: list[Difficulty], *, threshold_days: int = 15) -> str:
    """The ranking as CSV (semicolons and a BOM, for French spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([h.replace("15 j", f"{threshold_days} j") for h in CSV_HEADER])
    for d in items:
        s = d.school
        writer.writerow([
            s.uai, s.name, s.town, s.wave, f"{s.kit_progress:g}".replace(".", ","),
            "oui" if s.budget_integrated else "non", d.tickets, d.open, d.overdue,
            d.escalated, d.reopened, d.score, " ; ".join(d.reasons),
            s.follow_up_note if s.follow_up else "",
        ])  # fmt: skip
    return "\ufeff" + out.getvalue()
