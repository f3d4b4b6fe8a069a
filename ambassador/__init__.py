"""Application factory: wiring only (no migrations, no network, no scheduler start)."""
from __future__ import annotations

from flask import Flask

from config import config_for, publishing_pool_options

from . import startup


def create_app(config_name: str | None = None, *, check_settings: bool = True, **overrides) -> Flask:
    """Build the app. Raises startup.ConfigurationError (one line listing every missing or invalid
    setting) unless `check_settings` is False, which only `flask … --help` uses (wsgi.py)."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="static",
        instance_relative_config=False,
    )
    app.config.from_object(config_for(config_name))
    app.config.update(overrides)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = publishing_pool_options(app.config)
    if check_settings:
        startup.check(app.config)
    if not app.config.get("CLICK_SALT"):
        app.config["CLICK_SALT"] = app.config["SECRET_KEY"]
    _trust_proxies(app)
    _warn_providers_allow_http(app)

    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)
    register_api(app)
    register_commands(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client address and scheme from their headers.

    Login throttling and click dedupe key on the client address, so only trust what
    TRUSTED_PROXIES says is really there (never a header a client can set itself).
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _warn_providers_allow_http(app: Flask) -> None:
    if app.config.get("PROVIDERS_ALLOW_HTTP") and app.config.get("ENV_NAME") == "production":
        app.logger.warning("PROVIDERS_ALLOW_HTTP is on: members may connect Mastodon/Bluesky servers over plain "
                           "http:// and on loopback addresses of this machine. Turn it off unless you run such "
                           "a server here on purpose.")
    if app.config.get("SSO_ALLOW_LOOPBACK_ISSUERS") and app.config.get("ENV_NAME") == "production":
        app.logger.warning("SSO_ALLOW_LOOPBACK_ISSUERS is on: organization admins may name an OpenID provider "
                           "over plain http:// and on loopback addresses of this machine. Turn it off unless you "
                           "run such a provider here on purpose.")


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (one metadata for Alembic)
    from .extensions import babel, csrf, db, login_manager, migrate
    from .web.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from .web.context import load_user

    login_manager.user_loader(load_user)

    from .services.analytics import rollup_listeners

    rollup_listeners.install()  # rollups and standings follow every event in its own transaction

    from .infra.database import (
        check_on_checkout,
        enable_sqlite_pragmas,
        finish_on_teardown,
        postgresql_settings,
        track_writes,
    )

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            enable_sqlite_pragmas(db.engine)
        elif db.engine.dialect.name == "postgresql":
            postgresql_settings(db.engine)
        track_writes(db.engine)
        if not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
            check_on_checkout(db.engine)  # dead connections replaced without a ping per checkout
    app.teardown_appcontext(finish_on_teardown)  # runs before Flask-SQLAlchemy's (registered earlier)


def register_blueprints(app: Flask) -> None:
    from .web import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def register_hooks(app: Flask) -> None:
    from .access_log import install_dev_server_redaction
    from .services.publishing.click_sink import install_click_buffer
    from .web.context import install_context
    from .web.errors import install_error_handlers
    from .web.security import install_security_headers

    install_context(app)
    install_error_handlers(app)
    install_security_headers(app)
    install_click_buffer(app)
    install_dev_server_redaction()


def register_api(app: Flask) -> None:
    """The JSON API (after the web's error pages: it answers its own paths with problem documents)."""
    from .api import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from .cli import ambassador_cli

    app.cli.add_command(ambassador_cli)
