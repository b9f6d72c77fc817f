"""The JSON API under /api/v1, described by the OpenAPI 3.1 document it generates at
/api/v1/openapi.json and browsable at /api/v1/docs. audits adds its endpoints from its side with
`register_blueprint` (qms never imports audits)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template

from qms.api.core import URL_PREFIX, api_of, configure, register_blueprint

__all__ = ["api_of", "register", "register_blueprint"]

docs_bp = Blueprint("api_docs_page", __name__, url_prefix=URL_PREFIX)

METHODS = ("get", "post", "put", "patch", "delete")


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the document, by tag, for the docs page."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            parameters = [
                p for p in op.get("parameters", []) + item.get("parameters", []) if isinstance(p, dict)
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            found.append(
                {
                    "tag": (op.get("tags") or [""])[0],
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": parameters,
                    "body": _ref_name(body),
                    "responses": sorted(op.get("responses", {}).keys()),
                }
            )
    return sorted(found, key=lambda o: (o["tag"], o["path"], o["method"]))


def _ref_name(schema: dict[str, Any] | None) -> str | None:
    if not schema:
        return None
    return str(schema.get("$ref", "")).rsplit("/", 1)[-1] or None


@docs_bp.route("/docs")
def docs() -> str:
    from flask import current_app

    spec = api_of(current_app).spec.to_dict()
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations(spec),
        schemas=spec.get("components", {}).get("schemas", {}),
    )


def register(app: Flask) -> None:
    from qms.api import figures, registers

    configure(app)
    for module in (registers, figures):
        register_blueprint(app, module.bp)
    app.register_blueprint(docs_bp)
