"""The pages: queue, ticket, requalify form, dashboard (and its services), admin."""

import datetime as dt
import re

import pytest
from sqlmodel import select

from tests.plugins.factories import make_ticket, seed_backlog
from triage.config import replace_settings
from triage.models import BacklogSnapshot, RoutingDecision, User, utcnow
from triage.services import dashboard
from triage.services.completeness import completeness


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (and settings) before the app is built."""


def text(response) -> str:
    return response.get_data(as_text=True)


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-ref="([^"]+)"', html)


@pytest.fixture
def seeded(session):
    session.add_all(seed_backlog(utcnow()))
    session.commit()


def test_queue_shows_the_agents_team_first_with_tabs(client_as, seeded):
    html = text(client_as("agent_drasi").get("/"))
    assert "45 tickets ouverts" in html and len(rows(html)) == 25
    for label, count in (("SI2C", 3), ("DRASI", 45), ("National", 12), ("À trier", 0)):
        assert re.search(label + r'\s*<span class="count">' + str(count) + "</span>", html)
    assert 'class="age age-late"' in html  # 30-day-old DRASI tickets come first
    page2 = text(client_as("agent_drasi").get("/?team=DRASI&page=2"))
    assert len(rows(page2)) == 20 and not set(rows(page2)) & set(rows(html))
    supervisor = text(client_as("superviseur").get("/"))
    assert "60 tickets ouverts" in supervisor  # no team: every open ticket, oldest first
    assert re.search(r'aria-current="page">\s*Toutes', supervisor)
    assert re.search(r'À trier\s*<span class="count">0</span>', supervisor)  # counts kept
    assert re.search(r'Toutes\s*<span class="count">60</span>', supervisor)
    every = text(client_as("superviseur").get("/?team=ALL&per_page=100"))
    assert "60 tickets ouverts" in every


def test_queue_columns_badges_search_and_overdue(client_as, ticket_factory, app):
    now = utcnow()
    ticket_factory(
        ref="R-A",
        title="DRASI compte bloqué",
        team="DRASI",
        team_source="model",
        confidence=0.87,
        organization="Lycée Hugo",
        created_at=now - dt.timedelta(days=2),
    )
    ticket_factory(
        ref="R-B",
        title="SI2C budget",
        team="DRASI",
        team_source="prefix",
        requalify_suggested=True,
        created_at=now - dt.timedelta(days=11),
    )
    ticket_factory(
        ref="R-C",
        title="ancien",
        team="DRASI",
        team_source="escalation",
        escalated_at=now,
        created_at=now - dt.timedelta(days=20),
    )
    client = client_as("agent_drasi")
    html = text(client.get("/"))
    assert rows(html) == ["R-C", "R-B", "R-A"]  # oldest first
    assert "modèle (87 %)" in html and "préfixe" in html and "escalade" in html
    assert "préfixe probablement erroné" in html and "escaladé" in html
    assert all(c in html for c in ("age-ok", "age-warn", "age-late"))
    assert rows(text(client.get("/?sort=newest"))) == ["R-A", "R-B", "R-C"]
    assert rows(text(client.get("/?q=hugo"))) == ["R-A"]
    assert rows(text(client.get("/?overdue=true"))) == ["R-C"]
    assert rows(text(client.get("/?team=TRIAGE"))) == []
    assert client.get("/?team=NOPE").status_code == 400


def test_ticket_page_shows_everything_escaped(client_as, ticket_factory):
    ticket_factory(
        ref="R-X",
        team="UNASSIGNED",
        title="<script>alert(1)</script> accès",
        description="Bonjour,\n<img src=x onerror=alert(2)>\nJe suis en production.",
        organization="Collège <b>Camus</b>",
    )
    html = text(client_as("agent_si2c").get("/tickets/R-X"))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>Camus</b>" not in html
    assert "Complétude de la demande" in html and "manquant" in html
    assert 'id="requalify"' in html and 'name="team"' in html
    assert "Décision de routage" in html


def test_ticket_page_gives_itop_priority_origin_and_exchanges_in_french(client_as, ticket_factory):
    exchanges = [{"at": "2026-11-30T08:15:00+00:00", "author": "Marie Dupont",
                  "text": "Toujours bloquée <b>ce matin</b>"}]
    ticket_factory(ref="R-P", team="SI2C", priority="2", urgency="3", origin="phone",
                   servicesubcategory="Budget", exchanges=exchanges)
    ticket_factory(ref="R-Q", team="SI2C")  # iTop said nothing
    client = client_as("agent_si2c")
    html = text(client.get("/tickets/R-P"))
    assert "haute (urgence moyenne)" in html and "téléphone" in html and "Budget" in html
    assert "30/11/2026 09:15</strong>, Marie Dupont : Toujours bloquée &lt;b&gt;ce matin" in html
    assert "— (urgence —)" in text(client.get("/tickets/R-Q"))


ITOP_LINK = "{base}/pages/UI.php?operation=details&amp;class=UserRequest&amp;id={id}"


def test_itop_links_on_the_queue_and_the_ticket(client_as, ticket_factory, app):
    ticket_factory(ref="R-L", itop_id=4242, team="DRASI", status="assigned")
    client = client_as("agent_drasi")
    assert 'class="itop"' not in text(client.get("/"))  # no iTop URL: no link
    assert 'id="itop-link"' not in text(client.get("/tickets/R-L"))
    replace_settings(app, itop_url="https://itop.example.org/itop/")
    link = ITOP_LINK.format(base="https://itop.example.org/itop", id=4242)
    queue = text(client.get("/"))
    assert (
        f'<a class="itop" href="{link}" target="_blank" rel="noopener noreferrer" '
        'aria-label="Ouvrir R-L dans iTop (nouvel onglet)">' in queue
    )
    replace_settings(app, itop_ui_url="https://support.example.org")  # wins over ITOP_URL
    page = text(client.get("/tickets/R-L"))
    link = ITOP_LINK.format(base="https://support.example.org", id=4242)
    assert f'id="itop-link" class="button" href="{link}" target="_blank"' in page
    assert "Ouvrir R-L dans iTop" in page and "(nouvel onglet)" in page


def test_pages_speak_french(client_as, ticket_factory, session):
    ticket = ticket_factory(ref="R-F", team="DRASI", status="assigned", team_source="prefix")
    session.add_all(
        [
            RoutingDecision(
                ticket_id=ticket.id,
                actor="router",
                source="model",
                from_team="UNASSIGNED",
                to_team="SI2C",
                confidence=0.87,
            ),
            RoutingDecision(
                ticket_id=ticket.id,
                actor="itop",
                source="itop",
                from_team="SI2C",
                to_team="DRASI",
                reason="équipe iTop : DRASI",
            ),
        ]
    )
    session.commit()
    client = client_as("agent_drasi")
    page = text(client.get("/tickets/R-F"))
    assert re.search(r'id="ticket-status">\s*Affecté', page) and ">assigned<" not in page
    history = page[page.index('id="history"') :]
    assert "Routeur" in history and "Modèle (87 %)" in history
    assert "Équipe changée dans iTop" in history and ">router<" not in history
    assert re.search(r'<span class="age [^"]+">1&nbsp;j</span>', text(client.get("/")))
    bad = client.get("/?page=deux")
    assert bad.status_code == 400
    assert "Le numéro de page doit être un nombre entier." in text(bad)
    assert "must be" not in text(bad)
    late = client.get("/?per_page=1000")
    assert late.status_code == 400 and "doit être entre 1 et 200" in text(late)
    assert "File inconnue" in text(client.get("/?team=NOPE"))
    # the JSON API keeps its English messages and stable error codes
    api = client.get("/api/v1/tickets?page=deux")
    assert api.status_code == 400 and api.get_json()["message"] == "page must be an integer"


def test_a_form_without_its_csrf_token_gets_a_french_page(client_as, app):
    client = client_as("agent_drasi")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.post("/logout")
    assert page.status_code == 400 and "Le formulaire a expiré" in text(page)
    assert "CSRF token" not in text(page)
    api = client.post("/api/v1/classify", json={"title": "x", "description": ""})
    assert api.status_code == 400 and set(api.get_json()) == {"error", "message"}


def test_requalify_form_moves_the_ticket(client_as, ticket_factory, session):
    ticket = ticket_factory(ref="R-M", team="DRASI", needs_review=True)
    client = client_as("agent_drasi")
    response = client.post("/tickets/R-M/requalify", data={"team": "SI2C", "comment": "budget"})
    assert response.status_code == 302 and response.headers["Location"] == "/tickets/R-M"
    html = text(client.get("/tickets/R-M"))
    assert "requalifié vers SI2C" in html
    assert re.search(r'id="ticket-source">\s*agent', html)
    assert "budget" in html and "agent_drasi" in html
    session.refresh(ticket)
    assert (ticket.team, ticket.team_source, ticket.needs_review) == ("SI2C", "agent", False)
    # now in SI2C: the DRASI agent may not move it again, and sees no form
    assert client.post("/tickets/R-M/requalify", data={"team": "DRASI"}).status_code == 403
    assert 'id="requalify"' not in text(client.get("/tickets/R-M"))
    assert (
        client_as("superviseur").post("/tickets/R-M/requalify", data={"team": "NOPE"}).status_code
        == 400
    )


def test_completeness_heuristics():
    full = make_ticket(
        title="SI2C erreur",
        description=(
            "Je suis Marie DURAND, gestionnaire au collège Camus. En production, sphère "
            "ordonnateur : j'ai cliqué sur Valider, message d'erreur code 500. Capture jointe."
        ),
    )
    assert all(item.present for item in completeness(full))
    bare = make_ticket(title="problème", description="ça ne marche pas", caller="", organization="")
    missing = {item.key for item in completeness(bare) if not item.present}
    assert missing == {
        "person",
        "role",
        "establishment",
        "environment",
        "sphere",
        "steps",
        "screenshot",
        "error",
    }
    with_img = make_ticket(description_html='<p>voir <img src="data:x"></p>')
    assert next(i for i in completeness(with_img) if i.key == "screenshot").present


def test_stats_page_and_csv(client_as, seeded, session):
    today = utcnow().date()
    for days_ago, drasi in ((2, 40), (1, 44), (0, 45)):
        session.add(
            BacklogSnapshot(
                day=today - dt.timedelta(days=days_ago),
                team="DRASI",
                total=100,
                open=drasi,
                overdue=20,
            )
        )
    session.commit()
    client = client_as("agent_si2c")  # agents may read the dashboard
    html = text(client.get("/stats"))
    assert (
        'data-key="open-total">60<' in html and 'data-key="open_over_threshold-DRASI">26<' in html
    )
    for chart in ("chart-trend", "chart-ages", "chart-establishments"):
        assert f'id="{chart}"' in html
    assert "<polyline" in html and "Collège Jules Verne" in html
    csv_response = client.get("/stats.csv")
    assert csv_response.mimetype == "text/csv"
    lines = csv_response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Demandes d'assistance;Total;Remontées au national")
    assert lines[2].split(";")[1:] == ["60", "12", "3", "45", "0"]


def test_dashboard_figures(session, settings, seeded):
    ages = dashboard.age_distribution(session=session, settings=settings)
    assert ages["series"]["DRASI"] == [0, 19, 0, 0, 26]  # 30 days and a bit: "30 j et plus"
    assert ages["series"]["NATIONAL"] == [0, 10, 0, 0, 2] and ages["series"]["SI2C"] == [
        3,
        0,
        0,
        0,
        0,
    ]
    top = dashboard.top_establishments(session=session, settings=settings)
    assert top == [{"organization": "Collège Jules Verne", "open": 60, "overdue": 28}]
    # prefixes: one right, one flagged by the router, one moved by an agent
    tickets = [
        make_ticket(prefix="SI2C", team="SI2C", team_source="prefix"),
        make_ticket(prefix="SI2C", team="SI2C", requalify_suggested=True),
        make_ticket(prefix="DRASI", team="DRASI", team_source="prefix"),
    ]
    session.add_all(tickets)
    session.commit()
    t = tickets[2]
    session.add(
        RoutingDecision(
            ticket_id=t.id,
            actor="router",
            source="prefix",
            from_team="UNASSIGNED",
            to_team="DRASI",
            at=utcnow() - dt.timedelta(hours=2),
        )
    )
    session.add(
        RoutingDecision(
            ticket_id=t.id,
            actor="marie",
            source="agent",
            from_team="DRASI",
            to_team="SI2C",
            at=utcnow(),
        )
    )
    session.add(
        RoutingDecision(
            ticket_id=tickets[0].id,
            actor="router",
            source="model",
            from_team="UNASSIGNED",
            to_team="SI2C",
            confidence=0.9,
            at=utcnow() - dt.timedelta(hours=2),
        )
    )
    session.add(
        RoutingDecision(
            ticket_id=tickets[0].id,
            actor="paul",
            source="agent",
            from_team="SI2C",
            to_team="SI2C",
            at=utcnow(),
        )
    )
    session.commit()
    share = dashboard.wrong_prefix_share(session=session, settings=settings)
    assert (share["with_prefix"], share["wrong"]) == (3, 2)
    accuracy = dashboard.router_accuracy(session=session, settings=settings)
    assert (accuracy["compared"], accuracy["agreed"], accuracy["accuracy"]) == (2, 1, 0.5)
    assert accuracy["by_source"]["prefix"] == {"compared": 1, "agreed": 0}


def test_admin_users_and_tokens(client_as, session, users):
    client = client_as("admin")
    html = text(client.get("/admin"))
    assert "Synchronisation iTop" in html and "Modèle de routage" in html
    assert "<h2>Courriels</h2>" in html and "(outbox)" not in html
    response = client.post(
        "/admin/users",
        data={"login": "lea", "password": "motdepasse-9", "role": "agent", "team": "NATIONAL"},
    )
    assert response.status_code == 302
    lea = session.exec(select(User).where(User.login == "lea")).one()
    assert lea.team == "NATIONAL" and lea.role == "agent"
    html = text(
        client.post(
            "/admin/users",
            data={"login": "x", "password": "motdepasse-9", "role": "agent"},
            follow_redirects=True,
        )
    )
    assert "Compte non créé" in html
    created = text(client.post("/admin/tokens", data={"user_id": lea.id, "name": "script"}))
    token = re.search(r'id="new-token">([^<]+)<', created).group(1)
    assert (
        client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    assert token not in text(client.get("/admin"))  # shown once
    token_id = re.search(r"/admin/tokens/(\d+)/revoke", created).group(1)
    client.post(f"/admin/tokens/{token_id}/revoke")
    assert (
        client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    client.post(f"/admin/users/{lea.id}/active", data={"active": "0"})
    session.refresh(lea)
    assert lea.active is False
    client.post(f"/admin/users/{users['admin'].id}/active", data={"active": "0"})
    session.refresh(users["admin"])
    assert users["admin"].active is True  # one cannot lock oneself out


def test_times_are_local_french_with_a_relative_hint(app):
    from triage.web.filters import confidence_text, local_time, relative, when

    with app.test_request_context():
        assert local_time("2026-11-28T15:32:09+00:00") == "28/11/2026 16:32"  # Europe/Paris
        assert local_time(dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC)) == "01/07/2026 10:05"
        now = dt.datetime(2026, 11, 28, 15, 34, 30, tzinfo=dt.UTC)
        assert relative("2026-11-28T15:32:09+00:00", now=now) == "il y a 2\u00a0min"
        assert relative(now - dt.timedelta(hours=5, minutes=3), now=now) == "il y a 5\u00a0h"
        assert relative(now - dt.timedelta(days=3), now=now) == "il y a 3\u00a0j"
        assert relative(now + dt.timedelta(minutes=10), now=now) == "dans 10\u00a0min"
        assert relative(now, now=now) == "à l'instant"
        assert when(None) == "—"
        assert (confidence_text(0.997), confidence_text(0.87), confidence_text(1.0)) == (
            "> 99 %",
            "87 %",
            "100 %",
        )
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d \(à l'instant\)", when(utcnow()))


def test_admin_shows_a_readable_model_card_and_failing_jobs_in_red(client_as, session):
    from triage.services.jobs import save_run

    now = utcnow()
    save_run(
        session=session,
        job_id="poll",
        started_at=now - dt.timedelta(minutes=3),
        duration_ms=1200,
        interval_seconds=120,
        error="ItopError: connexion refusée",
    )
    save_run(
        session=session,
        job_id="outbox",
        started_at=now - dt.timedelta(minutes=2),
        duration_ms=40,
        interval_seconds=300,
        outcome="sent=2",
    )
    html = text(client_as("admin").get("/admin"))
    assert 'class="row-bad" data-job="poll"' in html and "connexion refusée" in html
    assert "Relève iTop" in html and "Envoi des courriels" in html
    outbox_row = (
        r'data-job="outbox"><td[^>]*>Envoi des courriels</td>\s*<td[^>]*>[^<]*il y a 2\xa0min'
    )
    assert re.search(outbox_row, html)
    assert "2 envoyés" in html and "sent=2" not in html  # outcomes in words
    assert "+00:00" not in html  # no raw UTC ISO strings
    card = re.search(r'<dl class="facts" id="model-card">(.*?)</dl>', html, re.S).group(1)
    for label in ("Entraîné le", "Type de modèle", "Tickets d&#39;entraînement", "Macro-F1"):
        assert f"<dt>{label}" in card
    assert "Exactitude en validation croisée" in card and "Score de Brier" in card
    assert "SVM linéaire calibré" in card or "Régression logistique" in card
    assert "model_sha256" not in card and "created_at" not in card
    assert re.search(r"<dd>[0-9a-f]{12}…</dd>", card)  # the hash, shortened
