"""Error pages in the user's language, never a traceback."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from qms.api import problems
from qms.extensions import db


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        if problems.is_api_request():
            return problems.from_http_exception(exc)
        return render_template("errors/error.html", code=400, reason="csrf"), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if problems.is_api_request():  # the JSON API answers with problem details
            return problems.from_http_exception(exc)
        code = exc.code or 500
        # Werkzeug's stock descriptions are English; only a message of ours is shown.
        detail = exc.description if exc.description != type(exc).description else None
        return render_template("errors/error.html", code=code, reason=None, detail=detail), code

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Any:
        db.session.rollback()
        app.logger.exception("unhandled error")
        if problems.is_api_request():
            return problems.server_error()
        return render_template("errors/error.html", code=500, reason=None, detail=None), 500
