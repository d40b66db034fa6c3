"""A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, collecting the messages.

``smtp_server.stop()`` / ``smtp_server.start()`` simulate the server being down and back
(the port stays the same). ``smtp_server.settings()`` gives the app settings that use it.
"""

import email
import email.policy
import socket
import ssl
import subprocess
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    """aiosmtpd handler: keeps every accepted message (parsed) with its envelope."""

    def __init__(self, server: "SMTPServer"):
        self.server = server

    async def handle_RCPT(self, _server, _session, envelope, address, _options):  # noqa: N802
        refusal = self.server.refuse.get(address)
        if refusal:
            return refusal  # e.g. "550 5.1.1 <x@y>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.server.delay:
            time.sleep(self.server.delay)  # a slow server: senders overlap in tests
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SMTPServer:
    """A loopback SMTP server that can be stopped and started again on its port."""

    def __init__(
        self,
        *,
        login: tuple[str, str] | None = None,
        delay: float = 0.0,
        tls: tuple[str, str] | None = None,
    ):
        self.port = free_port()
        self.login = login
        self.tls = tls  # (certificate, key) files: STARTTLS offered and required
        self.delay = delay
        self.refuse: dict[str, str] = {}  # address -> the RCPT reply refusing it
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def _authenticate(self, _server, _session, _envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.login is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self.login
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        """Listen (again) on the server's port."""
        kwargs = {}
        if self.login:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": bool(self.tls),
            }
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.tls)
            kwargs.update(tls_context=context, require_starttls=True)
        self._controller = Controller(
            _Collector(self), hostname="127.0.0.1", port=self.port, **kwargs
        )
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start()``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self) -> dict:
        """The app settings that send mail to this server."""
        values = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_TIMEOUT": 5.0,
            "SMTP_STARTTLS": bool(self.tls),
            "SMTP_CA_FILE": self.tls[0] if self.tls else None,
        }
        if self.login:
            values.update(SMTP_USER=self.login[0], SMTP_PASSWORD=self.login[1])
        return values

    def attributes(self) -> dict:
        """The same settings as Settings attributes, for ``replace_settings(app, **...)``."""
        return {key.lower(): value for key, value in self.settings().items()}

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope named ``address``."""
        with self.lock:
            return [
                m
                for m, (_, rcpts) in zip(self.messages, self.envelopes, strict=True)
                if address in rcpts
            ]


@pytest.fixture
def smtp_server():
    """A running SMTP server collecting messages, stopped after the test."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def self_signed_certificate(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 (and its key) made with the openssl command."""
    cert, key = str(folder / "smtp-cert.pem"), str(folder / "smtp-key.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key
