"""Signing in and out, one's own password and language."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
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
from werkzeug.wrappers import Response

from qms import sqlite
from qms.extensions import db, limiter, login_manager
from qms.forms.auth import ApiTokenForm, ChangePasswordForm, LoginForm
from qms.models.org import User
from qms.services import org, sessions, tokens
from qms.services.errors import DomainError
from qms.views.helpers import form_error, referrer_path, safe_next

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    """The session and remember cookies name a server-side session; an ended one signs no one in."""
    return sessions.user_for_cookie(cookie_id)


@bp.before_app_request
def _load_user_from_this_requests_cookies() -> None:
    # Flask-Login keeps the signed-in user in `g`, which lives as long as the app context: a context
    # kept across requests (tests, scripts) must not carry one request's user into the next.
    g.pop("_login_user", None)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _attempted_account() -> str:
    """The account a sign-in attempt names, however its e-mail is typed: guessing one person's password
    is limited wherever the guesses come from."""
    return "account:" + (request.form.get("email") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_attempted_account)
@limiter.limit(_login_address_limit, methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        # The password check is slow on purpose: on SQLite it must not hold the one write lock, so it
        # runs in a read transaction, ended before the session is written.
        with sqlite.reading():
            user = org.authenticate(form.email.data or "", form.password.data or "")
        db.session.commit()
        if user is None:
            form.password.errors = [_("Wrong e-mail or password, or the account is disabled.")]
        else:
            sessions.open_session(user, user_agent=request.headers.get("User-Agent", ""))
            db.session.commit()
            login_user(user, remember=bool(form.remember.data))
            session.pop("lang", None)
            return redirect(safe_next(request.args.get("next"), url_for("main.dashboard")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    lang = current_user.language
    sessions.end_session(current_user)
    db.session.commit()
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


@bp.route("/account/sessions")
@login_required
def my_sessions() -> str:
    return render_template(
        "auth/sessions.html",
        rows=sessions.open_sessions(current_user),
        current_id=sessions.current_session_id(current_user),
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_my_session(session_id: int) -> Response:
    if session_id == sessions.current_session_id(current_user):
        return redirect(url_for("auth.my_sessions"))  # this one ends by signing out
    if sessions.end_one(current_user, session_id):
        db.session.commit()
        flash(_("That session is signed out."), "success")
    return redirect(url_for("auth.my_sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions() -> Response:
    sessions.end_all(current_user, keep_current=True)
    db.session.commit()
    flash(_("Signed out everywhere else."), "success")
    return redirect(url_for("auth.my_sessions"))


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str) -> Response:
    if lang not in ("vi", "en"):
        lang = "vi"
    if current_user.is_authenticated:
        org.set_language(current_user, lang)
        db.session.commit()
    else:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), referrer_path(url_for("main.dashboard"))))
