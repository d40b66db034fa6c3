"""A UserRequest as the sync reads it: the fields asked of iTop, typed (dates aware, ids int).

iTop answers strings for almost everything (``"id": "2"``, an empty external key ``"0"``,
an empty date ``""``); ``UserRequest.from_object`` turns one ``core/get`` object into typed
values once, so the rest of the program never parses iTop's conventions again.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from connectors.itop.dates import parse_itop_date
from connectors.itop.wire import ItopObject

CLASS = "UserRequest"
# What a sync asks for: scalar fields only ("*" loads the link sets object by object: slow)
SYNC_FIELDS: tuple[str, ...] = (
    "id",
    "ref",
    "title",
    "description",
    "status",
    "org_id",
    "org_name",
    "caller_id",
    "caller_id_friendlyname",
    "agent_id",
    "agent_id_friendlyname",
    "team_id",
    "team_name",
    "service_name",
    "servicesubcategory_name",
    "priority",
    "urgency",
    "origin",
    "start_date",
    "assignment_date",
    "last_update",
    "resolution_date",
    "close_date",
    "public_log",  # the exchanges with the requester (the last ones go in escalation e-mails)
)
EXCHANGES_KEPT = 3  # the newest public-log entries kept per ticket
EXCHANGE_CHARS = 1000  # each cut to this many characters
# What a sync reads of a caller (a Person: iTop's Contact gives email and phone, Person adds
# mobile_phone): how the national level reaches the school's requester
CONTACT_FIELDS: tuple[str, ...] = ("id", "email", "phone", "mobile_phone")
# What a write-back reads just before it writes (the team and agent iTop holds now)
CURRENT_FIELDS: tuple[str, ...] = ("id", "team_id", "team_name", "agent_id", "last_update")


def _key(value: Any) -> int | None:
    """An external key: None when empty (``"0"``, ``""``), else the id."""
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        return None
    return number or None


@dataclass(frozen=True)
class UserRequest:
    """One iTop UserRequest, typed."""

    id: int
    ref: str
    title: str
    description_html: str
    status: str
    org_id: int | None
    organization: str
    caller: str
    agent_id: int | None
    agent: str
    team_id: int | None
    team: str  # the team's name in iTop, "" without a team
    service: str
    servicesubcategory: str
    priority: str
    urgency: str
    origin: str
    start_date: dt.datetime | None
    assignment_date: dt.datetime | None
    last_update: dt.datetime | None
    last_update_text: str  # as iTop wrote it: compared as is to tell two versions apart
    resolution_date: dt.datetime | None
    close_date: dt.datetime | None
    # the newest public-log entries, newest first: {"at": ISO 8601, "author", "text"}
    exchanges: tuple[dict[str, str], ...] = ()
    caller_id: int | None = None  # the iTop Person who asked (its contact: ``Contact``)

    @classmethod
    def from_object(cls, obj: ItopObject, tz: dt.tzinfo) -> "UserRequest":
        """Read one ``core/get`` object (fields of ``SYNC_FIELDS``; missing ones are empty)."""
        f = obj.fields
        team_id = _key(f.get("team_id"))
        agent_id = _key(f.get("agent_id"))
        return cls(
            id=obj.key,
            ref=str(f.get("ref") or f"#{obj.key}"),
            title=str(f.get("title") or ""),
            description_html=str(f.get("description") or ""),
            status=str(f.get("status") or ""),
            org_id=_key(f.get("org_id")),
            organization=str(f.get("org_name") or ""),
            caller=str(f.get("caller_id_friendlyname") or ""),
            agent_id=agent_id,
            agent=str(f.get("agent_id_friendlyname") or "") if agent_id else "",
            team_id=team_id,
            team=str(f.get("team_name") or "") if team_id else "",
            service=str(f.get("service_name") or ""),
            servicesubcategory=str(f.get("servicesubcategory_name") or ""),
            priority=str(f.get("priority") or ""),
            urgency=str(f.get("urgency") or ""),
            origin=str(f.get("origin") or ""),
            start_date=parse_itop_date(f.get("start_date"), tz),
            assignment_date=parse_itop_date(f.get("assignment_date"), tz),
            last_update=parse_itop_date(f.get("last_update"), tz),
            last_update_text=str(f.get("last_update") or ""),
            resolution_date=parse_itop_date(f.get("resolution_date"), tz),
            close_date=parse_itop_date(f.get("close_date"), tz),
            exchanges=exchanges(f.get("public_log"), tz),
            caller_id=_key(f.get("caller_id")),
        )


@dataclass(frozen=True)
class Contact:
    """How to reach a Person: e-mail and phone ("" when iTop has none)."""

    email: str = ""
    phone: str = ""  # the desk phone, the mobile after it when both are set and differ

    @classmethod
    def from_object(cls, obj: ItopObject) -> "Contact":
        """Read one Person (fields of ``CONTACT_FIELDS``; missing ones are empty)."""
        f = obj.fields
        phones = [str(f.get(name) or "").strip() for name in ("phone", "mobile_phone")]
        unique = [p for i, p in enumerate(phones) if p and p not in phones[:i]]
        return cls(email=str(f.get("email") or "").strip(), phone=" / ".join(unique))


def exchanges(log: Any, tz: dt.tzinfo) -> tuple[dict[str, str], ...]:
    """The newest entries of a case log as iTop answers it (``{"entries": [...]}``; iTop
    keeps insertion order, so they are sorted by date), newest first, as plain text."""
    entries = log.get("entries") if isinstance(log, dict) else None
    kept = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        at = parse_itop_date(entry.get("date"), tz)
        text = " ".join(str(entry.get("message") or "").split())[:EXCHANGE_CHARS]
        if at is not None and text:
            kept.append({"at": at.isoformat(), "author": str(entry.get("user_login") or ""),
                         "text": text})
    kept.sort(key=lambda e: e["at"], reverse=True)
    return tuple(kept[:EXCHANGES_KEPT])
