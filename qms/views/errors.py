"""Error pages in the user's language, never a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from qms.extensions import db


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        return render_template("errors/error.html", code=400, reason="csrf"), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        # Werkzeug's stock descriptions are English; only a message of ours is shown.
        detail = exc.description if exc.description != type(exc).description else None
        return render_template("errors/error.html", code=code, reason=None, detail=detail), code

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> tuple[str, int]:
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_template("errors/error.html", code=500, reason=None, detail=None), 500
