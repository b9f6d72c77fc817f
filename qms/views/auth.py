"""Signing in and out, one's own password and language."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from qms.extensions import db, limiter, login_manager
from qms.forms.auth import ChangePasswordForm, LoginForm
from qms.models.org import Membership, User
from qms.services import org
from qms.services.errors import DomainError
from qms.views.helpers import form_error, referrer_path, safe_next

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # every page's access checks read the signed-in person's roles and units
    user = db.session.get(
        User,
        int(user_id),
        options=[selectinload(User.role_rows), selectinload(User.memberships).joinedload(Membership.unit)],
    )
    return user if user is not None and user.active else None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = org.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            form.password.errors = [_("Wrong e-mail or password, or the account is disabled.")]
        else:
            login_user(user, remember=bool(form.remember.data))
            session.pop("lang", None)
            return redirect(safe_next(request.args.get("next"), url_for("main.dashboard")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    lang = current_user.language
    logout_user()
    session["lang"] = lang
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            org.change_own_password(
                current_user, current=form.current_password.data, new=form.new_password.data
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str) -> Response:
    if lang not in ("vi", "en"):
        lang = "vi"
    if current_user.is_authenticated:
        org.set_language(current_user, lang)
        db.session.commit()
    else:
        session["lang"] = lang
    return redirect(
        safe_next(request.form.get("next"), referrer_path(url_for("main.dashboard")))
    )
