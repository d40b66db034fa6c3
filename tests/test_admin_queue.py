"""The admin page's outgoing queues: refused and uncertain messages shown, retried, settled."""

from sqlmodel import select

from tests.plugins.web import login
from triage.models import ItopWrite, OutboxMessage


def _message(session, status: str, error: str) -> OutboxMessage:
    row = OutboxMessage(
        message_id=f"<{status}@triage>", kind="escalation", to_addrs="x@example.org",
        subject=f"Objet {status}", body_text="Texte", status=status, attempts=1, last_error=error,
    )
    session.add(row)
    session.commit()
    return row


def test_refused_and_uncertain_mail_are_shown_and_handled(client, session, users):
    refused = _message(session, "refused", "destinataires refusés : x@example.org: 550 5.1.1")
    uncertain = _message(session, "uncertain", "envoyé, jamais acquitté par le serveur")
    login(client, "admin")
    page = client.get("/admin").get_data(as_text=True)
    assert 'id="mail-problems"' in page and "550 5.1.1" in page
    assert "refusé (à relancer)" in page and "Bien reçu" in page

    client.post("/admin/queue/mail/retry", data={"id": refused.id})
    client.post(f"/admin/queue/mail/{uncertain.id}/settle", data={"arrived": "1"})

    statuses = dict(session.exec(select(OutboxMessage.message_id, OutboxMessage.status)).all())
    assert statuses == {"<refused@triage>": "pending", "<uncertain@triage>": "sent"}


def test_a_refused_itop_write_is_retried_by_an_admin(client, session, users, ticket_factory):
    ticket = ticket_factory()
    session.add(ItopWrite(ticket_id=ticket.id, itop_id=ticket.itop_id, team="DRASI",
                          status="refused", last_error="code 100: No item found"))
    session.commit()
    login(client, "admin")
    assert "No item found" in client.get("/admin").get_data(as_text=True)
    client.post("/admin/queue/itop/retry", data={})
    assert session.exec(select(ItopWrite.status)).one() == "pending"


def test_only_admins_touch_the_queues(client, session, users):
    login(client, "superviseur")
    assert client.post("/admin/queue/mail/retry").status_code == 403
