"""The Signs of Safety training service: the app factory."""

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from config import (
    BASE_DIR,
    INSTANCE_DIR,
    Config,
    instance_secret_key,
    normalise_database_url,
    settings_from_environment,
)


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app: settings, extensions, blueprints, errors, commands."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(Config)
    app.config.update(settings_from_environment())
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key()
    app.logger.setLevel(app.config["LOG_LEVEL"])
    from app.core import access_log

    access_log.install(app.logger)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_templates(app)
    register_extensions(app)
    register_blueprints(app)
    register_messages()
    register_errorhandlers(app)
    register_commands(app)
    warn_about_settings(app)
    return app


def warn_about_settings(app: Flask) -> None:
    """Say plainly at start when a setting suits one process on a laptop but not a real service.

    Plain HTTP (SESSION_COOKIE_SECURE off, as `make run` sets it) is taken to mean development."""
    if app.testing or app.debug or not app.config["SESSION_COOKIE_SECURE"]:
        return
    if app.config["RATELIMIT_ENABLED"] and str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        app.logger.warning(
            "RATELIMIT_STORAGE_URI is memory://: each worker process counts sign-in and form limits on its own. "
            "With more than one worker set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 (or your Redis)."
        )


def register_templates(app: Flask) -> None:
    """Find the GOV.UK Frontend macros beside our own templates."""
    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    from app.core.fields import error_summary

    app.add_template_global(error_summary)
    from app.core import filters

    filters.register(app)


def register_extensions(app: Flask) -> None:
    """Bind the extension instances to this app."""
    from app.database import install_sqlite_transaction_control, render_migration_item
    from app.extensions import csrf, db, limiter, login_manager, migrate
    from app.mail import transport as mail_transport

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(BASE_DIR / "migrations"),
        render_as_batch=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "admin.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    mail_transport.init_app(app)
    with app.app_context():
        writers = install_sqlite_transaction_control(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])
    if writers is not None:
        app.extensions["sqlite_writers"] = writers


def register_blueprints(app: Flask) -> None:
    """Attach each part of the product."""
    from app.admin import bp as admin_bp
    from app.booking.routes import bp as booking_bp
    from app.briefings.admin import bp as briefings_admin_bp
    from app.briefings.routes import bp as briefings_bp
    from app.core import converters
    from app.core.routes import bp as core_bp
    from app.courses.routes import bp as courses_bp
    from app.pages.routes import bp as pages_bp

    converters.register(app)
    app.register_blueprint(core_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(booking_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(briefings_bp)
    app.register_blueprint(briefings_admin_bp)
    app.register_blueprint(pages_bp)


def register_messages() -> None:
    """Each part registers the emails it owns, and the worker's scheduled jobs, when it is imported."""
    import app.booking.messages
    import app.briefings.messages
    import app.courses.messages
    import app.courses.reminders
    import app.mail.invites  # noqa: F401


def register_errorhandlers(app: Flask) -> None:
    """Plain-language pages for every error a person might meet."""
    from app.core import errors, security

    errors.register(app)
    security.register(app)


def register_commands(app: Flask) -> None:
    """Commands for newcomers and operators: `flask --app wsgi demo load`."""
    from app.admin.commands import admin_cli, data_cli
    from app.briefings.commands import briefings_cli
    from app.demo.commands import demo_cli
    from app.mail.commands import mail_cli

    app.cli.add_command(admin_cli)
    app.cli.add_command(briefings_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
