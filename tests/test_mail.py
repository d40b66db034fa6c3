"""Building the escalation e-mail: French, text + HTML, escaped, stable Message-ID, links."""

import datetime as dt

from triage.config import Settings
from triage.mail import TicketFacts, build_mime, build_ticket_mail, message_id, ticket_links

CONFIG = {
    "BASE_URL": "https://triage.example.org/",
    "ITOP_URL": "https://itop.example.org",
    "ITOP_UI_URL": None,
    "ITOP_TIMEZONE": "Europe/Paris",
}
SETTINGS = Settings.from_mapping(CONFIG)
CREATED = dt.datetime(2026, 1, 2, 8, 30, tzinfo=dt.UTC)


def _facts(**changes) -> TicketFacts:
    values = {
        "ref": "R-000123",
        "itop_id": 123,
        "title": "DRASI - <script>alert('x')</script> connexion & droits",
        "organization": "Collège Jules Verne <b>",
        "caller": "Marie Dupont",
        "team": "DRASI",
        "status": "assigned",
        "created_at": CREATED,
        "age_days": 17.4,
        "description": "Message d'erreur : <img src=x onerror=alert(1)>\nÉtape 2 : valider",
        "history": [
            {
                "at": CREATED,
                "actor": "router",
                "source": "prefix",
                "from_team": "UNASSIGNED",
                "to_team": "DRASI",
                "reason": "préfixe <du> titre",
            },
        ],
    }
    values.update(changes)
    return TicketFacts(**values)


def test_escalation_mail_says_what_the_national_level_needs():
    mail = build_ticket_mail(level="national", facts=_facts(), days=15, settings=SETTINGS)
    assert mail.message_id == "<escalation-national-R-000123@triage>"
    assert mail.subject.startswith("[triage] Escalade au niveau national : R-000123")
    for needed in (
        "R-000123",
        "Collège Jules Verne",
        "Marie Dupont",
        "DRASI",
        "17 jours",
        "02/01/2026 09:30",
        "Étape 2 : valider",
        "Non attribué -> DRASI",
        "(préfixe du titre, Routeur)",
        "Statut iTop : Affecté",
        "ouverte depuis le 02/01/2026 (17 jours, plus de 15 jours)",
        "préfixe du titre",
        "https://triage.example.org/tickets/R-000123",
        "https://itop.example.org/pages/UI.php?operation=details&class=UserRequest&id=123",
    ):
        assert needed in mail.text, needed


def test_html_part_escapes_everything_from_itop():
    mail = build_ticket_mail(level="national", facts=_facts(), days=15, settings=SETTINGS)
    for raw in ("<script>", "<img src=x", "<b>", "<du>"):
        assert raw not in mail.html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in mail.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in mail.html
    assert 'href="https://itop.example.org/pages/UI.php?operation=details&amp;class=' in mail.html
    assert mail.html.startswith("<!DOCTYPE html><html lang='fr'>")


def test_warning_mail_names_the_team_and_the_limit():
    mail = build_ticket_mail(level="warning", facts=_facts(age_days=11), days=15, settings=SETTINGS)
    assert mail.message_id == "<escalation-warning-R-000123@triage>"
    assert "Avertissement" in mail.subject
    assert "de l'équipe DRASI est ouverte depuis le 02/01/2026 (11 jours)" in mail.text
    assert "après 15 jours" in mail.text  # no date known: the rule


def test_warning_mail_gives_the_date_of_the_escalation_and_the_time_per_team():
    facts = _facts(
        age_days=11,
        due_at=CREATED + dt.timedelta(days=15),
        durations=[{"team": "UNASSIGNED", "days": 0.5}, {"team": "DRASI", "days": 10.5}],
    )
    mail = build_ticket_mail(level="warning", facts=facts, days=15, settings=SETTINGS)
    assert "sera transférée au niveau national le 17/01/2026 à 09:30." in mail.text
    assert "Temps en Non attribué : 0,5 jours" in mail.text
    assert "Temps en DRASI : 10,5 jours" in mail.text
    assert "Temps en DRASI" in mail.html


def test_message_id_is_stable_and_safe():
    assert message_id(kind="escalation", level="national", ref="R-1") == message_id(
        kind="escalation", level="national", ref="R-1"
    )
    assert message_id(kind="escalation", level="national", ref="R 1<>@x") == (
        "<escalation-national-R_1___x@triage>"
    )


def test_links_prefer_the_itop_ui_url_and_survive_without_itop():
    ui = Settings.from_mapping({**CONFIG, "ITOP_UI_URL": "https://ui/"})
    links = ticket_links(ref="R-9", itop_id=9, settings=ui)
    assert links["itop"] == "https://ui/pages/UI.php?operation=details&class=UserRequest&id=9"
    no_itop = Settings.from_mapping({**CONFIG, "ITOP_URL": None})
    links = ticket_links(ref="R-9", itop_id=9, settings=no_itop)
    assert links == {"triage": "https://triage.example.org/tickets/R-9", "itop": None}
    mail = build_ticket_mail(level="national", facts=_facts(), days=15, settings=no_itop)
    assert "Dans iTop" not in mail.text and "Ouvrir dans iTop" not in mail.html


def test_mime_has_text_and_html_alternatives_and_headers():
    mail = build_ticket_mail(level="national", facts=_facts(), days=15, settings=SETTINGS)
    mime = build_mime(
        message_id=mail.message_id,
        sender="triage@example.org",
        to_addrs=["a@example.org", "b@example.org"],
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        date=CREATED,
    )
    assert mime.get_content_type() == "multipart/alternative"
    assert mime["Message-ID"] == "<escalation-national-R-000123@triage>"
    assert mime["To"] == "a@example.org, b@example.org"
    assert mime["Auto-Submitted"] == "auto-generated"
    assert mime.get_body(("plain",)).get_content() == mail.text
    assert mime.get_body(("html",)).get_content().strip() == mail.html
    assert "Collège" in mime.get_body(("plain",)).get_content()
