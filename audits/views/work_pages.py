"""My work: what waits for the signed-in person."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_login import current_user, login_required

from audits.services import queries
from audits.views.blueprint import bp


@bp.route("/my-work")
@login_required
def my_work() -> str:
    today = date.today()
    return render_template("audits/my_work.html", work=queries.my_work(current_user, today), today=today)
