"""The Signs of Safety training service: the app factory."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import web
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

    register_extensions(app)
    web.register(app)
    register_emails(app)
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


def register_emails(app: Flask) -> None:
    """Each domain package installs the emails it sends and the jobs the email worker runs for it."""
    from app import after_course, briefings, enrolment, staff
    from app.mail import registry

    registry.install(app, staff.install, enrolment.install, after_course.install, briefings.install)


def register_commands(app: Flask) -> None:
    """Commands for newcomers and operators: `flask --app wsgi demo load`."""
    from app.briefings.commands import briefings_cli
    from app.demo.commands import demo_cli
    from app.doctor.commands import doctor_command
    from app.mail.commands import mail_cli
    from app.personal_data.commands import data_cli
    from app.staff.commands import admin_cli

    app.cli.add_command(admin_cli)
    app.cli.add_command(briefings_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(doctor_command)
    app.cli.add_command(mail_cli)
