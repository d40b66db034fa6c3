"""The demo's local mail server: each message it receives becomes an .eml file.

aiosmtpd comes with the ``demo`` extra: ``pip install 'triage[demo]'``.
"""

import datetime as dt
import logging
import re
import socket
import threading
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

log = logging.getLogger(__name__)


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
