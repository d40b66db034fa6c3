"""The change log, as iTop keeps it: one CMDBChange per write, CMDBChangeOp records under it.

Kept: ``CMDBChangeOpCreate``, ``CMDBChangeOpDelete`` (``objclass`` is the root class, so
``Ticket`` for a UserRequest, with ``fclass``/``fname``), ``CMDBChangeOpSetAttributeScalar``
(``attcode``/``oldvalue``/``newvalue``; the SLA deadlines as Unix timestamps, as recorded;
nothing for ``last_update``, the stopwatches or the fields derived from external keys) and
``CMDBChangeOpSetAttributeCaseLog`` (``attcode``/``lastentry``, the new entry's index). The
ops are objects of the store (class ``CMDBChangeOp``, told apart by ``finalclass``), so
``core/get`` reads them like any other class.
"""

from typing import TYPE_CHECKING, Any

from connectors.itop.sandbox.schema import CHANGE_OP, READ_ONLY_SUFFIXES, ROOT_CLASS

if TYPE_CHECKING:
    from connectors.itop.sandbox.store import SandboxStore

_UNTRACKED = frozenset(
    {
        "id",
        "friendlyname",
        "finalclass",
        "last_update",
        "operational_status",
        "tto",
        "ttr",
        "cumulatedpending",
        "sla_tto_passed",
        "sla_tto_over",
        "sla_ttr_passed",
        "sla_ttr_over",
    }
)
_DEADLINES = ("tto_escalation_deadline", "ttr_escalation_deadline")


class Change:
    """One write (a REST call or a store helper): its ops share a CMDBChange id and date."""

    def __init__(self, store: "SandboxStore", user: dict[str, Any] | None, userinfo: str) -> None:
        self.store, self.userinfo = store, userinfo
        self.user = user or {}
        self.id: int | None = None  # allocated with the first op, as iTop creates it then
        self.date = store.now_text()

    def _op(self, finalclass: str, objclass: str, objkey: Any, **extra: str) -> dict[str, Any]:
        log = self.store.history
        if self.id is None:
            self.id, log.next_change = log.next_change, log.next_change + 1
        op_id, log.next_op = log.next_op, log.next_op + 1
        op = {
            "id": str(op_id),
            "change": str(self.id),
            "date": self.date,
            "userinfo": self.userinfo,
            "user_id": str(self.user.get("user_id", "0")),
            "objclass": objclass,
            "objkey": str(objkey),
            **extra,
            "finalclass": finalclass,
            "friendlyname": str(self.id),
            "change_friendlyname": self.date,
            "user_id_friendlyname": self.user.get("login", ""),
        }
        self.store.objects[CHANGE_OP][op_id] = op
        return op

    def created(self, cls: str, obj: dict[str, Any]) -> None:
        """Log the creation of ``obj``."""
        self._op("CMDBChangeOpCreate", cls, obj["id"])

    def deleted(self, cls: str, obj: dict[str, Any]) -> None:
        """Log the deletion of ``obj`` (under its root class, with its final class and name)."""
        fname = str(obj.get("friendlyname", obj["id"]))
        self._op(
            "CMDBChangeOpDelete", ROOT_CLASS.get(cls, cls), obj["id"], fclass=cls, fname=fname
        )

    def compare(self, cls: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Log what changed between two states of one object, in attribute order."""
        for name, new in after.items():
            old = before.get(name)
            if name in _UNTRACKED or name.endswith(READ_ONLY_SUFFIXES):
                continue
            if isinstance(new, dict) and "entries" in new:
                if len(new["entries"]) > len((old or {}).get("entries", [])):
                    last = str(len(new["entries"]) - 1)
                    self._op(
                        "CMDBChangeOpSetAttributeCaseLog", cls, after["id"], attcode=name,
                        lastentry=last,
                    )
            elif not isinstance(new, list) and old != new:
                self._op(
                    "CMDBChangeOpSetAttributeScalar", cls, after["id"], attcode=name,
                    oldvalue=self._value(name, old), newvalue=self._value(name, new),
                )

    def _value(self, name: str, value: Any) -> str:
        if name in _DEADLINES and value:  # set by the SLA computation as a timestamp
            moment = self.store.parse_date(str(value))
            return str(int(moment.timestamp())) if moment else str(value)
        return "" if value is None else str(value)


class History:
    """The counters of CMDBChange and CMDBChangeOp ids (the ops live in the store)."""

    def __init__(self, store: "SandboxStore") -> None:
        self.store = store
        self.next_change = 1
        self.next_op = 1

    def load(self, seed: dict[str, Any]) -> None:
        """Counters and ops of a seed's ``history`` (absent: none yet)."""
        self.next_change = int(seed.get("next_change", 1))
        self.next_op = int(seed.get("next_op", 1))
        for op in seed.get("ops", []):
            self.store.objects[CHANGE_OP][int(op["id"])] = dict(op)
        ids = self.store.objects[CHANGE_OP]
        self.next_op = max(self.next_op, max(ids, default=0) + 1)
        changes = [int(op["change"]) for op in ids.values()]
        self.next_change = max(self.next_change, max(changes, default=0) + 1)

    def dump(self) -> dict[str, Any]:
        """The ``history`` part of a seed."""
        return {
            "next_change": self.next_change,
            "next_op": self.next_op,
            "ops": list(self.store.objects[CHANGE_OP].values()),
        }

    def change(self, user: dict[str, Any] | None, userinfo: str) -> Change:
        """A new change by ``user``; ``userinfo`` is what iTop shows (the REST comment)."""
        return Change(self.store, user, userinfo)
