"""Signing in and out, one's own password and language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from qms.extensions import db, limiter, login_manager
from qms.forms.auth import ApiTokenForm, ChangePasswordForm, LoginForm
from qms.models.org import Membership, User
from qms.services import org, tokens
from qms.services.errors import DomainError
from qms.views.helpers import form_error

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # every page's access checks read the signed-in person's roles and units: one statement for all three
    user = db.session.get(
        User,
        int(user_id),
        options=[joinedload(User.role_rows), joinedload(User.memberships).joinedload(Membership.unit)],
    )
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str:
    """A path on this site, or the dashboard. Browsers read '\\' as '/' and drop tabs and newlines,
    so '/\\evil.example' and '/\\t/evil.example' would lead to another site: refused."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("main.dashboard")


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
            return redirect(_safe_next(request.args.get("next")))
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


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens() -> str | Response:
    """One's personal API tokens; a new token's secret is shown on this one answer and never again."""
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            issued = tokens.create_token(
                current_user, actor=current_user, name=form.name.data or "", expires=form.expires.data
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            secret = issued.secret
            form = ApiTokenForm(formdata=None)
    if not form.is_submitted() or secret:
        form.expires.data = tokens.default_expiry()
    response = make_response(render_template(
        "auth/api_tokens.html", form=form, secret=secret, tokens=tokens.tokens_of(current_user),
        is_usable=tokens.is_usable, api_docs=url_for("api_docs_page.docs"),
    ))  # fmt: skip
    response.headers["Cache-Control"] = "no-store"  # the page may carry a secret
    return response


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int) -> Response:
    try:
        token = tokens.get_token(token_id)
        tokens.revoke_token(token, actor=current_user)
    except DomainError:
        db.session.rollback()
        abort(404)  # another person's token is not named to the caller
    db.session.commit()
    flash(_("Token %(prefix)s revoked.", prefix=token.prefix), "success")
    return redirect(url_for("auth.api_tokens"))


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
        _safe_next(request.form.get("next") or (request.referrer and urlsplit(request.referrer).path))
    )
