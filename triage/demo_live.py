"""What keeps ``triage demo`` alive: tickets arriving in the sandbox, and a local mail sink."""

import datetime as dt
import logging
import random
import re
import socket
import threading
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from connectors.itop.sandbox import TICKET, SandboxStore
from triage.demo_data import AGENTS, TEAM_NAMES, VAGUE, load_corpus, ticket_spec
from triage.models import Team

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
        self.corpus = load_corpus()
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
                agent = self.rng.choice(AGENTS.get(queue) or AGENTS[Team.SI2C])
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


class _SaveMail:
    """aiosmtpd handler: each message received becomes an .eml file and one log line."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.count += 1
            number = self.count
        subject = str(
            make_header(decode_header(message_from_bytes(envelope.content)["Subject"] or ""))
        )
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        subject = " ".join(subject.split())  # unfold the long header's line breaks
        slug = re.sub(r"[^A-Za-z0-9]+", "-", subject)[:50].strip("-") or "mail"
        path = self.folder / f"{stamp}-{number:04d}-{slug}.eml"
        path.write_bytes(envelope.content)
        log.info(
            "démo : courriel à %s « %s » (%s)", ", ".join(envelope.rcpt_tos), subject, path.name
        )
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on 127.0.0.1 (a free port) writing what it receives to ``folder``."""

    def __init__(self, folder: Path, *, clear: bool = False) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.eml") if clear else ():  # a demo run starts afresh
            old.unlink()
        self.handler = _SaveMail(self.folder)
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> "MailSink":
        """Serve in aiosmtpd's thread."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.controller.stop()

    @property
    def received(self) -> int:
        """How many messages arrived."""
        return self.handler.count


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
