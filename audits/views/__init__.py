"""Audit pages: programmes, audits, checklists, findings and corrective actions, and "My work".

`register(app)` is called by qms/app.py; it also gives the unit page and the dashboard the audit
panels they include (as template globals, so that qms never imports this package).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import Flask


def register(app: Flask) -> None:
    from audits import jobs, labels
    from audits.services import attachments, deadlines, queries, remapping_sources, transition_evidence
    from audits.services.questions import load_question_bank

    deadlines.install()
    from audits.views import (  # noqa: F401
        action_pages,
        audit_pages,
        deadline_html,
        export_pages,
        finding_pages,
        import_pages,
        leadership_pages,
        programme_pages,
        question_pages,
        review_pages,
        work_pages,
    )
    from audits.views.blueprint import bp
    from qms import portable
    from qms.services.setup import add_reference_loader

    labels.register()
    jobs.register()  # the findings register, the reminder digests and the findings import as jobs
    transition_evidence.register()  # audits as evidence of the transition's gap items
    remapping_sources.register()  # the audits' scope, checklist and findings join the remapping
    add_reference_loader(app, load_question_bank)  # `qms init` loads the shipped question bank
    portable.add_reference_tables(app, "audit_question")
    portable.add_file_area(app, "attachments", lambda: attachments.storage_root(_files_root(app)))
    app.register_blueprint(bp)
    from audits import api

    api.register(app)  # the audits' endpoints of the JSON API
    app.jinja_env.globals.update(
        audits_unit_panel=queries.unit_panel,
        audits_dashboard=queries.dashboard_figures,
        audits_enabled=True,
        audit_step=deadlines.current_step,
        step_deadline_html=deadline_html.step_deadline,
        step_deadlines=deadline_html.Deadlines,
        overdue_badge_html=deadline_html.overdue_badge,
    )
    app.jinja_env.filters.update(isodate=_isodate, decimal=_decimal)


def _files_root(app: Flask) -> Path:
    return Path(app.config.get("AUDIT_FILES_DIR") or app.instance_path)


def _isodate(value: str | None) -> date | None:
    """A date of a review's inputs (stored as ISO text) for the `fdate` filter."""
    return date.fromisoformat(value) if value else None


def _decimal(value: str | None) -> Decimal | None:
    """A percentage of a review's inputs (stored as text) for the `fpct` filter."""
    return Decimal(value) if value is not None else None
