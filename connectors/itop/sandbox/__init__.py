"""The iTop sandbox: a real HTTP server speaking iTop's REST/JSON protocol, with fault injection.

Run it: ``python -m connectors.itop.sandbox --port 8081 [--seed FILE]``. From Python:
``with Sandbox() as sandbox: sandbox.url``. See docs/itop.md for what it answers.
"""

from connectors.itop.sandbox.data import synthetic_tickets
from connectors.itop.sandbox.faults import FAULT_KINDS, Faults
from connectors.itop.sandbox.schema import TICKET, RestError, recorded_instance
from connectors.itop.sandbox.server import REST_PATH, Sandbox
from connectors.itop.sandbox.store import SandboxStore

__all__ = [
    "FAULT_KINDS",
    "REST_PATH",
    "TICKET",
    "Faults",
    "RestError",
    "Sandbox",
    "SandboxStore",
    "recorded_instance",
    "synthetic_tickets",
]
