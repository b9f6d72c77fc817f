"""Errors of the JSON API as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Response, json, request
from werkzeug.exceptions import HTTPException

from qms.services.errors import DomainError, InvalidTransition, NotAllowed, NotFound

API_PREFIX = "/api/"
PROBLEM_TYPE = "application/problem+json"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


class ProblemErrorSchema(ma.Schema):
    pointer = ma.fields.String(
        metadata={"description": "JSON pointer into the body (`/items/0/late`), or the query parameter"}
    )
    detail = ma.fields.String()


class ProblemSchema(ma.Schema):
    """Only documents the payload; problem() builds it."""

    type = ma.fields.String(metadata={"description": "A URI naming the kind of problem"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(ProblemErrorSchema))


def problem(
    status: int, title: str, detail: str | None = None, errors: list[dict[str, str]] | None = None
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="qms"'
    return response


def flatten(messages: Any, pointer: str = "") -> list[dict[str, str]]:
    """Marshmallow/webargs messages ({"json": {"items": {0: {"late": ["…"]}}}}) as pointer + detail."""
    if isinstance(messages, Mapping):
        found: list[dict[str, str]] = []
        for key, value in messages.items():
            found.extend(flatten(value, f"{pointer}/{key}"))
        return found
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        return [{"pointer": pointer or "/", "detail": str(m)} for m in messages]
    if isinstance(messages, list | tuple):
        return [e for i, m in enumerate(messages) for e in flatten(m, f"{pointer}/{i}")]
    return [{"pointer": pointer or "/", "detail": str(messages)}]


def _locations(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    """webargs names the location first (/json/…, /query/…): a body pointer starts at the body, a query
    parameter is named by itself."""
    out = []
    for error in errors:
        pointer = error["pointer"]
        if pointer.startswith("/json"):
            pointer = pointer.removeprefix("/json") or "/"
        elif pointer.startswith("/query/"):
            pointer = pointer.removeprefix("/query/")
        out.append({"pointer": pointer, "detail": error["detail"]})
    return out


def from_http_exception(exc: HTTPException) -> Response:
    code = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors")
    if errors is None and "messages" in data:
        errors = _locations(flatten(data["messages"]))
    detail = data.get("message")
    if detail is None and exc.description != type(exc).description:
        detail = exc.description
    return problem(code, exc.name, detail, errors)


def from_domain_error(exc: DomainError) -> Response:
    if isinstance(exc, NotAllowed):
        return problem(403, "Forbidden", exc.message)
    if isinstance(exc, NotFound):
        return problem(404, "Not Found", exc.message)
    if isinstance(exc, InvalidTransition):
        return problem(409, "Conflict", exc.message)
    errors = [{"pointer": f"/{exc.field}", "detail": exc.message}] if exc.field else None
    return problem(422, "Unprocessable Content", exc.message, errors)


def server_error() -> Response:
    return problem(500, "Internal Server Error")
