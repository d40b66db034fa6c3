"""Building and sending e-mail: escalation and warning messages, MIME, SMTP.

Everything that comes from iTop (titles, descriptions, names) is escaped in the HTML part.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from triage.config import Settings
from triage.words import ACTOR_LABELS, STATUS_LABELS, TEAM_WORDS

LEVEL_LABELS = {"national": "Escalade au niveau national", "warning": "Avertissement"}
SOURCE_LABELS = {
    "itop": "iTop",
    "prefix": "préfixe du titre",
    "model": "modèle",
    "prefix+model": "préfixe et modèle",
    "agent": "agent",
    "escalation": "escalade",
}


@dataclass(frozen=True)
class MailContent:
    """An e-mail ready for the outbox."""

    message_id: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class TicketFacts:
    """What a message says about a ticket (built by the escalation service)."""

    ref: str
    itop_id: int
    title: str
    organization: str
    caller: str
    team: str
    status: str
    created_at: dt.datetime
    age_days: float
    description: str
    history: list[dict[str, Any]]  # at, actor, source, from_team, to_team, reason
    due_at: dt.datetime | None = None  # when it becomes overdue (goes to the national level)
    durations: list[dict[str, Any]] = field(default_factory=list)  # team, days: time per team
    exchanges: list[dict[str, str]] = field(default_factory=list)  # at, author, text: newest first
    caller_contact: str = ""  # the caller's e-mail and phone, as iTop's Person gives them


MAX_SUBJECT = 200


def safe_header(text: str, limit: int = MAX_SUBJECT) -> str:
    """A header value made from ticket data: control characters (CR, LF, tabs...) folded to
    spaces, blanks collapsed, shortened to ``limit`` characters with an ellipsis."""
    chars = (" " if unicodedata.category(c)[0] in "CZ" else c for c in str(text or ""))
    folded = " ".join("".join(chars).split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def message_id(*, kind: str, level: str, ref: str) -> str:
    """A stable Message-ID for one ticket and level: resending it is recognisable."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", ref)
    return f"<{kind}-{level}-{safe}@triage>"


def ticket_links(*, ref: str, itop_id: int, settings: Settings) -> dict[str, str | None]:
    """Links to the ticket in triage and in iTop (None when iTop's URL is unknown)."""
    base = settings.base_url.rstrip("/")
    return {"triage": f"{base}/tickets/{ref}", "itop": settings.itop_ticket_url(itop_id)}


def _local(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _fields(facts: TicketFacts, tz: ZoneInfo) -> list[tuple[str, str]]:
    return [
        ("Référence", facts.ref),
        ("Titre", facts.title),
        ("Établissement", facts.organization or "non renseigné"),
        ("Demandeur", facts.caller or "non renseigné"),
        ("Contact du demandeur", facts.caller_contact or "non renseigné dans iTop"),
        ("Équipe", _team(facts.team)),
        ("Statut iTop", STATUS_LABELS.get(facts.status, facts.status)),
        ("Créée le", _local(facts.created_at, tz)),
        ("Âge", f"{facts.age_days:.0f} jours"),
    ]


def _team(team: str | None) -> str:
    return TEAM_WORDS.get(team or "", team or "aucune")


def _history_lines(history: Iterable[dict[str, Any]], tz: ZoneInfo) -> list[str]:
    lines = []
    for item in history:
        source = SOURCE_LABELS.get(item["source"], item["source"])
        actor = ACTOR_LABELS.get(item["actor"], item["actor"])
        line = (
            f"{_local(item['at'], tz)} : {_team(item.get('from_team'))} -> "
            f"{_team(item['to_team'])} ({source}, {actor})"
        )
        if item.get("reason"):
            line += f" : {item['reason']}"
        lines.append(line)
    return lines or ["(aucune décision enregistrée)"]


def _intro(level: str, facts: TicketFacts, days: int, tz: ZoneInfo) -> str:
    since = f"depuis le {facts.created_at.astimezone(tz):%d/%m/%Y}"
    if level == "national":
        return (
            f"La demande {facts.ref} est ouverte {since} ({facts.age_days:.0f} jours, plus de "
            f"{days} jours) sans être résolue. Elle est transférée au niveau national."
        )
    when = (
        f"le {facts.due_at.astimezone(tz):%d/%m/%Y à %H:%M}"
        if facts.due_at
        else f"après {days} jours"
    )
    return (
        f"La demande {facts.ref} de l'équipe {_team(facts.team)} est ouverte {since} "
        f"({facts.age_days:.0f} jours). Si elle n'est pas résolue d'ici là, elle sera "
        f"transférée au niveau national {when}."
    )


def _durations(facts: TicketFacts) -> list[tuple[str, str]]:
    """Time spent in each team, as fields ("Temps en DRASI : 12,5 jours")."""
    return [
        (f"Temps en {_team(d['team'])}", f"{d['days']:.1f} jours".replace(".", ","))
        for d in facts.durations
    ]


def _exchange_lines(exchanges: Iterable[dict[str, str]], tz: ZoneInfo) -> list[str]:
    """The last exchanges with the requester (iTop's public log), newest first."""
    lines = []
    for item in exchanges:
        at = dt.datetime.fromisoformat(item["at"])
        lines.append(f"{_local(at, tz)}, {item.get('author') or 'inconnu'} : {item['text']}")
    return lines or ["(aucun échange dans le journal public d'iTop)"]


FOOTER = "Message automatique de triage, merci de ne pas y répondre."


def _text(intro, fields, description, history, links, exchanges) -> str:
    parts = [intro, ""]
    parts += [f"{name} : {value}" for name, value in fields]
    parts += ["", "Description :", description, "", "Derniers échanges avec l'établissement :"]
    parts += [f"- {line}" for line in exchanges]
    parts += ["", "Historique d'affectation :"]
    parts += [f"- {line}" for line in history]
    parts += ["", f"Dans triage : {links['triage']}"]
    if links["itop"]:
        parts.append(f"Dans iTop : {links['itop']}")
    parts += ["", "-- ", FOOTER]
    return "\n".join(parts) + "\n"


def _html(subject, intro, fields, description, history, links, exchanges) -> str:
    """The HTML part: every value is escaped (titles and descriptions come from iTop)."""
    rows = "".join(
        f"<tr><th align='left'>{escape(name)}</th><td>{escape(value)}</td></tr>"
        for name, value in fields
    )
    items = "".join(f"<li>{escape(line)}</li>" for line in history)
    said = "".join(f"<li>{escape(line)}</li>" for line in exchanges)
    link_items = f'<li><a href="{escape(links["triage"])}">Ouvrir dans triage</a></li>'
    if links["itop"]:
        link_items += f'<li><a href="{escape(links["itop"])}">Ouvrir dans iTop</a></li>'
    return (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
        f"<title>{escape(subject)}</title></head><body>"
        f"<p>{escape(intro)}</p><table>{rows}</table>"
        f"<h3>Description</h3><pre style='white-space:pre-wrap'>{escape(description)}</pre>"
        f"<h3>Derniers échanges avec l'établissement</h3><ul>{said}</ul>"
        f"<h3>Historique d'affectation</h3><ul>{items}</ul>"
        f"<ul>{link_items}</ul>"
        f"<p><small>{escape(FOOTER)}</small></p>"
        "</body></html>"
    )


def build_ticket_mail(
    *, level: str, facts: TicketFacts, days: int, settings: Settings
) -> MailContent:
    """The French e-mail (text and HTML) of a warning or an escalation for one ticket."""
    tz = settings.tz
    subject = safe_header(f"[triage] {LEVEL_LABELS[level]} : {facts.ref} - {facts.title}")
    links = ticket_links(ref=facts.ref, itop_id=facts.itop_id, settings=settings)
    fields = _fields(facts, tz) + _durations(facts)
    history = _history_lines(facts.history, tz)
    intro = _intro(level, facts, days, tz)
    description = facts.description.strip() or "(pas de description)"
    exchanges = _exchange_lines(facts.exchanges, tz)
    return MailContent(
        message_id=message_id(kind="escalation", level=level, ref=facts.ref),
        subject=subject,
        text=_text(intro, fields, description, history, links, exchanges),
        html=_html(subject, intro, fields, description, history, links, exchanges),
    )


def _digest_line(line: dict[str, Any], settings: Settings) -> tuple[str, dict]:
    links = ticket_links(ref=line["ref"], itop_id=line["itop_id"], settings=settings)
    org = line["organization"] or "établissement non renseigné"
    text = (
        f"{line['ref']} ({_team(line['team'])}, {line['age_days']:.0f} jours, {org}) : "
        f"{line['title']}"
    )
    return text, links


def build_digest_mail(
    *, lines: list[dict[str, Any]], now: dt.datetime, settings: Settings
) -> MailContent:
    """The go-live digest: one e-mail listing the tickets an age check just escalated (ref,
    title, establishment, team, age, links); each ticket's own e-mail follows later."""
    count = len(lines)
    day = now.astimezone(settings.tz)
    subject = safe_header(
        f"[triage] Mise en service : {count} demande{'s' if count > 1 else ''} "
        f"transférée{'s' if count > 1 else ''} au niveau national"
    )
    intro = (
        f"Au démarrage de triage ({day:%d/%m/%Y à %H:%M}), {count} demande(s) ouverte(s) depuis "
        f"plus de {settings.escalation_days} jours sont transférées au niveau national. Les "
        "voici, des plus anciennes aux plus récentes ; chacune fera ensuite l'objet de son "
        "propre courriel détaillé."
    )
    items = [_digest_line(line, settings) for line in lines]
    text = [intro, ""] + [f"- {t}\n  {links['triage']}" for t, links in items]
    html_items = "".join(
        f'<li>{escape(t)} (<a href="{escape(links["triage"])}">triage</a>'
        + (f', <a href="{escape(links["itop"])}">iTop</a>' if links["itop"] else "")
        + ")</li>"
        for t, links in items
    )
    html = (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
        f"<title>{escape(subject)}</title></head><body><p>{escape(intro)}</p>"
        f"<ol>{html_items}</ol><p><small>{escape(FOOTER)}</small></p></body></html>"
    )
    return MailContent(
        message_id=f"<escalation-digest-{now:%Y%m%dT%H%M%S%f}@triage>",
        subject=subject,
        text="\n".join([*text, "", "-- ", FOOTER]) + "\n",
        html=html,
    )


def build_mime(
    *,
    message_id: str,
    sender: str,
    to_addrs: list[str],
    subject: str,
    text: str,
    html: str,
    date: dt.datetime,
) -> EmailMessage:
    """The MIME message (plain text + HTML alternative) with its stable headers."""
    msg = EmailMessage()
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(date)
    msg["From"] = sender
    msg["To"] = ", ".join(to_addrs)
    msg["Subject"] = safe_header(subject)
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = "fr"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg
