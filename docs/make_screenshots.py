"""Regenerate docs/screenshots/{queue,ticket,stats,phone,etablissements,rapport}.png from
realistic data (by hand).

    .venv/bin/python docs/make_screenshots.py

A throw-away SQLite database and instance folder: about 230 tickets written from the shipped
corpus (``classifiers/data``), several establishments, ages over three months, routed by the
real router, the real age check (warnings, escalations), a few agents' decisions, a ticket
whose prefix is wrong, daily snapshots for the trend chart. The app is served on a loopback
port and Debian's Chromium takes the pictures: the queue and a ticket as a DRASI agent, the
dashboard as a supervisor, and the queue on a phone (390 x 844, as a DRASI agent).
"""

import datetime as dt
import random
import secrets
import sys
import tempfile
import threading
from pathlib import Path

from sqlmodel import select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifiers.corpus import load_corpus  # noqa: E402
from triage import create_app  # noqa: E402
from triage.config import get_settings  # noqa: E402
from triage.db import get_session, init_db  # noqa: E402
from triage.models import (  # noqa: E402
    BacklogSnapshot,
    Escalation,
    RoutingDecision,
    School,
    Ticket,
    is_open_status,
    utcnow,
)
from triage.services.escalation import check_ages  # noqa: E402
from triage.services.requalify import requalify  # noqa: E402
from triage.services.routing import classify, route_ticket  # noqa: E402
from triage.services.schools import import_schools, set_follow_up  # noqa: E402
from triage.services.teams import set_team  # noqa: E402
from triage.services.training import ensure_model  # noqa: E402
from triage.services.users import create_user  # noqa: E402

SHOTS = ROOT / "docs" / "screenshots"
ESTABLISHMENTS = [  # weights: a few establishments write much more than others
    ("Lycée Paul Claudel, Laon", 9),
    ("Collège Jules Verne, Amiens", 8),
    ("LP La Hotoie, Amiens", 6),
    ("Lycée Condorcet, Saint-Quentin", 5),
    ("Collège Anatole France, Creil", 4),
    ("Lycée Jean Rostand, Chantilly", 4),
    ("Collège Jean Moulin, Beauvais", 3),
    ("EREA Françoise Dolto, Amiens", 2),
    ("Collège Louise Michel, Abbeville", 2),
    ("Lycée Pierre Mendès France, Péronne", 2),
    ("Lycée agricole du Paraclet, Cottenchy", 1),
]
CALLERS = [
    "Corinne Dufresne",
    "Thierry Masson",
    "Nadia Benali",
    "Julien Roussel",
    "Sophie Lefebvre",
    "Karim Haddad",
    "Isabelle Caron",
    "Marc Delattre",
    "Hélène Vasseur",
]
PASSWORD = secrets.token_urlsafe(12)
# the committee's file for the establishments above: UAI, iTop name, wave, kit %, budget
SCHOOLS = """UAI;Nom;Commune;Vague;Kit;Budget;Organisation iTop
0020034R;Lycée Paul Claudel;Laon;V6;7;non;Lycée Paul Claudel, Laon
0801745T;Collège Jules Verne;Amiens;V6;24;oui;Collège Jules Verne, Amiens
0800062G;LP La Hotoie;Amiens;V5;62;oui;LP La Hotoie, Amiens
0020050H;Lycée Condorcet;Saint-Quentin;V6;35;oui;Lycée Condorcet, Saint-Quentin
0600921K;Collège Anatole France;Creil;V6;9;non;Collège Anatole France, Creil
0601832V;Lycée Jean Rostand;Chantilly;V7;0;non;Lycée Jean Rostand, Chantilly
0600078K;Collège Jean Moulin;Beauvais;V6;18;oui;Collège Jean Moulin, Beauvais
0801327N;EREA Françoise Dolto;Amiens;V5;80;oui;EREA Françoise Dolto, Amiens
0800790P;Collège Louise Michel;Abbeville;V6;12;non;Collège Louise Michel, Abbeville
0800061F;Lycée Pierre Mendès France;Péronne;V6;41;oui;Lycée Pierre Mendès France, Péronne
0801479D;Lycée agricole du Paraclet;Cottenchy;V7;3;non;Lycée agricole du Paraclet, Cottenchy
"""


TRUE_TEAM: dict[str, str] = {}  # ref -> the corpus's label, to pick believable examples


def _text_ok(record: dict) -> bool:
    return "<" not in record["description"] and 120 < len(record["description"]) < 700


def _vague(record: dict) -> bool:
    return "<" not in record["description"] and 15 < len(record["description"]) < 90


def make_tickets(rng: random.Random, now: dt.datetime) -> list[Ticket]:
    """Tickets arriving steadily over three months; most closed within days, some linger."""
    corpus = load_corpus()
    clear = [r for r in corpus if _text_ok(r)]
    rng.shuffle(clear)
    vague = [r for r in corpus if _vague(r)]
    records = clear[:520] + rng.sample(vague, 12)
    rng.shuffle(records)
    names, weights = zip(*ESTABLISHMENTS, strict=True)
    tickets = []
    for n, record in enumerate(records):
        created = now - dt.timedelta(days=rng.uniform(0, 92))
        # DRASI's tickets wait longer (access rights go through other services)
        mean = 10 if record["team"] == "DRASI" else 4
        lasts = rng.uniform(12, 70) if rng.random() < 0.12 else rng.expovariate(1 / mean)
        closed_at = created + dt.timedelta(days=lasts)
        closed = closed_at < now
        status = (
            rng.choice(("resolved", "closed"))
            if closed
            else rng.choice(("new", "assigned", "assigned", "pending"))
        )
        from_itop = rng.random() < 0.25  # a team already set in iTop
        ref = f"R-{4100 + n:06d}"
        TRUE_TEAM[ref] = record["team"]
        tickets.append(
            Ticket(
                itop_id=4100 + n,
                ref=ref,
                title=record["title"],
                description=record["description"],
                status=status,
                is_open=is_open_status(status),
                service="Op@le",
                organization=rng.choices(names, weights)[0],
                caller=rng.choice(CALLERS),
                origin=rng.choice(["portal", "portal", "portal", "mail", "phone"]),
                created_at=created,
                updated_at=closed_at if closed else created,
                team=record["team"] if from_itop else "UNASSIGNED",
                team_source="itop" if from_itop else None,
            )
        )
    return tickets


def wrong_prefix_ticket(app, now: dt.datetime) -> Ticket:
    """A DRASI problem filed as SI2C thirteen days ago, that the router caught."""
    for record in load_corpus():
        if record["team"] != "DRASI" or record.get("prefix") != "SI2C" or not _text_ok(record):
            continue
        line = classify(
            settings=get_settings(app),
            title=record["title"],
            description=record["description"],
            explain=True,
        )
        top = " ".join(term for term, _ in (line.get("explanation") or [])[:3]).lower()
        if (
            line["requalify"]
            and line["team"] == "DRASI"
            and not any(word in top for word in ("lycée", "collège", "lp "))
        ):
            break
    created = now - dt.timedelta(days=13, hours=3)
    return Ticket(
        itop_id=4999,
        ref="R-004999",
        title=record["title"],
        description=record["description"],
        status="new",
        is_open=True,
        service="Op@le",
        organization="Collège Jules Verne, Amiens",
        caller="Corinne Dufresne",
        created_at=created,
        updated_at=created,
    )


def seed(app, rng: random.Random) -> None:
    """Tickets, routing, agents' decisions, escalations, snapshots, two users."""
    now = utcnow()
    session = get_session()
    tickets = make_tickets(rng, now) + [wrong_prefix_ticket(app, now)]
    session.add_all(tickets)
    session.commit()
    for ticket in tickets:
        route_ticket(session=session, ticket=ticket, settings=get_settings(app))
    session.commit()
    for decision in session.query(RoutingDecision).all():  # routed minutes after creation
        decision.at = session.get(Ticket, decision.ticket_id).created_at + dt.timedelta(minutes=3)
    session.commit()
    past_escalations(session)
    agents_decide(app, session, tickets, rng)
    check_ages(session=session, settings=get_settings(app), now=now)
    backdate_escalations(app, session)
    send_back_from_national(app, session, rng)
    add_snapshots(session, now)
    import_schools(session=session, text=SCHOOLS)
    school = session.exec(select(School).where(School.uai == "0020034R")).one()
    set_follow_up(session=session, school=school, follow_up=True, actor="s.bernard",
                  note="Visio ciblée avec l'agent comptable le 12/01")  # fmt: skip
    create_user(session=session, login="c.martin", password=PASSWORD, role="agent", team="DRASI")
    create_user(session=session, login="s.bernard", password=PASSWORD, role="supervisor")


def agents_decide(app, session, tickets, rng) -> None:
    """Agents confirm most routed tickets and move a few."""
    routed = [
        t
        for t in tickets
        if t.team_source in ("prefix", "model", "prefix+model") and t.ref != "R-004999"
    ]
    for ticket in rng.sample(routed, min(40, len(routed))):
        team = ticket.team
        if rng.random() < 0.1:
            team = "SI2C" if team == "DRASI" else "DRASI"
        login = "c.martin" if ticket.team == "DRASI" else "a.petit"
        requalify(
            session=session,
            settings=get_settings(app),
            ticket=ticket,
            team=team,
            actor=login,
            comment="" if team == ticket.team else "relève de l'autre équipe",
        )
        last = session.query(RoutingDecision).filter_by(ticket_id=ticket.id).all()[-1]
        last.at = ticket.created_at + dt.timedelta(hours=rng.uniform(1, 30))
    session.commit()


def backdate_escalations(app, session) -> None:
    """The age check ran today on old tickets: date each step when it was really due."""
    settings = get_settings(app)
    days = {"warning": settings.warning_days, "national": settings.escalation_days}
    for escalation in session.query(Escalation).all():
        ticket = session.get(Ticket, escalation.ticket_id)
        when = ticket.created_at + dt.timedelta(days=days.get(escalation.level, 15), hours=2)
        escalation.created_at = when
        if escalation.level == "national":
            ticket.escalated_at = when
            for decision in session.query(RoutingDecision).filter_by(
                ticket_id=ticket.id, source="escalation"
            ):
                decision.at = when
    session.commit()


def send_back_from_national(app, session, rng) -> None:
    """The national level sends two escalated DRASI tickets back: they stay late in DRASI."""
    escalated = (
        session.query(Ticket)
        .filter(
            Ticket.team == "NATIONAL", Ticket.is_open.is_(True), Ticket.escalated_at.isnot(None)
        )
        .all()
    )
    from_drasi = {
        d.ticket_id
        for d in session.query(RoutingDecision).filter_by(source="escalation", from_team="DRASI")
    }
    drasi = [
        t
        for t in escalated
        if t.id in from_drasi and TRUE_TEAM.get(t.ref) == "DRASI" and len(t.description) > 120
    ]
    for ticket in drasi[:3]:
        requalify(
            session=session,
            settings=get_settings(app),
            ticket=ticket,
            team="DRASI",
            actor="n.girard",
            comment="Droits à ouvrir dans l'annuaire académique : retour DRASI",
        )


def past_escalations(session) -> None:
    """Closed tickets that stayed open past 15 days had gone to the national level then."""
    for ticket in session.query(Ticket).filter(Ticket.is_open.is_(False)).all():
        if ticket.updated_at - ticket.created_at <= dt.timedelta(days=15):
            continue
        when = ticket.created_at + dt.timedelta(days=15, hours=2)
        decision = set_team(
            session=session,
            ticket=ticket,
            team="NATIONAL",
            source="escalation",
            actor="triage",
            reason="ouvert depuis plus de 15 jours",
        )
        decision.at = ticket.escalated_at = when
    session.commit()


def add_snapshots(session, now: dt.datetime) -> None:
    """Sixty days of open counts per team, from the tickets' own dates and escalations (the
    first month of made-up history is left out: it starts from an empty desk)."""
    before = {
        d.ticket_id: d.from_team
        for d in session.query(RoutingDecision).filter_by(source="escalation")
    }

    def team_at(ticket: Ticket, moment: dt.datetime) -> str:
        if ticket.escalated_at is None or moment < ticket.escalated_at:
            return before.get(ticket.id, ticket.team)
        return ticket.team  # NATIONAL, or the team the national level sent it back to

    tickets = session.query(Ticket).all()
    for back in range(60, -1, -1):
        moment = now - dt.timedelta(days=back)
        made = [t for t in tickets if t.created_at <= moment]
        for team in ("SI2C", "DRASI", "NATIONAL"):
            mine = [t for t in made if team_at(t, moment) == team]
            alive = [t for t in mine if t.is_open or t.updated_at > moment]
            late = [t for t in alive if moment - t.created_at > dt.timedelta(days=15)]
            session.add(
                BacklogSnapshot(
                    day=moment.date(),
                    team=team,
                    total=len(mine),
                    open=len(alive),
                    overdue=len(late),
                )
            )
    session.commit()


def take_pictures(base_url: str) -> None:
    """Sign in as each person and save the three pictures."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )

        def signed_in(login: str, height: int, width: int = 1280):
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="fr-FR"
            )
            page = context.new_page()
            page.goto(base_url + "/login")
            page.fill("#login", login)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base_url + "/")
            return context, page

        context, page = signed_in("c.martin", 820)
        page.screenshot(path=str(SHOTS / "queue.png"))
        context.close()
        context, page = signed_in("c.martin", 900)
        page.set_viewport_size({"width": 1200, "height": 900})
        page.goto(base_url + "/tickets/R-004999")
        bottom = page.locator("#history").bounding_box()  # up to the history, for size
        clip = {"x": 0, "y": 0, "width": 1200, "height": bottom["y"] + bottom["height"] + 12}
        page.screenshot(path=str(SHOTS / "ticket.png"), full_page=True, clip=clip)
        context.close()
        context, page = signed_in("s.bernard", 900)
        page.goto(base_url + "/stats")
        page.screenshot(path=str(SHOTS / "stats.png"), full_page=True)
        page.goto(base_url + "/etablissements")
        page.screenshot(path=str(SHOTS / "etablissements.png"), full_page=True)
        page.goto(base_url + "/rapport")
        page.emulate_media(media="print")  # as the committee prints it
        page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
        page.screenshot(path=str(SHOTS / "rapport.png"), full_page=True)
        context.close()
        context, page = signed_in("c.martin", 844, width=390)
        page.screenshot(path=str(SHOTS / "phone.png"))
        context.close()
        browser.close()


def main() -> None:
    """Seed a throw-away instance, serve it on loopback, take the pictures."""
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        app = create_app(
            {
                "INSTANCE_PATH": str(instance),
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'triage.db'}",
                "SECRET_KEY": secrets.token_hex(16),
                "MODEL_DIR": str(instance / "models"),
                "ITOP_UI_URL": "https://itop.example.org",  # the links to iTop (never opened)
            }
        )
        with app.app_context():
            init_db()
            ensure_model(settings=get_settings(app))
            seed(app, random.Random(20261128))
        server = make_server("127.0.0.1", 0, app)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            take_pictures(f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
    for name in ("queue.png", "ticket.png", "stats.png", "phone.png", "etablissements.png",
                 "rapport.png"):  # fmt: skip
        print(f"{SHOTS / name}: {(SHOTS / name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
