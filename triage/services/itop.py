"""The iTop client built from the app's settings."""

from collections.abc import Mapping
from typing import Any

from connectors.itop import ItopClient


def client_from_config(config: Mapping[str, Any]) -> ItopClient:
    """An ``ItopClient`` for ITOP_URL with the configured credentials, timeouts and retries."""
    return ItopClient(
        config.get("ITOP_URL") or "",
        user=config.get("ITOP_USER"),
        password=config.get("ITOP_PASSWORD"),
        token=config.get("ITOP_TOKEN"),
        version=config.get("ITOP_API_VERSION") or "1.4",
        timeout=float(config.get("ITOP_TIMEOUT") or 30.0),
        retries=int(config.get("ITOP_RETRIES", 3)),
        backoff=float(config.get("ITOP_BACKOFF", 0.5)),
        verify=bool(config.get("ITOP_VERIFY_TLS", True)),
    )


def queue_of_itop_team(config: Mapping[str, Any], itop_team: str) -> str | None:
    """The triage queue whose configured iTop team name is ``itop_team`` (None: unknown)."""
    wanted = (itop_team or "").strip().casefold()
    if not wanted:
        return None
    for queue in ("SI2C", "DRASI", "NATIONAL"):
        if str(config.get(f"TEAM_{queue}") or "").strip().casefold() == wanted:
            return queue
    return None


def itop_team_of_queue(config: Mapping[str, Any], queue: str) -> str | None:
    """The iTop team name configured for a triage queue (None for UNASSIGNED)."""
    return config.get(f"TEAM_{queue}") if queue in ("SI2C", "DRASI", "NATIONAL") else None
