"""Case-log entries (``private_log``, ``public_log``) as iTop 3.2 appends them over REST.

- a plain string is HTML for iTop: sanitized (markup.py) and wrapped in ``<p>…</p>``;
  ``message`` is its text (files 41, 70-72);
- ``{"add_item": {"message": …, "format": "text"}}`` keeps the exact text in ``message``;
  ``message_html`` is it escaped, line breaks as ``<br/>`` (file 73);
- ``format: "html"``, or no ``format``, is sanitized, not wrapped (files 42, 74);
- ``date`` sets the entry's date; ``user_id`` (administrators only) sets the author: 0 with
  ``user_login`` as given (the entry's ``user_id`` is then the number 0, file 75), another
  id the User of that id. Otherwise the author is the caller: ``user_id`` its User id as a
  string, ``user_login`` its contact's friendly name (file 82).

Entries keep insertion order (the newest last), whatever their date.
"""

from typing import TYPE_CHECKING, Any

from connectors.itop.html import html_to_text
from connectors.itop.sandbox.markup import sanitize_html, text_to_html
from connectors.itop.sandbox.schema import RestError

if TYPE_CHECKING:
    from connectors.itop.sandbox.store import SandboxStore


def _author(
    store: "SandboxStore", attr: str, item: dict[str, Any], user: dict[str, Any] | None
) -> tuple[Any, str]:
    """(user_id, user_login) of an entry."""
    if "user_id" not in item or item["user_id"] is None:
        return str((user or {}).get("user_id", "0")), store.contact_name(user)
    if not (user or {}).get("admin"):
        raise RestError(1, f"Error: {attr}: Only administrators can set the user id")
    forced = item["user_id"]
    if str(forced) in ("0", ""):
        return forced, str(item.get("user_login", ""))
    account = store.user_by_id(forced)
    if account is None:
        raise RestError(100, f"Error: {attr}: user_id: Invalid object User::{forced}")
    return str(account["user_id"]), store.contact_name(account)


def entry(
    store: "SandboxStore", attr: str, value: Any, user: dict[str, Any] | None
) -> dict[str, Any]:
    """The entry a REST value appends to the case log ``attr`` (or iTop's error)."""
    item = value.get("add_item") if isinstance(value, dict) else None
    if isinstance(value, dict) and not isinstance(item, dict):
        raise RestError(100, f"Error: {attr}: Missing 'add_item' element")
    if item is None:
        markup = "<p>" + sanitize_html(str(value)) + "</p>"
        user_id, login, date = str((user or {}).get("user_id", "0")), store.contact_name(user), ""
        text = html_to_text(markup)
    else:
        user_id, login = _author(store, attr, item, user)
        date = str(item.get("date") or "")
        raw = str(item.get("message", ""))
        if item.get("format", "html") == "text":
            text, markup = raw, text_to_html(raw)
        else:
            markup = sanitize_html(raw)
            text = html_to_text(markup)
    return {
        "date": date or store.now_text(),
        "user_login": login,
        "user_id": user_id,
        "message": text,
        "message_html": markup,
    }
