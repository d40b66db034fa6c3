"""The sandbox's vocabulary: iTop classes, attributes, enumerations, lifecycle and errors."""

import json
from importlib import resources
from typing import Any

TICKET = "UserRequest"
CHANGE_OP = "CMDBChangeOp"
# the change-log classes and their parent (core/get on a parent finds its subclasses' objects)
CHANGE_CLASSES: dict[str, str | None] = {
    "CMDBChangeOp": None,
    "CMDBChangeOpCreate": "CMDBChangeOp",
    "CMDBChangeOpDelete": "CMDBChangeOp",
    "CMDBChangeOpSetAttribute": "CMDBChangeOp",
    "CMDBChangeOpSetAttributeScalar": "CMDBChangeOpSetAttribute",
    "CMDBChangeOpSetAttributeCaseLog": "CMDBChangeOpSetAttribute",
}
_OP_HEAD = ["change", "date", "userinfo", "user_id", "objclass", "objkey"]
_OP_TAIL = ["finalclass", "friendlyname", "change_friendlyname", "user_id_friendlyname"]
_OP_OWN = {
    "CMDBChangeOpDelete": ["fclass", "fname"],
    "CMDBChangeOpSetAttribute": ["attcode"],
    "CMDBChangeOpSetAttributeScalar": ["attcode", "oldvalue", "newvalue"],
    "CMDBChangeOpSetAttributeCaseLog": ["attcode", "lastentry"],
}
# class -> its attributes in iTop's order (what output_fields "*" gives)
CHANGE_FIELDS = {cls: _OP_HEAD + _OP_OWN.get(cls, []) + _OP_TAIL for cls in CHANGE_CLASSES}
OBJECT_CLASSES = ("UserRequest", "Organization", "Person", "Team", "Service", "ServiceSubcategory")
CLASSES = OBJECT_CLASSES + tuple(CHANGE_CLASSES)
ROOT_CLASS = {"UserRequest": "Ticket"}  # where CMDBChangeOpDelete files a deletion
# external key -> (target class, {derived field: field of the target})
EXTERNAL_KEYS: dict[str, tuple[str, dict[str, str]]] = {
    "org_id": ("Organization", {"org_name": "name", "org_id_friendlyname": "friendlyname"}),
    "caller_id": ("Person", {"caller_name": "name", "caller_id_friendlyname": "friendlyname"}),
    "team_id": (
        "Team",
        {"team_name": "name", "team_email": "email", "team_id_friendlyname": "friendlyname"},
    ),
    "agent_id": ("Person", {"agent_name": "name", "agent_id_friendlyname": "friendlyname"}),
    "approver_id": (
        "Person",
        {"approver_email": "email", "approver_id_friendlyname": "friendlyname"},
    ),
    "service_id": ("Service", {"service_name": "name", "service_id_friendlyname": "friendlyname"}),
    "servicesubcategory_id": (
        "ServiceSubcategory",
        {"servicesubcategory_name": "name", "servicesubcategory_id_friendlyname": "friendlyname"},
    ),
}
PRIORITY = {  # (impact, urgency) -> priority, iTop's ITIL matrix
    "1": {"1": "1", "2": "1", "3": "2", "4": "4"},
    "2": {"1": "1", "2": "2", "3": "3", "4": "4"},
    "3": {"1": "2", "2": "3", "3": "3", "4": "4"},
}
STATUSES = (
    "new",
    "escalated_tto",
    "assigned",
    "escalated_ttr",
    "waiting_for_approval",
    "approved",
    "rejected",
    "pending",
    "resolved",
    "closed",
)
ENUMS = {
    "urgency": ("1", "2", "3", "4"),
    "impact": ("1", "2", "3"),
    "status": STATUSES,
    "origin": ("mail", "monitoring", "phone", "portal"),
}
LABELS = {
    "urgency": "Urgency",
    "impact": "Impact",
    "status": "Status",
    "origin": "Origin",
    "title": "Title",
    "description": "Description",
}


def recorded_instance() -> dict[str, Any]:
    """The seed of the recorded iTop instance (its 10 tickets, teams, persons, org, service)."""
    text = (
        resources.files("connectors.itop.sandbox")
        .joinpath("recorded_instance.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


OPERATIONS = [
    ("core/create", "Create an object"),
    ("core/update", "Update an object"),
    ("core/apply_stimulus", "Apply a stimulus to change the state of an object"),
    ("core/get", "Search for objects"),
    ("core/delete", "Delete objects"),
    ("core/get_related", "Get related objects through the specified relation"),
    ("core/check_credentials", "Check user credentials"),
]
VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
# state -> stimulus -> (new state, mandatory fields, date field stamped)
LIFECYCLE: dict[str, dict[str, tuple[str, tuple[str, ...], str | None]]] = {
    "new": {
        "ev_assign": ("assigned", (), "assignment_date"),
        "ev_resolve": ("resolved", ("solution",), "resolution_date"),
    },
    "assigned": {
        "ev_pending": ("pending", ("pending_reason",), "last_pending_date"),
        "ev_resolve": ("resolved", ("solution",), "resolution_date"),
        "ev_reassign": ("assigned", (), "assignment_date"),
    },
    "pending": {
        "ev_assign": ("assigned", (), "assignment_date"),
        "ev_resolve": ("resolved", ("solution",), "resolution_date"),
    },
    "resolved": {"ev_close": ("closed", (), "close_date"), "ev_reopen": ("assigned", (), None)},
}
READ_ONLY_SUFFIXES = (
    "_name",
    "_friendlyname",
    "_obsolescence_flag",
    "_email",
    "_ref",
    "_finalclass_recall",
)
READ_ONLY = {
    "id",
    "friendlyname",
    "finalclass",
    "operational_status",
    "priority",
    "tto",
    "ttr",
    "cumulatedpending",
    "sla_tto_passed",
    "sla_tto_over",
    "sla_ttr_passed",
    "sla_ttr_over",
    "tto_escalation_deadline",
    "ttr_escalation_deadline",
}


class RestError(Exception):
    """An error answer: ``{"code": ..., "message": ...}`` (plus ``"objects": null`` if set)."""

    def __init__(self, code: int, message: str, objects: bool = False) -> None:
        super().__init__(message)
        self.code, self.message, self.objects = code, message, objects

    def body(self) -> dict[str, Any]:
        """The JSON answer."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.objects:
            body["objects"] = None
        return body


def get_param(params: dict[str, Any], name: str) -> Any:
    """A mandatory parameter of the request, or iTop's error."""
    if name not in params:
        raise RestError(100, f"Error: Missing parameter '{name}'")
    return params[name]


def get_class(params: dict[str, Any]) -> str:
    """The ``class`` parameter, which must be a class the sandbox knows."""
    cls = get_param(params, "class")
    if cls not in CLASSES:
        raise RestError(100, f"Error: class: '{cls}' is not a valid class'")
    return cls


class ServerError(Exception):
    """A PHP error in iTop: HTTP 500 with its HTML page (file 80), nothing changed."""

    BODY = "<p>iTop: An error occurred, check server error log for more information.</p>\n"
    CONTENT_TYPE = "text/html; charset=UTF-8"


def is_subclass(cls: str, parent: str) -> bool:
    """True when ``cls`` is ``parent`` or one of its subclasses (change-log classes)."""
    while cls:
        if cls == parent:
            return True
        cls = CHANGE_CLASSES.get(cls) or ""
    return False
