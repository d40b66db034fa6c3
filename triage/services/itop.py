"""The iTop client built from the app's settings."""

from connectors.itop import ItopClient
from triage.config import Settings


def client_from_settings(settings: Settings) -> ItopClient:
    """An ``ItopClient`` for ITOP_URL with the configured credentials, timeouts and retries."""
    return ItopClient(
        settings.itop_url or "",
        user=settings.itop_user,
        password=settings.itop_password,
        token=settings.itop_token,
        version=settings.itop_api_version,
        timeout=settings.itop_timeout,
        retries=settings.itop_retries,
        backoff=settings.itop_backoff,
        verify=settings.itop_verify_tls,
    )
