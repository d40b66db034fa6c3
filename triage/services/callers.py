"""The callers' contacts (e-mail, phone) read from iTop's Person objects during a sync.

The national level calls the school back: the escalation e-mail gives the caller's e-mail and
phone. They live on the caller's Person, not on the UserRequest, so a sync reads them with one
``id IN (...)`` request per page, for the callers of open tickets it has not read yet in that
run (a closed backlog costs nothing). A Person that iTop refuses to give (a REST profile
without the right, a data model without those attributes) leaves the contacts as they were
and never fails the sync.
"""

import logging

from connectors.itop import CONTACT_FIELDS, Contact, ItopClient, ItopRemoteError, UserRequest
from triage.models import Ticket, is_open_status

log = logging.getLogger(__name__)


class CallerContacts:
    """The contacts one sync run has read, by iTop Person id."""

    def __init__(self, client: ItopClient) -> None:
        self.client = client
        self.known: dict[int, Contact] = {}
        self.refused = False  # iTop refused once: not asked again in this run

    def read(self, requests: list[UserRequest]) -> None:
        """Read the contacts of the open tickets' callers not read yet (one request)."""
        wanted = {r.caller_id for r in requests if r.caller_id and is_open_status(r.status)}
        missing = sorted(wanted - self.known.keys())
        if not missing or self.refused:
            return
        try:
            found = self.client.get_by_ids("Person", missing, output_fields=list(CONTACT_FIELDS))
        except ItopRemoteError as exc:
            self.refused = True
            log.warning("iTop gives no callers' contacts (kept as they were): %s", exc)
            return
        for person_id in missing:
            obj = found.get(person_id)
            self.known[person_id] = Contact.from_object(obj) if obj else Contact()

    def values(self, request: UserRequest, known: Ticket | None) -> dict[str, str]:
        """The ticket's contact columns: as read now, else as stored (nothing read: kept)."""
        contact = self.known.get(request.caller_id or 0)
        if contact is None:
            stored = (known.caller_email, known.caller_phone) if known else ("", "")
            return {"caller_email": stored[0], "caller_phone": stored[1]}
        return {"caller_email": contact.email, "caller_phone": contact.phone}
