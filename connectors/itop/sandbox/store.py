"""The sandbox's data: iTop objects kept as iTop answers them (field values as strings).

A small in-memory iTop: UserRequest tickets with the recorded ``*`` field set, and the
Organization, Person, Team, Service and ServiceSubcategory objects their external keys
point to. Thread-safe (one lock); its clock can be frozen or shifted by tests.
"""

import copy
import datetime as dt
import html
import json
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connectors.itop.dates import ITOP_DATE_FORMAT
from connectors.itop.html import html_to_text
from connectors.itop.sandbox.schema import (
    CLASSES,
    EXTERNAL_KEYS,
    PRIORITY,
    TICKET,
    recorded_instance,
)


class SandboxStore:
    """The objects of one sandbox instance."""

    def __init__(self, seed: dict[str, Any] | str | Path | None = None) -> None:
        base = recorded_instance()
        self.star_fields: list[str] = [k for k in base["tickets"][0] if k != "id"]
        self.filter_codes: list[str] = list(base["userrequest_filter_codes"])
        self.lock = threading.RLock()
        self._frozen: dt.datetime | None = None
        self._offset = dt.timedelta(0)
        if isinstance(seed, str | Path):
            seed = json.loads(Path(seed).read_text(encoding="utf-8"))
        self.load(base if seed is None else seed)

    # --- loading ----------------------------------------------------------------------------

    def load(self, seed: dict[str, Any]) -> None:
        """Replace every object by the seed's (same format as data/recorded_instance.json)."""
        with self.lock:
            self.tz = ZoneInfo(seed.get("timezone", "Europe/Paris"))
            self.users = {u["login"]: dict(u) for u in seed.get("users", [])}
            self.tokens = {t["token"]: t["login"] for t in seed.get("tokens", [])}
            self.objects: dict[str, dict[int, dict[str, Any]]] = {c: {} for c in CLASSES}
            plural = {
                "Organization": "organizations",
                "Person": "persons",
                "Team": "teams",
                "Service": "services",
                "ServiceSubcategory": "servicesubcategories",
            }
            for cls, name in plural.items():
                for fields in seed.get(name, []):
                    self.put(cls, dict(fields))
            for fields in seed.get("tickets", []):
                self.put(TICKET, copy.deepcopy(fields))
            self.next_id = max(seed.get("next_id", 1), max(self.objects[TICKET], default=0) + 1)
            self.next_ref = max(seed.get("next_ref", 1), self.next_id)

    def put(self, cls: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Store an object as given (``id`` required); fills ``friendlyname``."""
        fields["id"] = str(fields["id"])
        if cls != TICKET:
            fields.setdefault("friendlyname", _friendly(cls, fields))
        self.objects[cls][int(fields["id"])] = fields
        return fields

    def dump(self) -> dict[str, Any]:
        """The whole instance as a seed (``--seed`` file format)."""
        with self.lock:
            return {
                "timezone": str(self.tz),
                "next_id": self.next_id,
                "next_ref": self.next_ref,
                "users": list(self.users.values()),
                "tokens": [{"token": t, "login": u} for t, u in self.tokens.items()],
                "organizations": list(self.objects["Organization"].values()),
                "persons": list(self.objects["Person"].values()),
                "teams": list(self.objects["Team"].values()),
                "services": list(self.objects["Service"].values()),
                "servicesubcategories": list(self.objects["ServiceSubcategory"].values()),
                "tickets": list(self.objects[TICKET].values()),
            }

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

    # --- lookups ----------------------------------------------------------------------------

    def find(self, cls: str, criteria: dict[str, Any]) -> list[dict[str, Any]]:
        """Objects of ``cls`` whose fields equal the criteria (case-insensitive, like MySQL)."""
        wanted = {k: str(v).casefold() for k, v in criteria.items()}
        return [
            o
            for o in self.objects[cls].values()
            if all(str(o.get(k, "")).casefold() == v for k, v in wanted.items())
        ]

    def person(self, friendlyname: str, org_id: str = "0") -> str:
        """The id of the person with that name, created when missing."""
        found = self.find("Person", {"friendlyname": friendlyname})
        if found:
            return found[0]["id"]
        first, _, last = friendlyname.partition(" ")
        new_id = max(self.objects["Person"], default=0) + 1
        self.put(
            "Person",
            {
                "id": new_id,
                "friendlyname": friendlyname,
                "first_name": first,
                "name": last or first,
                "email": "",
                "function": "",
                "team_list": [],
                "org_id": org_id,
            },
        )
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

    # --- tickets ----------------------------------------------------------------------------

    def new_ticket(self) -> dict[str, Any]:
        """A blank UserRequest with the next id and ref, every ``*`` field in iTop's order."""
        ticket: dict[str, Any] = {"id": str(self.next_id)}
        for name in self.star_fields:
            ticket[name] = ""
        ticket.update(
            operational_status="ongoing",
            ref=f"R-{self.next_ref:06d}",
            status="new",
            private_log={"entries": []},
            public_log={"entries": []},
            contacts_list=[],
            functionalcis_list=[],
            workorders_list=[],
            related_request_list=[],
            request_type="service_request",
            impact="3",
            urgency="4",
            priority="4",
            origin="portal",
            escalation_flag="no",
            cumulatedpending=0,
            tto=0,
            ttr=0,
            sla_tto_passed="no",
            sla_tto_over=None,
            sla_ttr_passed="no",
            sla_ttr_over=None,
            resolution_code="assistance",
            user_satisfaction="1",
            finalclass=TICKET,
        )
        for attr in EXTERNAL_KEYS:
            self.set_external(ticket, attr, "0")
        for attr in ("parent_request_id", "parent_incident_id", "parent_change_id"):
            ticket[attr] = "0"
        ticket["friendlyname"] = ticket["ref"]
        self.next_id += 1
        self.next_ref += 1
        return ticket

    def add_ticket(self, **spec: Any) -> dict[str, Any]:
        """Create a ticket from friendly values (names instead of ids); returns its fields.

        Keys: title, description (HTML), status, team, agent, caller, org, service,
        subcategory, urgency, impact, origin, start_date, last_update, private_log (list of
        texts), resolution_date, close_date; any other key is stored as an iTop field.
        """
        with self.lock:
            ticket = self.new_ticket()
            now = self.now_text()
            org_id = self.named("Organization", spec.pop("org", "Academie d'Amiens"))
            self.set_external(ticket, "org_id", org_id)
            self.set_external(
                ticket, "caller_id", self.person(spec.pop("caller", "Marie Dupont"), org_id)
            )
            self.set_external(
                ticket, "service_id", self.named("Service", spec.pop("service", "Op@le"))
            )
            if spec.get("subcategory"):
                self.set_external(
                    ticket,
                    "servicesubcategory_id",
                    self.named("ServiceSubcategory", spec.pop("subcategory")),
                )
            spec.pop("subcategory", None)
            if spec.get("team"):
                self.set_external(ticket, "team_id", self.named("Team", spec.pop("team")))
            spec.pop("team", None)
            if spec.get("agent"):
                self.set_external(ticket, "agent_id", self.person(spec.pop("agent")))
            spec.pop("agent", None)
            logs = spec.pop("private_log", [])
            for key in (
                "start_date",
                "last_update",
                "resolution_date",
                "close_date",
                "assignment_date",
            ):
                if key in spec:
                    spec[key] = self.date_text(spec[key])
            ticket.update(start_date=now, last_update=now)
            ticket.update({k: v for k, v in spec.items() if v is not None})
            ticket["priority"] = PRIORITY[ticket["impact"]][ticket["urgency"]]
            for text in logs:
                self.append_log(
                    ticket, "private_log", text, self.users.get("admin"), date=ticket["last_update"]
                )
            return self.put(TICKET, ticket)

    def update_ticket(self, ticket_id: int, **fields: Any) -> dict[str, Any]:
        """Change a ticket as someone in iTop would (``team``: a team name; stamps last_update)."""
        with self.lock:
            ticket = self.objects[TICKET][int(ticket_id)]
            if "team" in fields:
                team = fields.pop("team")
                self.set_external(ticket, "team_id", self.named("Team", team) if team else "0")
            ticket.update(fields)
            ticket["last_update"] = self.now_text()
            return ticket

    def bulk_load(self, specs: list[dict[str, Any]]) -> int:
        """Create many tickets at once (see ``add_ticket``); returns how many."""
        with self.lock:
            for spec in specs:
                self.add_ticket(**dict(spec))
        return len(specs)

    def append_log(
        self,
        ticket: dict[str, Any],
        attr: str,
        value: Any,
        user: dict[str, Any] | None,
        date: str | None = None,
    ) -> None:
        """Append a case-log entry: a string is text, ``{"add_item": {...}}`` may be HTML."""
        if isinstance(value, dict) and isinstance(value.get("add_item"), dict):
            item = value["add_item"]
            raw = str(item.get("message", ""))
            if item.get("format") == "html":
                text, markup = html_to_text(raw), raw
            else:
                text, markup = raw, "<p>" + html.escape(raw, quote=False) + "</p>"
        else:
            text = str(value)
            markup = "<p>" + html.escape(text, quote=False).replace("\n", "<br>") + "</p>"
        contact = self.objects["Person"].get(int((user or {}).get("contact_id", 0)))
        ticket[attr]["entries"].append(
            {
                "date": date or self.now_text(),
                "user_login": contact["friendlyname"] if contact else (user or {}).get("login", ""),
                "user_id": str((user or {}).get("user_id", "0")),
                "message": text,
                "message_html": markup,
            }
        )

    def ordered(self, cls: str) -> list[dict[str, Any]]:
        """Objects in iTop's default order: tickets by ref descending, others by name."""
        values = list(self.objects[cls].values())
        if cls == TICKET:
            return sorted(values, key=lambda o: o["ref"], reverse=True)
        return sorted(values, key=lambda o: str(o.get("friendlyname", "")).casefold())


def _friendly(cls: str, fields: dict[str, Any]) -> str:
    if cls == "Person":
        return f"{fields.get('first_name', '')} {fields.get('name', '')}".strip()
    return str(fields.get("name", fields.get("id")))
