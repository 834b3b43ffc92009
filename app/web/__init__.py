"""The web layer: every page, public and for staff, on top of the rules. Views parse a request, call one
operation of a domain package and answer; they hold no rules of their own."""

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader


def register(app: Flask) -> None:
    """Templates, URL parts, blueprints, error pages and security headers."""
    register_templates(app)
    register_blueprints(app)
    register_errorhandlers(app)


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
    from app.web import template_helpers

    template_helpers.register(app)


def register_blueprints(app: Flask) -> None:
    """Attach each part of the product."""
    from app.web import converters
    from app.web.admin import bp as admin_bp
    from app.web.admin import providers
    from app.web.admin.briefings import bp as briefings_admin_bp
    from app.web.public.approval import bp as approval_bp
    from app.web.public.booking import bp as booking_bp
    from app.web.public.briefings import bp as briefings_bp
    from app.web.public.colleagues import bp as colleagues_bp
    from app.web.public.courses import bp as courses_bp
    from app.web.public.health import bp as health_bp
    from app.web.public.pages import bp as pages_bp

    converters.register(app)
    providers.install(app)
    for blueprint in (
        health_bp,
        courses_bp,
        booking_bp,
        approval_bp,
        colleagues_bp,
        admin_bp,
        briefings_bp,
        briefings_admin_bp,
        pages_bp,
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    """Plain-language pages for every error a person might meet, and the security headers."""
    from app.web import errors, security

    errors.register(app)
    security.register(app)
