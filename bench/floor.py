"""The floor the project is measured against: the fastest plain way to show the same thing.

- `floor_app(url, secret_key)`: a bare Flask app on the same database. Each page runs one hand-written
  SQL statement (SQLAlchemy Core `text()`) for what it lists, and renders it with a minimal Jinja
  template showing the same rows and columns as the project's page. Pages with a unit filter read the
  unit options with a second, tiny statement. The signed-in person comes from the project's own
  session cookie (same secret key): no statement for it.
- `report_table_docx(url, ref)`: a bare python-docx script writing the findings table of an audit
  report (`cell.text`), one statement for its rows.
- `report_table_xml(url, ref)`: the same table built as one XML string and appended to the document.
- `register_xlsx(url, year)`: openpyxl write-only mode writing the findings register rows of a year,
  streamed from one statement.

Lists a person reads are bounded (50 rows a page, with the total), as the issue asks of the project.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from flask import Flask, abort, render_template, request, session
from jinja2 import FileSystemLoader
from sqlalchemy import Connection, Engine, create_engine, text

PAGE_SIZE = 50
OPEN_NC = ("open", "plan_submitted", "plan_returned", "plan_accepted", "actions_done", "reopened")
REF_PREFIX = {"NC": "NC", "OBS": "LY", "OFI": "CT"}  # as shown in Vietnamese

# The due date of a nonconformity's current step, and the date it is late since (the earlier of that
# and its earliest open action's), as in audits/services/deadlines.py.
ACTION_DUE = (
    "(SELECT min(ai.due_on) FROM action_item ai WHERE ai.finding_id = f.id AND ai.round = f.round"
    " AND ai.done_on IS NULL)"
)
STEP_DUE = (
    "CASE WHEN f.status IN ('open', 'plan_returned', 'reopened') THEN f.plan_due_on"
    " WHEN f.status = 'plan_submitted' THEN f.review_due_on"
    f" WHEN f.status = 'plan_accepted' THEN {ACTION_DUE}"
    " WHEN f.status = 'actions_done' THEN f.verify_due_on END"
)
FINDING_COLUMNS = (
    "f.id, f.ref_series, f.ref_year, f.ref_seq, f.kind, f.status, f.statement, f.withdrawn_reason,"
    f" c.edition, c.number, u.code AS unit_code, {STEP_DUE} AS step_due, {ACTION_DUE} AS action_due"
)
ORDER_REGISTER = "ORDER BY a.year DESC, f.ref_seq IS NULL, f.ref_seq, f.id"

TEMPLATES = Path(__file__).resolve().parent / "floor_templates"


def _date(value: Any) -> date | None:
    """Dates as SQLite returns them (text) or PostgreSQL does (date)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def label(series: str, year: int, seq: int) -> str:
    return f"{REF_PREFIX.get(series, series)}-{year}-{seq:03d}"


def finding_row(row: Any, today: date) -> dict[str, Any]:
    """A finding row with its label, the due date of its step and how late it is."""
    f = dict(row._mapping)
    f["label"] = label(f["ref_series"], f["ref_year"], f["ref_seq"])
    step, action = _date(f.get("step_due")), _date(f.get("action_due"))
    late_since = min((d for d in (step, action) if d is not None), default=None)
    f["due"] = late_since
    f["late"] = late_since is not None and f["status"] in OPEN_NC and today > late_since
    f["days_late"] = (today - late_since).days if f["late"] and late_since else 0
    return f


def _pages(page: int, last: int) -> list[int]:
    return sorted(
        {p for p in (1, 2, page - 2, page - 1, page, page + 1, page + 2, last - 1, last) if 1 <= p <= last}
    )


def floor_app(url: str, secret_key: str, labels: dict[str, str] | None = None) -> Flask:
    """The bare Flask app: the same pages as the project, each from one hand-written statement."""
    app = Flask("floor")
    app.config.update(SECRET_KEY=secret_key, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.jinja_loader = FileSystemLoader(TEMPLATES)
    engine: Engine = create_engine(url)
    app.extensions["floor_engine"] = engine
    shown = labels or {}

    def me() -> int:
        cookie_id = session.get("_user_id")  # "<user id>:<session key>"
        if cookie_id is None:
            abort(401)
        return int(cookie_id.partition(":")[0])

    def units(conn: Connection) -> list[Any]:
        return list(conn.execute(text("SELECT id, code FROM unit WHERE active ORDER BY code")))

    @app.route("/audits/findings")
    def findings() -> str:
        me()
        today = date.today()
        args = request.args
        where, params = ["1 = 1"], {}
        if args.get("unit_id"):
            where.append("f.unit_id = :unit_id")
            params["unit_id"] = args.get("unit_id", type=int)
        for name in ("status", "kind"):
            if args.get(name):
                where.append(f"f.{name} = :{name}")
                params[name] = args[name]
        if args.get("clause"):
            where.append("(c.number = :clause OR c.number LIKE :clause_prefix)")
            params["clause"] = args["clause"]
            params["clause_prefix"] = args["clause"].rstrip(".") + ".%"
        page = max(args.get("page", 1, type=int), 1)
        # Sort and count the ids only, then join the 50 rows of the page (a deferred join).
        source = (
            "FROM finding f JOIN audit a ON a.id = f.audit_id JOIN clause c ON c.id = f.clause_id"
            f" WHERE {' AND '.join(where)}"
        )
        sql = (
            f"SELECT {FINDING_COLUMNS}, p.audit_ref, t.total, t.withdrawn FROM"
            f" (SELECT f.id AS fid, a.ref AS audit_ref, a.year AS ayear {source} {ORDER_REGISTER}"
            f" LIMIT {PAGE_SIZE} OFFSET :offset) p JOIN finding f ON f.id = p.fid"
            " JOIN clause c ON c.id = f.clause_id JOIN unit u ON u.id = f.unit_id"
            " CROSS JOIN (SELECT count(*) AS total,"
            f" sum(CASE WHEN f.status = 'withdrawn' THEN 1 ELSE 0 END) AS withdrawn {source}) t"
            " ORDER BY p.ayear DESC, f.ref_seq IS NULL, f.ref_seq, f.id"
        )
        with engine.connect() as conn:
            rows = [
                finding_row(r, today)
                for r in conn.execute(text(sql), {**params, "offset": (page - 1) * PAGE_SIZE})
            ]
            options = units(conn)
        total = rows[0]["total"] if rows else 0
        withdrawn = rows[0]["withdrawn"] if rows else 0
        last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return render_template(
            "findings.html", rows=rows, total=total, withdrawn=withdrawn, units=options, labels=shown,
            unit_id=params.get("unit_id"), pages=_pages(page, last), query="",
        )  # fmt: skip

    @app.route("/audits/<ref>")
    def audit(ref: str) -> str:
        me()
        today = date.today()
        sql = (
            f"SELECT a.ref AS audit_ref, a.status AS audit_status, a.planned_start, a.planned_end,"
            f" a.objectives, {FINDING_COLUMNS}, count(*) OVER (PARTITION BY f.kind) AS of_kind"
            " FROM audit a LEFT JOIN finding f ON f.audit_id = a.id AND f.status <> 'withdrawn'"
            " LEFT JOIN clause c ON c.id = f.clause_id LEFT JOIN unit u ON u.id = f.unit_id"
            " WHERE a.ref = :ref ORDER BY f.kind IN ('observation', 'ofi'), f.ref_seq, f.id"
        )
        with engine.connect() as conn:
            raw = list(conn.execute(text(sql), {"ref": ref}))
        if not raw:
            abort(404)
        first = raw[0]
        info = {
            "ref": first.audit_ref, "status": first.audit_status, "objectives": first.objectives,
            "planned_start": _date(first.planned_start), "planned_end": _date(first.planned_end),
        }  # fmt: skip
        rows = [finding_row(r, today) for r in raw if r.id is not None]
        by_kind = {r["kind"]: r["of_kind"] for r in rows}
        return render_template("audit.html", audit=info, rows=rows, by_kind=by_kind, labels=shown)

    @app.route("/")
    def dashboard() -> str:
        user_id = me()
        today = date.today()
        open_nc = ", ".join(f"'{s}'" for s in OPEN_NC)
        step_due = STEP_DUE.replace(ACTION_DUE, "act.due")
        late = (
            "CASE WHEN s.action_due IS NULL THEN s.step_due WHEN s.step_due IS NULL THEN s.action_due"
            " WHEN s.step_due <= s.action_due THEN s.step_due ELSE s.action_due END"
        )
        # The open nonconformities with the date each is late since, computed once (a CTE): the
        # earliest open action of the current round comes from one grouped pass over the actions.
        sql = (
            "WITH s AS (SELECT f.id, f.ref_series, f.ref_year, f.ref_seq, f.status, f.unit_id, f.round,"
            f" {step_due} AS step_due, act.due AS action_due FROM finding f LEFT JOIN (SELECT finding_id,"
            " round, min(due_on) AS due FROM action_item WHERE done_on IS NULL"
            " GROUP BY finding_id, round) act"
            f" ON act.finding_id = f.id AND act.round = f.round WHERE f.status IN ({open_nc})),"
            f" late AS (SELECT s.*, {late} AS late_since FROM s)"
            " SELECT k.*, l.* FROM (SELECT"
            " (SELECT full_name FROM user_account WHERE id = :me) AS me_name,"
            " (SELECT count(*) FROM unit WHERE active AND kind = 'department') AS departments,"
            " (SELECT count(*) FROM unit WHERE active AND kind = 'city') AS cities,"
            " (SELECT count(*) FROM user_account WHERE active) AS users_active,"
            " (SELECT count(*) FROM clause WHERE edition = '2008') AS c2008,"
            " (SELECT count(*) FROM clause WHERE edition = '2015') AS c2015,"
            " (SELECT count(*) FROM late) AS open_nc,"
            " (SELECT count(*) FROM late WHERE late_since < :today) AS overdue_nc,"
            " (SELECT count(*) FROM action_item ai JOIN late f ON f.id = ai.finding_id"
            "  WHERE ai.done_on IS NULL AND ai.round = f.round AND ai.due_on < :today) AS overdue_actions) k"
            " LEFT JOIN (SELECT late.*, u.code AS unit_code FROM late JOIN unit u ON u.id = late.unit_id"
            "  WHERE late_since < :today ORDER BY late_since, late.id LIMIT 5) l ON 1 = 1"
        )
        with engine.connect() as conn:
            raw = list(conn.execute(text(sql), {"me": user_id, "today": today}))
        k = raw[0]
        rows = [finding_row(r, today) for r in raw if r.id is not None]
        return render_template("dashboard.html", k=k, rows=rows, labels=shown)

    @app.route("/audits/my-work")
    def my_work() -> str:
        user_id = me()
        today = date.today()
        team = "SELECT audit_id FROM audit_team_member WHERE user_id = :me"
        member = "SELECT unit_id FROM membership WHERE user_id = :me"
        sql = (
            f"SELECT * FROM (SELECT 'review' AS list, {FINDING_COLUMNS}, count(*) OVER () AS total"
            " FROM finding f JOIN clause c ON c.id = f.clause_id JOIN unit u ON u.id = f.unit_id"
            f" WHERE f.status = 'plan_submitted' AND f.audit_id IN ({team})"
            f" ORDER BY f.review_due_on, f.id LIMIT {PAGE_SIZE}) r"
            f" UNION ALL SELECT * FROM (SELECT 'verify' AS list, {FINDING_COLUMNS}, count(*) OVER () AS total"
            " FROM finding f JOIN clause c ON c.id = f.clause_id JOIN unit u ON u.id = f.unit_id"
            f" WHERE f.status = 'actions_done' AND f.audit_id IN ({team}) AND f.unit_id NOT IN ({member})"
            f" ORDER BY f.verify_due_on, f.id LIMIT {PAGE_SIZE}) v"
        )
        lists: dict[str, list[dict[str, Any]]] = {"review": [], "verify": []}
        totals: dict[str, int] = {}
        with engine.connect() as conn:
            for r in conn.execute(text(sql), {"me": user_id}):
                lists[r.list].append(finding_row(r, today))
                totals[r.list] = r.total
        return render_template("my_work.html", lists=lists, totals=totals, labels=shown)

    @app.route("/audits/programmes")
    def programmes() -> str:
        me()
        sql = (
            "SELECT p.year, p.edition, p.status, p.approved_at, u.full_name AS approver,"
            " (SELECT count(*) FROM audit a WHERE a.programme_id = p.id) AS audits"
            " FROM audit_programme p LEFT JOIN user_account u ON u.id = p.approved_by_id ORDER BY p.year DESC"
        )
        with engine.connect() as conn:
            rows = list(conn.execute(text(sql)))
        return render_template("programmes.html", rows=rows, labels=shown)

    @app.route("/audits/actions")
    def actions() -> str:
        me()
        today = date.today()
        page = max(request.args.get("page", 1, type=int), 1)
        sql = (
            # Sort and count the ids only, then join the 50 rows of the page (a deferred join).
            "SELECT ai.id, ai.what, ai.owner_name, ow.full_name AS owner_full, ai.due_on, ai.done_on,"
            " ai.round, f.id AS finding_id, f.round AS finding_round, f.ref_series, f.ref_year, f.ref_seq,"
            " u.code AS unit_code, t.total FROM (SELECT ai.id AS aid FROM action_item ai"
            " JOIN finding f ON f.id = ai.finding_id WHERE f.status <> 'withdrawn'"
            f" ORDER BY ai.due_on, ai.id LIMIT {PAGE_SIZE} OFFSET :offset) p"
            " JOIN action_item ai ON ai.id = p.aid JOIN finding f ON f.id = ai.finding_id"
            " JOIN unit u ON u.id = f.unit_id LEFT JOIN user_account ow ON ow.id = ai.owner_id"
            " CROSS JOIN (SELECT count(*) AS total FROM action_item ai JOIN finding f ON f.id = ai.finding_id"
            " WHERE f.status <> 'withdrawn') t ORDER BY ai.due_on, ai.id"
        )
        with engine.connect() as conn:
            rows = []
            for r in conn.execute(text(sql), {"offset": (page - 1) * PAGE_SIZE}):
                a = dict(r._mapping)
                a["due_on"], a["done_on"] = _date(a["due_on"]), _date(a["done_on"])
                a["label"] = label(a["ref_series"], a["ref_year"], a["ref_seq"])
                a["late"] = a["done_on"] is None and a["due_on"] < today
                a["days_late"] = (today - a["due_on"]).days
                rows.append(a)
            options = units(conn)
        total = rows[0]["total"] if rows else 0
        last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return render_template(
            "actions.html", rows=rows, total=total, units=options, unit_id=None, pages=_pages(page, last),
            query="", labels=shown,
        )  # fmt: skip

    return app


# -- documents -------------------------------------------------------------------------------------

REPORT_HEADER = ["Số hiệu", "Loại", "Điều khoản", "Đơn vị", "Nội dung", "Trạng thái"]


def report_rows(conn: Connection, ref: str, labels: dict[str, str]) -> list[list[str]]:
    """The rows of the findings table of an audit report, from one statement."""
    sql = (
        "SELECT f.ref_series, f.ref_year, f.ref_seq, f.kind, f.status, f.statement, c.edition, c.number,"
        " u.code FROM finding f JOIN audit a ON a.id = f.audit_id JOIN clause c ON c.id = f.clause_id"
        " JOIN unit u ON u.id = f.unit_id WHERE a.ref = :ref AND f.status <> 'withdrawn'"
        " ORDER BY f.kind IN ('observation', 'ofi'), f.ref_seq, f.id"
    )
    return [
        [label(r.ref_series, r.ref_year, r.ref_seq), labels.get(r.kind, r.kind), f"{r.edition} · {r.number}",
         r.code, r.statement, labels.get(r.status, r.status)]
        for r in conn.execute(text(sql), {"ref": ref})
    ]  # fmt: skip


def report_table_docx(engine: Engine, ref: str, labels: dict[str, str] | None = None) -> bytes:
    """A bare python-docx document holding the report's findings table, written cell by cell."""
    from docx import Document

    with engine.connect() as conn:
        rows = report_rows(conn, ref, labels or {})
    doc = Document()
    doc.add_heading("5. Các phát hiện", 1)
    table = doc.add_table(rows=len(rows) + 1, cols=len(REPORT_HEADER))
    table.style = "Table Grid"
    for cell, value in zip(table.rows[0].cells, REPORT_HEADER, strict=True):
        cell.text = value
    for table_row, values in zip(table.rows[1:], rows, strict=True):
        for cell, value in zip(table_row.cells, values, strict=True):
            cell.text = value
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _cell(value: str, bold: bool = False) -> str:
    run_props = '<w:rPr><w:b/><w:sz w:val="22"/></w:rPr>' if bold else '<w:rPr><w:sz w:val="22"/></w:rPr>'
    return f'<w:tc><w:p><w:r>{run_props}<w:t xml:space="preserve">{escape(value)}</w:t></w:r></w:p></w:tc>'


def report_table_xml(engine: Engine, ref: str, labels: dict[str, str] | None = None) -> bytes:
    """The same table built as one XML string, parsed once and appended to the document body."""
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    with engine.connect() as conn:
        rows = report_rows(conn, ref, labels or {})
    doc = Document()
    doc.add_heading("5. Các phát hiện", 1)
    parts = [
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
        '<w:tblW w:w="0" w:type="auto"/></w:tblPr>'
    ]
    parts.append("<w:tblGrid>" + "<w:gridCol/>" * len(REPORT_HEADER) + "</w:tblGrid>")
    parts.append("<w:tr>" + "".join(_cell(v, bold=True) for v in REPORT_HEADER) + "</w:tr>")
    parts.extend("<w:tr>" + "".join(_cell(v) for v in values) + "</w:tr>" for values in rows)
    parts.append("</w:tbl>")
    doc.element.body.append(parse_xml("".join(parts)))
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


REGISTER_HEADER = [
    "Số hiệu", "Cuộc đánh giá", "Đơn vị", "Loại", "Phiên bản", "Điều khoản", "Nội dung", "Bằng chứng",
    "Ngày phát hiện", "Trạng thái", "Hành động khắc phục", "Người thực hiện", "Hạn", "Hoàn thành",
    "Quá hạn", "Ngày đóng",
]  # fmt: skip


def _register_rows(conn: Connection, year: int, labels: dict[str, str], today: date) -> Iterator[list[Any]]:
    """One row per finding of the year with its current actions, streamed from one statement."""
    sql = (
        "SELECT f.id, f.ref_series, f.ref_year, f.ref_seq, a.ref AS audit_ref, u.code, f.kind, c.edition,"
        " c.number, f.statement, f.evidence, f.raised_on, f.status, f.closed_on, ai.what, ai.owner_name,"
        " ai.due_on, ai.done_on FROM finding f JOIN audit a ON a.id = f.audit_id"
        " JOIN clause c ON c.id = f.clause_id JOIN unit u ON u.id = f.unit_id"
        " LEFT JOIN action_item ai ON ai.finding_id = f.id AND ai.round = f.round"
        f" WHERE a.year = :year {ORDER_REGISTER}, ai.id"
    )
    result = conn.execution_options(stream_results=True, yield_per=2000).execute(text(sql), {"year": year})
    current: list[Any] | None = None
    current_id, actions = None, []

    def finish(row: list[Any], acts: list[Any]) -> list[Any]:
        dues = [_date(a.due_on) for a in acts]
        dones = [_date(a.done_on) for a in acts]
        done = None if any(d is None for d in dones) or not acts else max(dones)  # type: ignore[type-var]
        overdue = row[9] in OPEN_NC and any(
            d is None and due < today for d, due in zip(dones, dues, strict=True)
        )
        whats = "\n".join(a.what for a in acts)
        owners = "\n".join(a.owner_name or "" for a in acts)
        return [*row[:10], whats, owners, max(dues, default=None), done, "Có" if overdue else "", row[10]]

    for r in result:
        if r.id != current_id:
            if current is not None:
                yield finish(current, actions)
            current_id, actions = r.id, []
            current = [
                label(r.ref_series, r.ref_year, r.ref_seq), r.audit_ref, r.code,
                labels.get(r.kind, r.kind), r.edition, r.number, r.statement, r.evidence,
                _date(r.raised_on), labels.get(r.status, r.status), _date(r.closed_on),
            ]  # fmt: skip
        if r.what is not None:
            actions.append(r)
    if current is not None:
        yield finish(current, actions)


def register_xlsx(engine: Engine, year: int, labels: dict[str, str] | None = None) -> bytes:
    """The findings register of a year through openpyxl's write-only mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("findings")
    sheet.append(REGISTER_HEADER)
    with engine.connect() as conn:
        for row in _register_rows(conn, year, labels or {}, date.today()):
            sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
