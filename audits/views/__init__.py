"""Audit pages: programmes, audits, checklists, findings and corrective actions, and "My work".

`register(app)` is called by qms/app.py; it also gives the unit page and the dashboard the audit
panels they include (as template globals, so that qms never imports this package).
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from audits import labels
    from audits.services import deadlines, queries
    from audits.views import audit_pages, export_pages, finding_pages, programme_pages, work_pages  # noqa: F401
    from audits.views.blueprint import bp

    labels.register()
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        audits_unit_panel=queries.unit_panel,
        audits_dashboard=queries.dashboard_figures,
        audits_enabled=True,
        audit_step=deadlines.current_step,
    )
