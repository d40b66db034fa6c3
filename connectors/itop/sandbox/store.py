"""The sandbox's data: iTop objects kept as iTop answers them (field values as strings).

A small in-memory iTop: UserRequest tickets with the recorded ``*`` field set, the
Organization, Person, Team, Service and ServiceSubcategory objects their external keys
point to, team memberships, and the change log (history.py). Thread-safe (one lock); its
clock can be frozen or shifted by tests. Ticket helpers (add, update, move, delete) are in
tickets.py and reachable as methods.
"""

import datetime as dt
import json
import threading
import unicodedata
import zlib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connectors.itop.dates import ITOP_DATE_FORMAT
from connectors.itop.sandbox import links, tickets
from connectors.itop.sandbox.history import History
from connectors.itop.sandbox.schema import (
    CHANGE_CLASSES,
    CHANGE_OP,
    EXTERNAL_KEYS,
    OBJECT_CLASSES,
    TICKET,
    is_subclass,
    recorded_instance,
)

_PLURAL = {
    "Organization": "organizations",
    "Person": "persons",
    "Team": "teams",
    "Service": "services",
    "ServiceSubcategory": "servicesubcategories",
}


class SandboxStore:
    """The objects of one sandbox instance."""

    def __init__(self, seed: dict[str, Any] | str | Path | None = None) -> None:
        base = recorded_instance()
        self.star_fields: list[str] = [k for k in base["tickets"][0] if k != "id"]
        self.filter_codes: list[str] = list(base["userrequest_filter_codes"])
        self.lock = threading.RLock()
        self.history = History(self)
        self._frozen: dt.datetime | None = None
        self._offset = dt.timedelta(0)
        if isinstance(seed, str | Path):
            seed = json.loads(Path(seed).read_text(encoding="utf-8"))
        self.load(base if seed is None else seed)

    # --- loading ----------------------------------------------------------------------------

    def load(self, seed: dict[str, Any]) -> None:
        """Replace every object by the seed's (same format as recorded_instance.json)."""
        with self.lock:
            self.tz = ZoneInfo(seed.get("timezone", "Europe/Paris"))
            self.users = {u["login"]: dict(u) for u in seed.get("users", [])}
            self.tokens = {t["token"]: t["login"] for t in seed.get("tokens", [])}
            self.objects: dict[str, dict[int, dict[str, Any]]] = {
                c: {} for c in OBJECT_CLASSES + (CHANGE_OP,)
            }
            for cls, name in _PLURAL.items():
                for fields in seed.get(name, []):
                    self.put(cls, dict(fields))
            for fields in seed.get("tickets", []):
                self.put(TICKET, json.loads(json.dumps(fields)))
            self.memberships = links.memberships(seed)
            self.refresh_links()
            self.history.load(seed.get("history", {}))
            self.next_id = max(seed.get("next_id", 1), max(self.objects[TICKET], default=0) + 1)
            self.next_ref = max(seed.get("next_ref", 1), self.next_id)

    def put(self, cls: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Store an object as given (``id`` required); fills ``friendlyname``."""
        fields["id"] = str(fields["id"])
        if cls != TICKET:
            fields.setdefault("friendlyname", _friendly(cls, fields))
        if cls == "Person":  # iTop's Contact has a phone, its Person a mobile phone
            fields.setdefault("phone", "")
            fields.setdefault("mobile_phone", "")
        self.objects[cls][int(fields["id"])] = fields
        return fields

    def dump(self) -> dict[str, Any]:
        """The whole instance as a seed (``--seed`` file format)."""
        with self.lock:
            seed: dict[str, Any] = {
                "timezone": str(self.tz),
                "next_id": self.next_id,
                "next_ref": self.next_ref,
                "users": list(self.users.values()),
                "tokens": [{"token": t, "login": u} for t, u in self.tokens.items()],
            }
            for cls, name in _PLURAL.items():
                seed[name] = list(self.objects[cls].values())
            seed["memberships"] = [{"team_id": t, "person_id": p} for t, p in self.memberships]
            seed["tickets"] = list(self.objects[TICKET].values())
            seed["history"] = self.history.dump()
            return json.loads(json.dumps(seed))

    # --- clock ------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The sandbox's current time (aware, in its time zone)."""
        base = self._frozen or dt.datetime.now(dt.UTC) + self._offset
        return base.astimezone(self.tz).replace(microsecond=0)

    def now_text(self) -> str:
        """The current time as iTop writes it."""
        return self.now().strftime(ITOP_DATE_FORMAT)

    def set_clock(
        self,
        value: dt.datetime | None = None,
        *,
        offset: dt.timedelta | None = None,
        advance: dt.timedelta | None = None,
    ) -> None:
        """Freeze the clock at ``value``, shift the real clock by ``offset``, or advance it."""
        with self.lock:
            if advance is not None:
                if self._frozen is not None:
                    self._frozen += advance
                else:
                    self._offset += advance
                return
            self._frozen = value
            self._offset = offset or dt.timedelta(0)

    def date_text(self, value: dt.datetime | str | None) -> str:
        """An aware datetime (or iTop text) as iTop text in the sandbox's zone."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            return value
        return value.astimezone(self.tz).strftime(ITOP_DATE_FORMAT)

    def parse_date(self, text: str) -> dt.datetime | None:
        """An iTop date text (local time of the sandbox) as an aware datetime; "" gives None."""
        if not text:
            return None
        return dt.datetime.strptime(text, ITOP_DATE_FORMAT).replace(tzinfo=self.tz)

    # --- lookups ----------------------------------------------------------------------------

    def table(self, cls: str) -> list[dict[str, Any]]:
        """The objects of ``cls``, subclasses included (change-log classes)."""
        if cls in CHANGE_CLASSES:
            ops = self.objects[CHANGE_OP].values()
            return [o for o in ops if is_subclass(o["finalclass"], cls)]
        return list(self.objects[cls].values())

    def get(self, cls: str, obj_id: Any) -> dict[str, Any] | None:
        """The object of ``cls`` (or a subclass) with that id, if any."""
        if cls in CHANGE_CLASSES:
            op = self.objects[CHANGE_OP].get(int(obj_id))
            return op if op and is_subclass(op["finalclass"], cls) else None
        return self.objects[cls].get(int(obj_id))

    def find(self, cls: str, criteria: dict[str, Any]) -> list[dict[str, Any]]:
        """Objects of ``cls`` whose fields equal the criteria (case-insensitive, like MySQL)."""
        wanted = {k: str(v).casefold() for k, v in criteria.items()}
        return [
            o
            for o in self.table(cls)
            if all(str(o.get(k, "")).casefold() == v for k, v in wanted.items())
        ]

    def user_by_id(self, user_id: Any) -> dict[str, Any] | None:
        """The User (login account) with that id."""
        return next((u for u in self.users.values() if str(u["user_id"]) == str(user_id)), None)

    def contact_name(self, user: dict[str, Any] | None) -> str:
        """What iTop shows as a user's name: its contact's friendly name (else the login)."""
        contact = self.objects["Person"].get(int((user or {}).get("contact_id", 0)))
        return contact["friendlyname"] if contact else (user or {}).get("login", "")

    def person(self, friendlyname: str, org_id: str = "0") -> str:
        """The id of the person with that name, created when missing."""
        found = self.find("Person", {"friendlyname": friendlyname})
        if found:
            return found[0]["id"]
        first, _, last = friendlyname.partition(" ")
        new_id = max(self.objects["Person"], default=0) + 1
        fields = {"first_name": first, "name": last or first, "function": ""}
        fields.update(_contact(friendlyname))
        fields.update(team_list=[], org_id=org_id)
        self.put("Person", {"id": new_id, "friendlyname": friendlyname, **fields})
        return str(new_id)

    def named(self, cls: str, name: str) -> str:
        """The id of the Organization/Team/Service/ServiceSubcategory named so, created if new."""
        found = self.find(cls, {"name": name})
        if found:
            return found[0]["id"]
        new_id = max(self.objects[cls], default=0) + 1
        extra = {
            "Team": {"email": "", "persons_list": []},
            "Organization": {"code": "", "status": "active"},
            "Service": {"org_id": "1"},
            "ServiceSubcategory": {
                "service_id": "1",
                "service_name": "Op@le",
                "request_type": "service_request",
                "status": "production",
            },
        }.get(cls, {})
        self.put(cls, {"id": new_id, "name": name, **extra})
        return str(new_id)

    def set_external(self, ticket: dict[str, Any], attr: str, target_id: str) -> None:
        """Set an external key and the fields iTop derives from it ("0" empties it)."""
        cls, derived = EXTERNAL_KEYS[attr]
        target = self.objects[cls].get(int(target_id)) if target_id not in ("", "0") else None
        ticket[attr] = target["id"] if target else "0"
        for field, source in derived.items():
            ticket[field] = str(target.get(source, "")) if target else ""

    def ordered(self, cls: str) -> list[dict[str, Any]]:
        """Objects in iTop's default order: tickets by ref descending, change ops by change,
        others by name."""
        values = self.table(cls)
        if cls == TICKET:
            return sorted(values, key=lambda o: o["ref"], reverse=True)
        if cls in CHANGE_CLASSES:
            return sorted(values, key=lambda o: (int(o["change"]), int(o["id"])))
        return sorted(values, key=lambda o: str(o.get("friendlyname", "")).casefold())

    # --- teams ------------------------------------------------------------------------------

    def add_member(self, team: str, person: str) -> None:
        """Make the person (friendly name) a member of the team (name), as iTop's Team form."""
        with self.lock:
            pair = (self.named("Team", team), self.person(person))
            if pair not in self.memberships:
                self.memberships.append(pair)
            self.refresh_links()

    def refresh_links(self) -> None:
        """Rebuild ``persons_list`` of every Team and ``team_list`` of every Person."""
        links.refresh(self.objects["Team"], self.objects["Person"], self.memberships)

    # --- tickets (tickets.py) ---------------------------------------------------------------

    new_ticket = tickets.new_ticket
    add_ticket = tickets.add_ticket
    update_ticket = tickets.update_ticket
    bulk_load = tickets.bulk_load
    move_ticket = tickets.move_ticket
    delete_ticket = tickets.delete_ticket
    append_log = tickets.append_log


def _contact(friendlyname: str) -> dict[str, str]:
    """A made-up but stable e-mail address and desk phone for a person the sandbox creates."""
    folded = unicodedata.normalize("NFKD", friendlyname.lower())
    words = "".join(c if c.isalnum() else " " for c in folded if c.isascii()).split()
    digits = f"{zlib.crc32(friendlyname.encode()) % 10**8:08d}"
    return {
        "email": ".".join(words) + "@ac-demo.example" if words else "",
        "phone": "03 " + " ".join(digits[i : i + 2] for i in range(0, 8, 2)),
    }


def _friendly(cls: str, fields: dict[str, Any]) -> str:
    if cls == "Person":
        return f"{fields.get('first_name', '')} {fields.get('name', '')}".strip()
    return str(fields.get("name", fields.get("id")))
