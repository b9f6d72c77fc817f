"""The audits blueprint, shared by the page modules of this package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audits", __name__, url_prefix="/audits")
