"""Requests received by phone / e-mail / visio: the form creates them in iTop through the one
outgoing queue, once; bad input gets French errors and queues nothing."""

from sqlmodel import select

from triage.config import replace_settings
from triage.models import ItopWrite, Ticket
from triage.services.ingest import run_poll
from triage.services.itop_push import push_pending

ORG = "Collège Jules Verne, Amiens (0801745T)"
FORM = {
    "channel": "phone",
    "team": "SI2C",
    "organization": ORG,
    "caller": "Marie Dupont",
    "title": "Question sur la DBM n°2",
    "description": "Appel de la gestionnaire : la DBM n°2 reste en brouillon.\nProduction.",
}


def _tickets(store, title):
    return [t for t in store.objects["UserRequest"].values() if t["title"] == title]


def test_a_phone_request_is_created_once_in_itop(itop_sandbox, itop_app, session, client_as):
    store = itop_sandbox.store
    store.named("Organization", ORG)
    store.person("Marie Dupont")
    settings = replace_settings(itop_app, itop_writeback=True)
    client = client_as("agent_si2c")
    response = client.post("/demandes/saisir", data=FORM)
    assert response.status_code == 302
    assert "mise en file" in client.get(response.location).get_data(as_text=True)

    first = push_pending(session=session, settings=settings)
    second = push_pending(session=session, settings=settings)  # two runs: one ticket
    assert (first["sent"], second["sent"]) == (1, 0)
    created = _tickets(store, "SI2C - Question sur la DBM n°2")
    assert len(created) == 1
    obj = created[0]
    assert (obj["origin"], obj["org_id_friendlyname"], obj["caller_id_friendlyname"]) == (
        "phone", ORG, "Marie Dupont")  # fmt: skip
    assert obj["service_name"] == "Op@le"
    assert (
        "Demande reçue par téléphone le" in obj["description"]
        and "agent_si2c" in obj["description"]
    )
    write = session.exec(select(ItopWrite).where(ItopWrite.kind == "create")).one()
    assert write.status == "done" and write.result_itop_id == int(obj["id"])

    run_poll(session=session, settings=settings)  # the sync brings it in, routed by its prefix
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == int(obj["id"]))).one()
    assert (ticket.origin, ticket.prefix) == ("phone", "SI2C") and ticket.routed_at is not None
    page = client.get("/demandes/saisir").get_data(as_text=True)
    assert f"créée dans iTop (n° {obj['id']})" in page


def test_a_visio_request_is_a_call_in_itop(itop_sandbox, itop_app, session, client_as):
    itop_sandbox.store.named("Organization", ORG)
    settings = replace_settings(itop_app, itop_writeback=True)
    client_as("superviseur").post("/demandes/saisir", data={**FORM, "channel": "visio",
                                                           "team": "DRASI"})  # fmt: skip
    push_pending(session=session, settings=settings)
    (obj,) = _tickets(itop_sandbox.store, "DRASI - Question sur la DBM n°2")
    assert obj["origin"] == "phone" and "Demande reçue en visio" in obj["description"]


def test_bad_input_gets_french_errors_and_queues_nothing(app, session, client_as):
    replace_settings(app, itop_writeback=True)
    client = client_as("agent_drasi")
    bad = {"channel": "fax", "team": "NATIONAL", "organization": " ", "caller": "",
           "title": "x" * 201, "description": ""}  # fmt: skip
    response = client.post("/demandes/saisir", data=bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "Choisissez le canal : téléphone, courriel ou visio.",
        "Choisissez l&#39;équipe destinataire : SI2C ou DRASI.",
        "Indiquez l&#39;établissement.",
        "Indiquez le demandeur",
        "Le titre est trop long (200 caractères au plus).",
        "Décrivez la demande.",
    ):
        assert message in page
    assert session.exec(select(ItopWrite)).all() == []


def test_without_write_back_nothing_is_queued(app, session, client_as):
    replace_settings(app, itop_writeback=False)
    client = client_as("agent_si2c")
    page = client.get("/demandes/saisir").get_data(as_text=True)
    assert "L'écriture vers iTop est désactivée" in page
    response = client.post("/demandes/saisir", data=FORM)
    assert response.status_code == 400
    assert "la demande ne peut pas être créée" in response.get_data(as_text=True)
    assert session.exec(select(ItopWrite)).all() == []


def test_a_typed_request_is_never_asked_to_be_completed(itop_sandbox, itop_app, session, client_as):
    store = itop_sandbox.store
    store.named("Organization", ORG)
    store.person("Marie Dupont")
    settings = replace_settings(itop_app, itop_writeback=True, completeness_request=True)
    typed = {**FORM, "channel": "mail", "description": "Rappeler la gestionnaire."}  # vague
    client_as("agent_si2c").post("/demandes/saisir", data=typed)
    push_pending(session=session, settings=settings)
    run_poll(session=session, settings=settings)
    push_pending(session=session, settings=settings)
    (obj,) = _tickets(store, "SI2C - Question sur la DBM n°2")
    assert obj["origin"] == "mail" and obj["public_log"]["entries"] == []
    assert session.exec(select(ItopWrite).where(ItopWrite.source == "completeness")).all() == []
