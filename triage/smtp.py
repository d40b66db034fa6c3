"""Sending e-mail over SMTP: the outbox's channel, telling each failure for what it is.

``smtplib`` raises ``SMTPException`` subclasses that are all ``OSError``s, so "the server is
gone" and "the server refused this one recipient" look alike from outside. ``SmtpChannel``
reads the server's reply codes instead:

- every recipient refused with a 5xx, or the message refused at the end of DATA with a 5xx:
  that message alone is ``Refused`` (kept with the server's answer; an admin retries it);
- a 4xx for that message: ``Deferred`` (backed off; the rest of the batch goes on);
- no connection, the login or the sender refused, a 421, a cut before the message was sent:
  ``Unavailable`` (the batch backs off);
- a time-out or a cut after the message itself was sent, before the server acknowledged it:
  ``Unconfirmed`` (the server may have it: never resent without an admin).

Time-outs follow RFC 5321 section 4.5.3.2: ``SMTP_TIMEOUT`` to connect and greet,
``SMTP_COMMAND_TIMEOUT`` (5 minutes) per command, ``SMTP_DATA_TIMEOUT`` (10 minutes) for the
reply to the end of DATA.
"""

import smtplib
import ssl

from triage.config import Settings
from triage.mail import build_mime
from triage.models import OutboxMessage
from triage.services.outgoing import Deferred, Refused, Unavailable, Unconfirmed


class TrackingSMTP(smtplib.SMTP):
    """An ``smtplib.SMTP`` that knows when the message itself has gone (the DATA payload)."""

    data_timeout: float = 600.0
    payload_sent = False
    _in_data = False

    def data(self, msg):
        """DATA, noting when the payload goes (then waiting ``data_timeout`` for the reply)."""
        self._in_data, self.payload_sent = True, False
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def send(self, s):
        """Send a command or, inside DATA, the payload (bytes)."""
        if self._in_data and isinstance(s, bytes) and self.sock is not None:
            self.payload_sent = True
            self.sock.settimeout(self.data_timeout)
        return super().send(s)


def open_smtp(settings: Settings) -> TrackingSMTP:
    """Connect to the configured mail server (STARTTLS and login when configured)."""
    smtp = TrackingSMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    smtp.data_timeout = settings.smtp_data_timeout
    try:
        if smtp.sock is not None:
            smtp.sock.settimeout(settings.smtp_command_timeout)
        smtp.ehlo()
        if settings.smtp_starttls:
            # the server's certificate is verified (system CAs, or SMTP_CA_FILE)
            smtp.starttls(context=ssl.create_default_context(cafile=settings.smtp_ca_file))
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip()


class SmtpChannel:
    """The outbox's channel: one SMTP connection, opened on first use, reused for the batch."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: TrackingSMTP | None = None

    def close(self) -> None:
        """Say goodbye to the server (or just close the socket)."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def send(self, message: OutboxMessage) -> str | None:
        """Hand one message to the server; returns the refused recipients, if some were."""
        to_addrs = [a.strip() for a in message.to_addrs.split(",") if a.strip()]
        try:
            mime = build_mime(
                message_id=message.message_id,
                sender=self.settings.mail_from,
                to_addrs=to_addrs,
                subject=message.subject,
                text=message.body_text,
                html=message.body_html,
                date=message.created_at,
            )
        except (ValueError, TypeError) as exc:  # a message that cannot be written as MIME
            raise Refused(f"message impossible à construire : {exc}") from exc
        smtp = self._connection()
        try:
            refused = smtp.send_message(mime, from_addr=self.settings.mail_from, to_addrs=to_addrs)
        except smtplib.SMTPRecipientsRefused as exc:
            if any(code == 421 for code, _ in exc.recipients.values()):
                self.close_quietly()  # smtplib closed it: the server is going away
            raise _for_recipients(exc.recipients) from exc
        except smtplib.SMTPDataError as exc:
            raise _for_message(exc.smtp_code, exc.smtp_error, "message") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise Refused(f"le serveur ne peut pas transmettre ce message : {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            sent = smtp.payload_sent
            self.close_quietly()
            detail = f"{type(exc).__name__}: {exc}"
            if sent:
                raise Unconfirmed(f"envoyé, jamais acquitté par le serveur ({detail})") from exc
            raise Unavailable(detail) from exc
        return ", ".join(f"{a}: {_reply(c, t)}" for a, (c, t) in refused.items()) or None

    def close_quietly(self) -> None:
        """Drop a connection that can no longer be trusted."""
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            smtp.close()

    def _connection(self) -> TrackingSMTP:
        if self.smtp is None:
            try:
                self.smtp = open_smtp(self.settings)
            except (OSError, smtplib.SMTPException) as exc:
                raise Unavailable(f"{type(exc).__name__}: {exc}") from exc
        return self.smtp


def _for_recipients(recipients: dict) -> Exception:
    """Every recipient refused: for good when all said 5xx, else later."""
    detail = "destinataires refusés : " + ", ".join(
        f"{addr}: {_reply(code, text)}" for addr, (code, text) in recipients.items()
    )
    if any(code == 421 for code, _ in recipients.values()):
        return Unavailable(detail)
    if all(500 <= code < 600 for code, _ in recipients.values()):
        return Refused(detail)
    return Deferred(detail)


def _for_message(code: int, text: bytes | str, what: str) -> Exception:
    """A reply refusing the message: 5xx for good, 4xx later (421: the server is going)."""
    detail = f"{what} refusé : {_reply(code, text)}"
    if code == 421:
        return Unavailable(detail)
    return Refused(detail) if 500 <= code < 600 else Deferred(detail)
