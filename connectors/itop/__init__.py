"""iTop: a REST/JSON client (``ItopClient``) and a sandbox server that speaks the same protocol."""

from connectors.itop.client import ItopClient, ItopObject, ItopPage
from connectors.itop.dates import format_itop_date, parse_itop_date
from connectors.itop.errors import (
    ItopAuthError,
    ItopError,
    ItopNotConfigured,
    ItopProtocolError,
    ItopRemoteError,
    ItopUnreachable,
)
from connectors.itop.html import html_to_text
from connectors.itop.oql import quote

__all__ = [
    "ItopAuthError",
    "ItopClient",
    "ItopError",
    "ItopNotConfigured",
    "ItopObject",
    "ItopPage",
    "ItopProtocolError",
    "ItopRemoteError",
    "ItopUnreachable",
    "format_itop_date",
    "html_to_text",
    "parse_itop_date",
    "quote",
]
