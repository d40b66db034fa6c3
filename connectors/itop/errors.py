"""Typed errors of the iTop connector: callers catch ``ItopError`` or one of its kinds."""


class ItopError(Exception):
    """Anything that kept a call to iTop from giving a usable answer."""


class ItopUnreachable(ItopError):
    """No answer: connection refused or cut, timeout, or HTTP 5xx after the retries."""


class ItopNoAnswer(ItopUnreachable):
    """A write was sent but no answer came back (time-out, connection cut): it may have been
    applied. It is never retried blindly: check iTop before sending it again."""


class ItopProtocolError(ItopError):
    """An answer that is not iTop's REST/JSON protocol (not JSON, unexpected shape)."""


class ItopRemoteError(ItopError):
    """iTop answered with a non-zero ``code`` (bad OQL, unknown object, invalid value...)."""

    summary = "iTop refused the request"

    def __init__(self, code: int, message: str, operation: str = "") -> None:
        self.code = code
        self.remote_message = message
        self.operation = operation
        super().__init__(f"{self.summary} (code {code}: {message})")


class ItopAuthError(ItopRemoteError):
    """iTop refused the login or the rights (code 1)."""

    summary = "iTop refused the login"


class ItopNotConfigured(ItopError):
    """The connector lacks its URL or credentials."""
