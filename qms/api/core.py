"""The API's frame: the flask-smorest Api (OpenAPI 3.1 generated from the views), token
authentication, cursor pagination and the shapes every list shares."""

from __future__ import annotations

import base64
import binascii
import http
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import marshmallow as ma
from flask import Flask, g, request
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint, abort
from flask_smorest.utils import prepare_response
from marshmallow import validate
from webargs.flaskparser import FlaskParser

from qms.api.problems import PROBLEM_TYPE, ProblemSchema, from_domain_error, problem
from qms.extensions import csrf, db
from qms.models.org import User
from qms.services import tokens
from qms.services.errors import DomainError
from qms.services.history import act_as

API_VERSION = "1"
URL_PREFIX = "/api/v1"
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class QmsApi(Api):
    """Errors are problem details under /api only (the web keeps its HTML pages: qms/views/errors.py
    asks qms.api.problems for API requests), and documented as application/problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        pass

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def api_of(app: Flask) -> QmsApi:
    return app.extensions["qms_api"]


def current_actor() -> User:
    return g.api_user


def _authenticate() -> Any:
    """Every API call names its user by `Authorization: Bearer <token>`; a session cookie is ignored
    (the API is exempt from CSRF, so it must never act on a cookie)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    user = tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        db.session.rollback()
        return problem(
            401, "Unauthorized", _("A valid personal API token is required (Authorization: Bearer …).")
        )
    g._login_user = user  # Flask-Login's current_user for this request: the token's owner
    g.api_user = user
    act_as(user)
    return None


def _domain_error(exc: DomainError) -> Any:
    db.session.rollback()
    return from_domain_error(exc)


class StrictParser(FlaskParser):
    """Unknown query parameters are refused like unknown body fields (a misspelt filter would
    otherwise be ignored silently)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE}


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()


def api_blueprint(name: str, import_name: str, *, description: str) -> Blueprint:
    """A blueprint of the API: token-authenticated, CSRF-exempt, domain errors as problems."""
    bp = ApiBlueprint(name, import_name, url_prefix=URL_PREFIX, description=description)
    bp.before_request(_authenticate)
    bp.register_error_handler(DomainError, _domain_error)
    return bp


def register_blueprint(app: Flask, bp: Blueprint) -> None:
    """Add a blueprint to the API (qms' own, and audits' from its side)."""
    csrf.exempt(bp)
    api_of(app).register_blueprint(bp)


# --- pagination --------------------------------------------------------------------------------


class PageArgs(ma.Schema):
    cursor = ma.fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Opaque: the `next_cursor` of the previous page"},
    )
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(1, MAX_LIMIT),
        metadata={"description": f"Items per page (1–{MAX_LIMIT})"},
    )


class Page(ma.Schema):
    next_cursor = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "null on the last page"}
    )


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return type(name, (Page,), {"items": ma.fields.List(ma.fields.Nested(item), required=True)})


def encode_cursor(after: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"a": after}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = data["a"]
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ValueError
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        abort(400, message=_("The cursor is not one this API gave."),
              errors=[{"pointer": "cursor", "detail": _("Unknown cursor.")}])  # fmt: skip
    return after


class HasId(Protocol):
    id: int


T = TypeVar("T", bound=HasId)


def paginate(
    items: Sequence[T], args: dict[str, Any], row: Callable[[T], Any] = lambda x: x
) -> dict[str, Any]:
    """One page of `items` (whatever the service returned, in id order so a cursor stays put when
    records are added): the items after the cursor, and the cursor of the next page."""
    after = decode_cursor(args.get("cursor"))
    limit = args["limit"]
    rest = sorted((i for i in items if i.id > after), key=lambda i: i.id)
    chosen = rest[:limit]
    next_cursor = encode_cursor(chosen[-1].id) if len(rest) > limit else None
    return {"items": [row(i) for i in chosen], "next_cursor": next_cursor}


def configure(app: Flask) -> QmsApi:
    app.config.setdefault("API_TITLE", "QMS Tracker API")
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", URL_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "security": [{"bearerAuth": []}],
            "info": {
                "description": "Registers of the quality system and the one-stop shop's monthly figures. "
                "Authenticate with a personal API token: `Authorization: Bearer <token>`."
            },
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )
    api = QmsApi()
    api.init_app(app)
    app.extensions["qms_api"] = api
    return api
