"""iTop: a REST/JSON client (``ItopClient``) and a sandbox server that speaks the same protocol."""

from connectors.itop.client import ItopClient
from connectors.itop.dates import format_itop_date, parse_itop_date
from connectors.itop.errors import (
    ItopAuthError,
    ItopError,
    ItopNoAnswer,
    ItopNotConfigured,
    ItopProtocolError,
    ItopRemoteError,
    ItopUnreachable,
)
from connectors.itop.html import html_to_text
from connectors.itop.oql import quote
from connectors.itop.userrequest import (
    CONTACT_FIELDS,
    CURRENT_FIELDS,
    SYNC_FIELDS,
    Contact,
    UserRequest,
)
from connectors.itop.wire import ItopObject, ItopPage

__all__ = [
    "CONTACT_FIELDS",
    "CURRENT_FIELDS",
    "Contact",
    "SYNC_FIELDS",
    "UserRequest",
    "ItopAuthError",
    "ItopClient",
    "ItopError",
    "ItopNoAnswer",
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
