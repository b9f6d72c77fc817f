"""The composition root: create_app() builds the app from configuration and registers every area."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, request, session, url_for
from flask_login import current_user

from qms import formatting, i18n, labels, security, sqlite, text
from qms.config import from_environment
from qms.exports import pdf
from qms.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from qms.models.base import Base
from qms.paths import MIGRATIONS_DIR, STATIC_DIR, TEMPLATES_DIR, TRANSLATIONS_DIR
from qms.services import history


def select_locale() -> str:
    if has_request_context():
        if current_user.is_authenticated:
            return current_user.language
        return session.get("lang") or os.environ.get("QMS_LANG", "vi")
    # Outside a request (the CLI, scripts, services called directly): CLI_LANGUAGE, else QMS_LANG.
    return current_app.config.get("CLI_LANGUAGE") or os.environ.get("QMS_LANG", "vi")


def _postgresql_without_jit(app: Flask) -> None:
    """PostgreSQL compiles a query to machine code once its estimated cost passes `jit_above_cost`:
    half a second for the dashboards' lateness query, whose rows take a few milliseconds to read. The
    pages' statements are short; JIT only pays off for reports over millions of rows."""
    if str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("options", "-c jit=off")


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(
        "qms",
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        instance_path=instance_path or os.environ.get("QMS_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    instance = Path(app.instance_path)
    app.config.update(from_environment(instance))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    if test_config:
        app.config.update(test_config)
    _postgresql_without_jit(app)

    sqlite.install()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    i18n.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    history.install()

    _register_views(app)
    text.install(Base)
    app.request_class = text.CleanRequest
    _register_template_helpers(app)

    @app.before_request
    def _name_actor() -> None:
        # a stylesheet or script changes nothing: no statement to read who asks for it
        if (request.endpoint or "").rpartition(".")[2] == "static":
            return
        db.session.info["actor_id"] = current_user.id if current_user.is_authenticated else None

    return app


def _register_views(app: Flask) -> None:
    from qms.views.helpers import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    from qms.views import admin, auth, clauses, errors, main, units

    for module in (auth, main, admin, units, clauses):
        app.register_blueprint(module.bp)
    from qms.views import objectives as objectives_views

    app.register_blueprint(objectives_views.bp)
    from qms.views import documents as documents_views
    from qms.views import legal as legal_views
    from qms.views import risks as risks_views

    for module in (documents_views, legal_views, risks_views):
        app.register_blueprint(module.bp)
    from qms.views import issued as issued_views
    from qms.views import processes as processes_views
    from qms.views import remapping as remapping_views

    app.register_blueprint(processes_views.bp)
    app.register_blueprint(issued_views.bp)
    from qms.views import transition as transition_views

    app.register_blueprint(transition_views.bp)
    app.register_blueprint(remapping_views.bp)
    from qms.views import jobs as jobs_views
    from qms.views import reorganisations as reorganisations_views

    app.register_blueprint(jobs_views.bp)
    app.register_blueprint(reorganisations_views.bp)

    import qms.api

    qms.api.register(app)
    import audits.views

    audits.views.register(app)
    errors.register(app)


def _register_template_helpers(app: Flask) -> None:
    from qms.services import access
    from qms.views.history import history_block
    from qms.views.navigation import menus

    app.jinja_env.filters.update(
        fdate=formatting.fmt_date,
        fdatetime=formatting.fmt_datetime,
        fnum=formatting.fmt_number,
        fpct=formatting.fmt_percent,
    )

    # Globals, not a context processor: imported macros see them too.
    app.jinja_env.globals.update(
        access=access,
        lang=formatting.current_lang,
        labels=labels,
        url_with=_url_with,
        history_block=history_block,
        navigation_menus=menus,
        pdf_available=pdf.available,
    )


def _url_with(**changes: Any) -> str:
    """This page's URL with some query parameters changed (e.g. `format='xlsx'`), the others kept."""
    args = {**request.args.to_dict(), **changes, **(request.view_args or {})}
    return url_for(request.endpoint or "main.index", **args)
