"""The dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from qms.services import access, dashboard

bp = Blueprint("main", __name__)


@bp.route("/", endpoint="dashboard")
@login_required
def dashboard_view() -> str:
    summary = dashboard.summary_for(current_user)
    return render_template("main/dashboard.html", summary=summary, access=access)
