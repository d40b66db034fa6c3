"""What keeps ``triage demo`` alive: tickets arriving in the sandbox, others moving on."""

import logging
import random
import threading
from typing import Any

from connectors.itop.sandbox import TICKET, SandboxStore
from connectors.itop.sandbox.data import AGENTS, TEAM_NAMES, TEXTS, VAGUE, ticket_spec
from triage_demo.tickets import corpus_texts

log = logging.getLogger(__name__)

# iTop status -> statuses an agent may move it to next (what the poll then picks up)
NEXT_STATUS = {
    "assigned": ["pending", "resolved", "resolved"],
    "pending": ["assigned"],
    "resolved": ["closed"],
}


class TicketActivity:
    """A thread that, every ``min_s``-``max_s`` seconds, adds a corpus ticket to the sandbox
    (``new``, no team) and now and then moves another ticket on (assigned, resolved...)."""

    def __init__(
        self, store: SandboxStore, *, min_s: float = 30, max_s: float = 60, seed: int = 7
    ) -> None:
        self.store, self.min_s, self.max_s = store, min_s, max_s
        self.rng = random.Random(seed)
        self.corpus = corpus_texts() or list(TEXTS)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="demo-activity", daemon=True)

    def start(self) -> "TicketActivity":
        """Start the thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread (at once: it only ever waits on the event)."""
        self.stopping.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.stopping.wait(self.rng.uniform(self.min_s, self.max_s)):
            try:
                self.step()
            except Exception:  # noqa: BLE001 - the demo goes on whatever happens here
                log.exception("demo activity step failed")

    def step(self) -> None:
        """One arrival, and with some luck a status change."""
        now = self.store.now()
        record = self.rng.choice(VAGUE if self.rng.random() < 0.1 else self.corpus)
        spec = ticket_spec(self.rng, record, start=now, now=now)
        spec.update(status="new", team=None, agent=None, resolution_date=None, close_date=None)
        spec["last_update"] = now
        ticket = self.store.add_ticket(**spec)
        log.info("démo : nouveau ticket %s « %s »", ticket["ref"], ticket["title"])
        if self.rng.random() < 0.6:
            self.move_one()

    def move_one(self) -> None:
        """Move one ticket along its life cycle as an agent in iTop would."""
        with self.store.lock:
            candidates = [
                t
                for t in self.store.objects[TICKET].values()
                if t["status"] in NEXT_STATUS or (t["status"] == "new" and t["team_name"])
            ]
            if not candidates:
                return
            ticket = self.rng.choice(candidates)
            now = self.store.now_text()
            if ticket["status"] == "new":  # routed by triage and written back: now assigned
                queue = next((q for q, n in TEAM_NAMES.items() if n == ticket["team_name"]), "")
                agent = self.rng.choice(AGENTS.get(queue) or AGENTS["SI2C"])
                self.store.set_external(ticket, "agent_id", self.store.person(agent))
                fields: dict[str, Any] = {"status": "assigned", "assignment_date": now}
            else:
                fields = {"status": self.rng.choice(NEXT_STATUS[ticket["status"]])}
                if fields["status"] == "resolved":
                    fields["resolution_date"] = now
                elif fields["status"] == "closed":
                    fields["close_date"] = now
            self.store.update_ticket(int(ticket["id"]), **fields)
        log.info("démo : %s passe à l'état %s", ticket["ref"], fields["status"])
