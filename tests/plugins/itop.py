"""The iTop sandbox on 127.0.0.1 (a free port), served from a thread, and settings using it.

``itop_sandbox`` holds the recorded instance (10 tickets) and simulates Combodo's
authent-token extension (a core iTop has no token login, recordings 97-98), so that the
client's token mode can be tested; ``itop_app`` is the ``app`` pointed at it with small
timeouts and retries.
"""

import pytest

from connectors.itop.sandbox import Sandbox, SandboxStore


@pytest.fixture
def itop_sandbox():
    """A running sandbox seeded with the recorded iTop instance."""
    sandbox = Sandbox(SandboxStore(), token_extension=True).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def itop_settings(itop_sandbox) -> dict:
    """App settings pointing at the sandbox, with small timeouts, retries and backoffs."""
    return {
        "ITOP_URL": itop_sandbox.url,
        "ITOP_USER": "admin",
        "ITOP_PASSWORD": "admin",
        "ITOP_TIMEOUT": 2.0,
        "ITOP_RETRIES": 1,
        "ITOP_BACKOFF": 0.0,
        "ITOP_PAGE_SIZE": 100,
        "ITOP_WRITE_BACKOFF": 0.0,
    }


@pytest.fixture
def itop_app_config(app_config, itop_settings, use_router) -> dict:
    """``app_config`` with the sandbox settings and the session's router model."""
    app_config.update(itop_settings)
    return app_config


@pytest.fixture
def itop_app(itop_app_config, app):
    """The app, talking to the sandbox."""
    return app
