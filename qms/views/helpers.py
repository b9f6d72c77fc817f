"""What every view needs: turning domain errors into field errors or flashes, and role labels."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, send_file, url_for
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from qms.exports import pdf
from qms.exports.lists import Sheet
from qms.exports.workbook import sheet_workbook, to_bytes
from qms.extensions import db
from qms.formatting import current_lang, parse_day
from qms.numbers import DB_INT_MAX, whole_number
from qms.services import files
from qms.services.errors import DomainError, NotAllowed, NotFound


class BoundedIntConverter(IntegerConverter):
    """The app's `<int:…>` URL converter: a number beyond what the database stores matches no route (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def int_arg(
    name: str,
    default: int | None = None,
    *,
    low: int = -DB_INT_MAX,
    high: int = DB_INT_MAX,
    args: MultiDict[str, str] | None = None,
) -> int | None:
    """An integer query parameter; one that is missing, not a number or outside `low`..`high` (by
    default the database's range) is ignored (the default), as an unknown filter value would be."""
    raw = (args if args is not None else request.args).get(name, "").strip()
    magnitude = whole_number(raw.removeprefix("-"))
    if magnitude is None:
        return default
    value = -magnitude if raw.startswith("-") else magnitude
    return value if low <= value <= high else default


def date_arg(name: str) -> tuple[date | None, bool]:
    """A date query parameter as a date input sends it (yyyy-mm-dd) or as typed here (dd/mm/yyyy):
    (the date, True), (None, True) when it is missing, (None, False) when it is not a date."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None, True
    found = parse_day(raw)
    return (found, True) if found is not None and found.year >= 1900 else (None, False)


YEAR_RANGE = {"low": 1900, "high": 9999}  # a year a date can hold
PAGE_RANGE = {"low": 1, "high": 10**6}  # a page number an OFFSET can hold


def small_int(value: object) -> int | None:
    """A submitted identifier as a number, or None when it is not one the database could hold."""
    return whole_number(value)


def safe_next(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site, else `fallback`. Browsers read '\\' as '/' and drop
    tabs and newlines, so '/\\evil.example' and '/\\t/evil.example' would lead to another site: refused."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
        and not urlsplit(target).scheme
        and not urlsplit(target).netloc
    ):
        return target
    return fallback


def referrer_path(fallback: str) -> str:
    """The page the request came from, as a path on this site (or `fallback`)."""
    if not request.referrer:
        return fallback
    parts = urlsplit(request.referrer)
    if parts.netloc and parts.netloc != request.host:
        return fallback
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), fallback)


def form_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a domain error next to its field, or as a flash when no field is named."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc.message)]
    else:
        flash(str(exc.message), "danger")


def flash_error(exc: DomainError) -> None:
    """For pages whose small forms post and redirect back: roll back and show the error as a flash
    (a refusal of access stays a 403)."""
    db.session.rollback()
    if isinstance(exc, NotAllowed):
        abort(403, description=str(exc.message))
    flash(str(exc.message), "danger")


def refuse(exc: DomainError) -> None:
    if isinstance(exc, NotAllowed):
        abort(403, description=str(exc.message))
    if isinstance(exc, NotFound):
        abort(404, description=str(exc.message))
    raise exc


def wants_xlsx() -> bool:
    """A list page asked for as a spreadsheet (`?format=xlsx`), with the filters it shows."""
    return request.args.get("format") == "xlsx"


def xlsx_download(sheet: Sheet) -> Response:
    """The rows a list page shows, as an .xlsx download."""
    workbook = sheet_workbook(sheet.title, sheet.header, sheet.rows, lang=current_lang())
    return send_file(
        BytesIO(to_bytes(workbook)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{sheet.name}.xlsx",
        max_age=0,
    )


def stored_file_download(path: Path, *, mimetype: str, name: str, etag: str | None = None) -> Response:
    """A stored upload sent back: always as an attachment, under a cleaned name (werkzeug adds the
    RFC 5987 `filename*` for Vietnamese letters), never sniffed as another type."""
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=True,
        download_name=files.clean_filename(name),
        max_age=0,
        etag=etag if etag is not None else True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_download(data: bytes, name: str) -> Response:
    """A Word document as a download, or its PDF with `?format=pdf` (converted by LibreOffice; without
    it the reader is told so on the page they came from)."""
    if request.args.get("format") == "pdf":
        try:
            data = pdf.to_pdf(data)
        except DomainError as exc:
            flash(str(exc.message), "danger")
            return redirect(referrer_path(url_for("main.index")))
        return send_file(
            BytesIO(data), mimetype="application/pdf", as_attachment=True,
            download_name=name.removesuffix(".docx") + ".pdf", max_age=0,
        )  # fmt: skip
    return send_file(BytesIO(data), mimetype=DOCX_MIMETYPE, as_attachment=True, download_name=name, max_age=0)
