"""The question bank: audit questions per clause, kept by the steering committee."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from audits.forms.checklist import BankFilterForm, BankQuestionEditForm, BankQuestionForm
from audits.models import BankQuestion
from audits.services import questions as service
from audits.views.blueprint import bp
from audits.views.programme_pages import require_planner, require_reader
from qms.extensions import db
from qms.models.clauses import Clause, Edition
from qms.services import access
from qms.services.errors import DomainError, NotFound
from qms.services.history import history_of
from qms.services.reference import get_clause
from qms.views.helpers import form_error


@bp.route("/questions")
@login_required
def questions() -> str:
    require_reader()
    filters = BankFilterForm(request.args)
    if filters.edition.data not in set(Edition):
        filters.edition.data = Edition.ISO_2015.value
    rows = service.bank_questions(filters.edition.data, filters.clause.data or "")
    return render_template(
        "audits/questions.html",
        filters=filters,
        questions=rows,
        can_edit=access.can_plan_audits(current_user),
    )


def _clause(form: BankQuestionForm) -> Clause:
    number = (form.clause.data or "").strip()
    if not number:
        raise DomainError(_("Write the clause number, e.g. 8.2.1."), field="clause")
    try:
        return get_clause(form.edition.data, number)
    except NotFound as exc:
        raise DomainError(exc.message, field="clause") from None


@bp.route("/questions/new", methods=["GET", "POST"])
@login_required
def question_new() -> str | Response:
    require_planner()
    form = BankQuestionForm()
    if not form.is_submitted():
        form.edition.data = request.args.get("edition", Edition.ISO_2015.value)
        form.clause.data = request.args.get("clause", "")
    if form.validate_on_submit():
        try:
            question = service.create_question(
                actor=current_user,
                clause=_clause(form),
                question_vi=form.question_vi.data or "",
                question_en=form.question_en.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Question added to the bank."), "success")
            return redirect(
                url_for("audits.questions", edition=question.clause.edition, clause=question.clause.number)
            )
    return render_template("audits/question_form.html", form=form, question=None, history=[])


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def question_edit(question_id: int) -> str | Response:
    require_planner()
    question = db.session.get(BankQuestion, question_id)
    if question is None:
        abort(404)
    form = BankQuestionEditForm(obj=question)
    if form.validate_on_submit():
        try:
            service.update_question(
                question,
                actor=current_user,
                question_vi=form.question_vi.data or "",
                question_en=form.question_en.data or "",
                active=bool(form.active.data),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Question saved."), "success")
            return redirect(
                url_for("audits.questions", edition=question.clause.edition, clause=question.clause.number)
            )
    return render_template(
        "audits/question_form.html",
        form=form,
        question=question,
        history=history_of("audit_question", question.id),
    )
