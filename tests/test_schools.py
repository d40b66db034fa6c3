"""Schools in difficulty: the CSV import (CLI, admin upload), ticket matching, the ranking,
a school's page and its audited "suivi particulier"."""

import datetime as dt
import io

from sqlmodel import select

from connectors.itop.sandbox.data import ESTABLISHMENTS
from triage.models import School, SchoolNote, utcnow
from triage_demo.run import SCHOOLS_CSV

GOOD = """UAI;Nom;Commune;Vague;Kit (%);Budget intégré
0801745T;Collège Jules Verne;Amiens;V6;8;non
0800007X;Lycée Louis Thuillier;Amiens;V6;45,5;oui
0020009P;Collège Henri Matisse;Bohain;5;72 %;oui
"""


def _import(runner, tmp_path, text, name="etab.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["import-schools", str(path)])


def _schools(session):
    session.expire_all()
    return {s.uai: s for s in session.exec(select(School))}


def test_import_creates_then_updates(runner, session, tmp_path):
    result = _import(runner, tmp_path, GOOD)
    assert result.exit_code == 0, result.output
    assert "3 établissement(s) créé(s), 0 mis à jour" in result.output
    schools = _schools(session)
    assert schools["0800007X"].kit_progress == 45.5
    assert schools["0020009P"].wave == "V5" and schools["0020009P"].budget_integrated
    assert not schools["0801745T"].budget_integrated and schools["0801745T"].town == "Amiens"

    changed = GOOD.replace(
        "0801745T;Collège Jules Verne;Amiens;V6;8;non",
        "0801745T;Collège Jules Verne;Amiens;V6;35;oui",
    )
    result = _import(runner, tmp_path, changed)
    assert result.exit_code == 0, result.output
    assert "0 établissement(s) créé(s), 1 mis à jour, 2 inchangé(s)" in result.output
    school = _schools(session)["0801745T"]
    assert (school.kit_progress, school.budget_integrated) == (35, True)


def test_bad_lines_are_all_reported_in_french_and_nothing_is_imported(runner, session, tmp_path):
    assert _import(runner, tmp_path, GOOD).exit_code == 0
    bad = (
        "uai,nom,vague,kit,budget\n"
        "0801745T,Collège Jules Verne,V6,90,oui\n"  # a good line: must not be applied either
        "080174,Collège Sans UAI,V6,10,non\n"
        "0800099B,,V8,150,peut-être\n"
        "0801745T,Doublon,V6,1,non\n"
    )
    result = _import(runner, tmp_path, bad)
    assert result.exit_code != 0
    assert "ligne 3 : UAI « 080174 » invalide (7 chiffres et une lettre attendus)" in result.output
    assert "ligne 4 : nom manquant" in result.output
    assert "ligne 4 : kit « 150 » invalide (pourcentage de 0 à 100)" in result.output
    assert "ligne 4 : budget intégré « peut-être » invalide (oui ou non)" in result.output
    assert "ligne 5 : UAI 0801745T déjà donné ligne 2" in result.output
    assert "rien n'a été importé" in result.output
    schools = _schools(session)
    assert len(schools) == 3 and schools["0801745T"].kit_progress == 8


def test_a_file_without_the_required_columns_is_refused(runner, session, tmp_path):
    result = _import(runner, tmp_path, "UAI;Nom\n0801745T;Collège Jules Verne\n")
    assert result.exit_code != 0
    assert "ligne 1 : colonne(s) manquante(s) : vague, kit, budget" in result.output
    assert _schools(session) == {}


def test_the_demo_file_covers_the_sandbox_establishments(runner, session):
    result = runner.invoke(args=["import-schools", str(SCHOOLS_CSV)])
    assert result.exit_code == 0, result.output
    names = {s.itop_organization for s in _schools(session).values()}
    assert names == set(ESTABLISHMENTS)


def _seed(runner, tmp_path, ticket_factory):
    assert _import(runner, tmp_path, GOOD).exit_code == 0
    old = utcnow() - dt.timedelta(days=30)
    ticket_factory(organization="Collège Jules Verne", created_at=old, title="Budget bloqué")
    ticket_factory(organization="Collège Jules Verne", team="NATIONAL", escalated_at=utcnow())
    ticket_factory(organization="Rectorat", description="Pour le collège 0801745t, merci")
    ticket_factory(organization="Lycée Louis Thuillier, Amiens (0800007X)", status="closed")
    ticket_factory(
        organization="Lycée Louis Thuillier",
        status="assigned",
        resolved_at=utcnow() - dt.timedelta(days=2),
    )  # reopened
    ticket_factory(organization="Ailleurs", title="Rien à voir")
    ticket_factory(organization="COLLÈGE HENRI MATISSE", title="Matisse en capitales")
    ticket_factory(organization="Collège Henri Matisse annexe", title="Une autre organisation")


def test_ranking_with_reasons_filter_and_csv(runner, tmp_path, ticket_factory, client_as):
    _seed(runner, tmp_path, ticket_factory)
    client = client_as("agent_si2c")
    page = client.get("/etablissements").get_data(as_text=True)
    assert page.index("0801745T") < page.index("0800007X") < page.index("0020009P")
    assert "3 demandes en cours" in page
    assert "1 demande en cours depuis plus de 15 j" in page
    assert "1 demande remontée au national" in page
    assert "kit de bascule à 8 % (moins de 10 % des actions finalisées)" in page
    assert "budget non intégré dans Op@le" in page
    assert "1 demande rouverte" in page
    only_v5 = client.get("/etablissements?vague=V5").get_data(as_text=True)
    assert "0020009P" in only_v5 and "0801745T" not in only_v5
    export = client.get("/etablissements.csv")
    assert export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("UAI;Établissement;Commune;Vague")
    first = lines[1].split(";")
    # 3 open (3), 1 overdue (2), 1 escalated (2), kit 8 % (5), budget (4), newest wave V6 (1)
    assert first[0] == "0801745T" and first[7:9] == ["3", "1"] and first[11] == "17"


def test_school_page_and_audited_follow_up(runner, tmp_path, ticket_factory, client_as, session):
    _seed(runner, tmp_path, ticket_factory)
    agent = client_as("agent_si2c")
    page = agent.get("/etablissements/0801745T").get_data(as_text=True)
    assert "8 % des actions finalisées" in page and "Budget bloqué" in page
    assert "Rien à voir" not in page
    matisse = agent.get("/etablissements/0020009P").get_data(as_text=True)
    assert "Matisse en capitales" in matisse and "Une autre organisation" not in matisse
    assert (
        agent.post("/etablissements/0801745T/suivi", data={"suivi": "1", "note": "x"}).status_code
        == 403
    )

    supervisor = client_as("superviseur")
    refused = supervisor.post("/etablissements/0801745T/suivi", data={"suivi": "1", "note": " "})
    assert "Une note est nécessaire" in supervisor.get(refused.location).get_data(as_text=True)
    assert not _schools(session)["0801745T"].follow_up

    done = supervisor.post(
        "/etablissements/0801745T/suivi", data={"suivi": "1", "note": "Visio le 5"}
    )
    assert done.status_code == 302
    school = _schools(session)["0801745T"]
    assert (school.follow_up, school.follow_up_by, school.follow_up_note) == (
        True,
        "superviseur",
        "Visio le 5",
    )
    page = supervisor.get("/etablissements/0801745T").get_data(as_text=True)
    assert "mis en suivi particulier par superviseur : Visio le 5" in page
    supervisor.post("/etablissements/0801745T/suivi", data={"suivi": "0", "note": ""})
    notes = session.exec(select(SchoolNote).order_by(SchoolNote.id)).all()
    assert [(n.actor, n.follow_up) for n in notes] == [
        ("superviseur", True),
        ("superviseur", False),
    ]
    assert agent.get("/etablissements/0000000X").status_code == 404


def test_admin_upload_all_or_nothing(client_as, session):
    admin = client_as("admin")
    bad = "uai;nom;vague;kit;budget\n0801745T;Collège;V6;10;non\n12;X;V6;10;non\n"
    response = admin.post(
        "/admin/etablissements",
        data={"fichier": (io.BytesIO(bad.encode()), "e.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "Fichier refusé, rien n&#39;a été importé" in text and "ligne 3 : UAI" in text
    assert _schools(session) == {}
    good = GOOD.encode("cp1252")  # as Excel saves it
    response = admin.post(
        "/admin/etablissements",
        data={"fichier": (io.BytesIO(good), "e.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "3 créé(s)" in response.get_data(as_text=True)
    assert _schools(session)["0801745T"].name == "Collège Jules Verne"
    agent = client_as("agent_si2c")
    assert agent.post("/admin/etablissements", data={}).status_code == 403
