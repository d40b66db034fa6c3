"""``triage replay``: the router on the tickets people dispatched in iTop, nothing written."""

from sqlmodel import select

from tests.plugins.web import login
from triage.config import replace_settings
from triage.models import ItopWrite, ReplayRun
from triage.services.ingest import run_poll
from triage.services.replay import people_labels

TECHNICAL = (
    "<p>Impossible de me connecter au portail ARENA : mot de passe refusé, compte bloqué, "
    "clé OTP refusée, page blanche, erreur 403 accès refusé.</p>"
)


def test_replay_routes_people_dispatched_tickets_and_writes_nothing(
    itop_sandbox, itop_app, session, runner
):
    store = itop_sandbox.store
    store.add_ticket(title="SI2C - plus d'accès", description=TECHNICAL, team="DRASI")
    run_poll(session=session, settings=replace_settings(itop_app, itop_writeback=True))
    writes_before = len(session.exec(select(ItopWrite)).all())
    itop_before = {k: dict(v) for k, v in store.objects["UserRequest"].items()}

    labelled = people_labels(session=session, settings=replace_settings(itop_app))
    # the recorded instance's tickets with an SI2C or DRASI team set in iTop, plus ours
    assert {t.itop_id for t, _ in labelled} == {2, 3, 4, 5, 6, 10, 11, 12}
    assert dict((t.itop_id, team) for t, team in labelled)[12] == "DRASI"

    result = runner.invoke(args=["replay"])

    assert result.exit_code == 0, result.output
    run = session.exec(select(ReplayRun)).one()
    assert run.tickets == 8 and run.routed + run.left_to_human == 8
    assert run.wrong_prefixes == 1 and run.agreed <= run.routed
    assert f"Préfixes erronés : 1, rattrapés (pas envoyés à l'équipe du préfixe) : " \
           f"{run.wrong_caught}" in result.output
    assert "rien n'a été écrit" in result.output
    assert len(session.exec(select(ItopWrite)).all()) == writes_before
    assert {k: dict(v) for k, v in store.objects["UserRequest"].items()} == itop_before


def test_the_admin_page_shows_the_last_replay(itop_sandbox, itop_app, session, runner, client,
                                              users):
    run_poll(session=session, settings=replace_settings(itop_app))
    assert runner.invoke(args=["replay", "--since", "2026-01-01"]).exit_code == 0
    login(client, "admin")
    page = client.get("/admin").get_data(as_text=True)
    assert 'id="replay"' in page and "Tickets répartis dans iTop" in page
    assert "01/01/2026" in page
