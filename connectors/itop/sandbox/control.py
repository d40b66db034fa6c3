"""The control endpoints under ``/_sandbox/`` (JSON in, JSON out), for tests and the demo."""

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connectors.itop.dates import parse_itop_date
from connectors.itop.sandbox.data import synthetic_tickets
from connectors.itop.sandbox.schema import TICKET, recorded_instance

if TYPE_CHECKING:
    from connectors.itop.sandbox.server import Sandbox

Route = Callable[["Sandbox", Any], Any]


def _add_fault(sandbox: "Sandbox", body: Any) -> None:
    sandbox.faults.add(
        body["kind"],
        count=body.get("count", 1),
        delay=body.get("delay", 0.0),
        operation=body.get("operation"),
    )


def _clear_faults(sandbox: "Sandbox", body: Any) -> None:
    sandbox.faults.clear()


def _clock(sandbox: "Sandbox", body: Any) -> None:
    store = sandbox.store
    if body.get("now"):
        store.set_clock(parse_itop_date(body["now"], store.tz))
    elif body.get("advance"):
        store.set_clock(advance=dt.timedelta(seconds=float(body["advance"])))
    else:
        store.set_clock(None)


def _tickets(sandbox: "Sandbox", body: Any) -> dict[str, int]:
    return {"loaded": sandbox.store.bulk_load(body)}


def _generate(sandbox: "Sandbox", body: Any) -> dict[str, int]:
    store = sandbox.store
    specs = synthetic_tickets(
        int(body.get("count", 100)), now=store.now(), seed=int(body.get("seed", 0))
    )
    return {"loaded": store.bulk_load(specs)}


def _reset(sandbox: "Sandbox", body: Any) -> None:
    sandbox.store.load(body or recorded_instance())


def _dump(sandbox: "Sandbox", body: Any) -> dict[str, Any]:
    return sandbox.store.dump()


def _activity(sandbox: "Sandbox", body: Any) -> dict[str, Any]:
    activity = sandbox.activity
    if "seed" in body:
        activity.rng.seed(int(body["seed"]))
    if "per_get" in body:
        activity.per_get = int(body["per_get"])
    if "rate" in body:
        activity.start(float(body["rate"]))
    return activity.status()


def _stop_activity(sandbox: "Sandbox", body: Any) -> dict[str, Any]:
    sandbox.activity.stop()
    sandbox.activity.per_get = 0
    return sandbox.activity.status()


def _move(sandbox: "Sandbox", ticket_id: int, body: Any) -> tuple[int, Any]:
    if ticket_id not in sandbox.store.objects[TICKET]:
        return 404, {"error": f"no ticket {ticket_id}"}
    ticket = sandbox.store.move_ticket(ticket_id, body.get("service", "Autre service"))
    return 200, {key: ticket[key] for key in ("id", "ref", "service_id", "service_name")}


def _ticket_route(sandbox: "Sandbox", name: str, method: str, body: Any) -> tuple[int, Any]:
    """``DELETE /_sandbox/tickets/<id>`` and ``POST /_sandbox/tickets/<id>/move``."""
    parts = name.split("/")
    if len(parts) == 2 and parts[1].isdigit() and method == "DELETE":
        deleted = sandbox.store.delete_ticket(int(parts[1]), comment=body.get("comment", "sandbox"))
        return (200 if deleted else 404), {"deleted": deleted}
    if len(parts) == 3 and parts[1].isdigit() and parts[2] == "move" and method == "POST":
        return _move(sandbox, int(parts[1]), body)
    return 404, {"error": f"no {method} /_sandbox/{name}"}


ROUTES: dict[tuple[str, str], Route] = {
    ("faults", "GET"): lambda sandbox, body: None,
    ("faults", "POST"): _add_fault,
    ("faults", "DELETE"): _clear_faults,
    ("clock", "POST"): _clock,
    ("tickets", "POST"): _tickets,
    ("generate", "POST"): _generate,
    ("reset", "POST"): _reset,
    ("dump", "GET"): _dump,
    ("activity", "GET"): lambda sandbox, body: sandbox.activity.status(),
    ("activity", "POST"): _activity,
    ("activity", "DELETE"): _stop_activity,
}


def control(sandbox: "Sandbox", path: str, method: str, body: Any) -> tuple[int, Any]:
    """Answer one ``/_sandbox/...`` request: (HTTP status, JSON body)."""
    name = path.removeprefix("/_sandbox/").strip("/")
    if name.startswith("tickets/"):
        return _ticket_route(sandbox, name, method, body)
    route = ROUTES.get((name, method))
    if route is None:
        return 404, {"error": f"no {method} {path}"}
    answer = route(sandbox, body)
    if answer is not None:
        return 200, answer
    return 200, {
        "faults": sandbox.faults.pending(),
        "now": sandbox.store.now_text(),
        "tickets": len(sandbox.store.objects[TICKET]),
    }
