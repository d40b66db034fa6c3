"""triage: support-ticket triage for the Op@le assistance desk."""

import os
from typing import Any

from flask import Flask

from triage import config, config_values


def create_app(test_config: dict[str, Any] | None = None, *, serve: bool = True) -> Flask:
    """Build the Flask app: defaults, instance/config.py, TRIAGE_* variables, test dict.

    No side effect: nothing is written (the secret key is created by ``triage init-db``),
    logging is left to the process (the ``triage`` command, gunicorn). ``serve=False``:
    the commands' app (``create_command_app``), without the pages and the API.
    """
    instance_path = config.instance_path_from_env()
    if test_config and test_config.get("INSTANCE_PATH"):
        instance_path = os.path.abspath(test_config["INSTANCE_PATH"])
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config.from_environ())
    if test_config:
        app.config.update(test_config)
    app.config["INSTANCE_PATH"] = instance_path
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_values.read_secret_key(instance_path)

    from triage import cli, db

    config.init_app(app)
    db.init_app(app)
    if serve:
        from triage import api, auth, web

        auth.init_app(app)
        api.init_app(app)
        web.init_app(app)
    cli.init_app(app)
    return app


def create_command_app() -> Flask:
    """The app of the ``triage`` commands: settings, database and commands, no pages and no
    API (their imports, templates and schemas cost half a second before any command runs).
    A command that serves (``triage demo``) builds the whole app itself."""
    return create_app(serve=False)
