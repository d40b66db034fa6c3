"""A busy desk: agents changing open Op@le tickets while a client reads them.

Two ways, both with a seeded random generator:

- after every ``core/get`` answer, ``per_get`` tickets change (deterministic: the same
  requests give the same changes; ``Sandbox(updates_per_get=N)``);
- a background thread changes ``rate`` tickets a second (``start(rate)`` / ``stop()``,
  ``POST /_sandbox/activity {"rate": R}`` / ``DELETE``).

A change picks an open ticket (not resolved or closed) of the service ``Op@le`` and moves
its ``last_update`` to the sandbox clock: most times that is all (an edit of nothing a
client reads), sometimes a ``private_log`` entry, sometimes a status change (``new`` to
``assigned`` with a team, ``assigned`` to ``pending`` and back). Each goes to the change
log with userinfo "sandbox activity".
"""

import logging
import random
import threading
from typing import Any

from connectors.itop.sandbox.schema import TICKET
from connectors.itop.sandbox.store import SandboxStore

log = logging.getLogger(__name__)

SERVICE = "Op@le"
NOTES = (
    "Relance de l'utilisateur par téléphone.",
    "Analyse en cours, reproduit sur l'environnement de recette.",
    "En attente d'un retour de l'éditeur.",
    "Capture d'écran reçue, erreur confirmée.",
)
_USERINFO = "sandbox activity"


class Activity:
    """Ticket changes made "by agents", after each ``core/get`` and/or in the background."""

    def __init__(self, store: SandboxStore, *, per_get: int = 0, seed: int = 0) -> None:
        self.store = store
        self.per_get = per_get
        self.rng = random.Random(seed)
        self.rate = 0.0
        self.changed = 0  # how many changes were made so far
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def after_get(self) -> None:
        """Called by the server after each ``core/get`` answer."""
        if self.per_get:
            self.touch(self.per_get)

    def touch(self, count: int = 1) -> list[int]:
        """Change ``count`` random open Op@le tickets now; returns their ids."""
        changed = []
        with self.store.lock:
            for _ in range(count):
                ticket_id = self._change_one()
                if ticket_id is not None:
                    changed.append(ticket_id)
        self.changed += len(changed)
        return changed

    def _change_one(self) -> int | None:
        store = self.store
        candidates = sorted(
            (
                int(t["id"])
                for t in store.objects[TICKET].values()
                if t["service_name"] == SERVICE and t["status"] not in ("resolved", "closed")
            ),
        )
        if not candidates:
            return None
        ticket_id = self.rng.choice(candidates)
        ticket = store.objects[TICKET][ticket_id]
        roll = self.rng.random()
        fields: dict[str, Any] = {}
        if roll < 0.25:
            fields["private_log"] = self.rng.choice(NOTES)
        elif roll < 0.45:
            fields = self._next_status(ticket)
        store.update_ticket(ticket_id, comment=_USERINFO, **fields)
        return ticket_id

    def _next_status(self, ticket: dict[str, Any]) -> dict[str, Any]:
        now = self.store.now_text()
        if ticket["status"] == "new":
            teams = sorted(self.store.objects["Team"].values(), key=lambda t: int(t["id"]))
            team = ticket["team_name"] or (self.rng.choice(teams)["name"] if teams else None)
            return {"status": "assigned", "assignment_date": now, "team": team}
        if ticket["status"] == "pending":
            return {"status": "assigned", "assignment_date": now}
        return {
            "status": "pending",
            "last_pending_date": now,
            "pending_reason": "En attente du retour de l'utilisateur.",
        }

    # --- background -------------------------------------------------------------------------

    def start(self, rate: float) -> None:
        """Change ``rate`` tickets a second in a background thread (0 stops it)."""
        self.stop()
        self.rate = float(rate)
        if self.rate <= 0:
            self.rate = 0.0
            return
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._stopping, 1.0 / self.rate),
            name="itop-sandbox-activity", daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread, if any."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None
        self.rate = 0.0

    def _run(self, stopping: threading.Event, interval: float) -> None:
        while not stopping.wait(interval):
            try:
                self.touch(1)
            except Exception:  # noqa: BLE001 - the activity goes on whatever one change does
                log.exception("sandbox activity: a change failed")

    def status(self) -> dict[str, Any]:
        """What runs: ``rate`` (a second), ``per_get`` and the changes made so far."""
        return {"rate": self.rate, "per_get": self.per_get, "changed": self.changed}
