"""triage: support-ticket triage for the Op@le assistance desk."""

import logging
import os
from typing import Any

from flask import Flask

from triage import config as settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: defaults, instance/config.py, TRIAGE_* variables, test dict."""
    instance_path = settings.instance_path_from_env()
    if test_config and test_config.get("INSTANCE_PATH"):
        instance_path = os.path.abspath(test_config["INSTANCE_PATH"])
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.from_environ())
    if test_config:
        app.config.update(test_config)
    app.config["INSTANCE_PATH"] = instance_path
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = settings.default_database_url(instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.load_or_create_secret_key(instance_path)
    app.config.setdefault("MODEL_DIR", os.path.join(instance_path, "models"))

    if not app.debug and not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )

    from triage import api, auth, cli, db, web

    db.init_app(app)
    auth.init_app(app)
    api.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
