"""The procedure document (quy trình) as Word: header block, sign-off table, sections 1–7 and the
process map as a picture. Headings follow the usual Vietnamese layout, or English with lang="en"."""

from __future__ import annotations

from io import BytesIO

from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from qms.exports.document import heading, paragraph, table, to_bytes
from qms.exports.layout import iso_document, iso_header
from qms.exports.map_image import render_png
from qms.formatting import fmt_date
from qms.models.processes import Process
from qms.services import process_map, processes, remapping

WORDS = {
    "vi": {
        "doc": "QUY TRÌNH",
        "unit": "Đơn vị",
        "code": "Mã hiệu",
        "version": "Lần ban hành",
        "effective": "Ngày hiệu lực",
        "status": "Tình trạng",
        "draft": "Dự thảo",
        "approved": "Đã phê duyệt",
        "superseded": "Đã được thay thế",
        "drafter": "Người soạn thảo",
        "checker": "Người kiểm tra",
        "approver": "Người phê duyệt",
        "signature": "Chữ ký",
        "name": "Họ và tên",
        "revisions": "Theo dõi sửa đổi",
        "revision_cols": ("Lần ban hành", "Ngày hiệu lực", "Nội dung sửa đổi"),
        "first_issue": "Ban hành lần đầu.",
        "amended": "Sửa đổi: {sections}.",
        "no_change": "Ban hành lại, không thay đổi nội dung.",
        "page": "Trang",
        "draft_mark": "DỰ THẢO",
        "s1": "1. Mục đích",
        "s2": "2. Phạm vi",
        "s3": "3. Tài liệu viện dẫn",
        "s4": "4. Định nghĩa/viết tắt",
        "s5": "5. Nội dung quy trình",
        "s6": "6. Biểu mẫu",
        "s7": "7. Hồ sơ cần lưu",
        "map": "Lưu đồ quy trình",
        "steps": ("Bước", "Nội dung công việc", "Trách nhiệm", "Thời gian", "Biểu mẫu/Kết quả"),
        "forms": ("TT", "Mã hiệu", "Tên biểu mẫu"),
        "records": ("TT", "Tên hồ sơ", "Nơi lưu/Trách nhiệm", "Thời gian lưu", "Hình thức lưu"),
        "medium": {"paper": "Bản giấy", "electronic": "Bản điện tử", "both": "Bản giấy và điện tử"},
        "total": "Tổng thời gian",
        "limit": "Thời hạn giải quyết theo quy định: {limit} ngày làm việc.",
        "fits": "Tổng thời gian các bước trên luồng chính: {total} ngày làm việc, trong thời hạn quy định.",
        "exceeds": "Tổng thời gian các bước trên luồng chính: {total} ngày làm việc, VƯỢT thời hạn quy định.",
        "no_limit": "Tổng thời gian các bước trên luồng chính: {total} ngày làm việc.",
        "days": "ngày",
        "none": "Không có.",
        "undecided": "đề xuất, chưa quyết định",
        "not_remapped": "chưa chuyển đổi",
        "yes_to": "Có → bước {n}",
        "no_to": "Không → bước {n}",
        "map_words": {
            "start": "Bắt đầu",
            "end": "Kết thúc",
            "yes": "Có",
            "no": "Không",
            "responsible": "Trách nhiệm",
            "flow": "Lưu đồ",
            "time": "Thời gian",
            "days": "ngày",
            "decimal": ",",
        },
    },
    "en": {
        "doc": "PROCEDURE",
        "unit": "Unit",
        "code": "Code",
        "version": "Version",
        "effective": "Effective date",
        "status": "Status",
        "draft": "Draft",
        "approved": "Approved",
        "superseded": "Superseded",
        "drafter": "Prepared by",
        "checker": "Reviewed by",
        "approver": "Approved by",
        "signature": "Signature",
        "name": "Name",
        "revisions": "Revision history",
        "revision_cols": ("Version", "Effective date", "Changes"),
        "first_issue": "First issue.",
        "amended": "Amended: {sections}.",
        "no_change": "Reissued without changes.",
        "page": "Page",
        "draft_mark": "DRAFT",
        "s1": "1. Purpose",
        "s2": "2. Scope",
        "s3": "3. References",
        "s4": "4. Definitions and abbreviations",
        "s5": "5. Procedure",
        "s6": "6. Forms",
        "s7": "7. Records to keep",
        "map": "Process map",
        "steps": ("Step", "What is done", "Responsible", "Time", "Form/Result"),
        "forms": ("No.", "Code", "Form"),
        "records": ("No.", "Record", "Kept by/where", "Retention", "Form kept"),
        "medium": {"paper": "Paper", "electronic": "Electronic", "both": "Paper and electronic"},
        "total": "Total time",
        "limit": "Legal time limit: {limit} working days.",
        "fits": "Total time of the steps along the main path: {total} working days, within the limit.",
        "exceeds": "Total time of the steps along the main path: {total} working days, OVER the limit.",
        "no_limit": "Total time of the steps along the main path: {total} working days.",
        "days": "days",
        "none": "None.",
        "undecided": "proposed, not yet decided",
        "not_remapped": "not yet remapped",
        "yes_to": "Yes → step {n}",
        "no_to": "No → step {n}",
        "map_words": {
            "start": "Start",
            "end": "End",
            "yes": "Yes",
            "no": "No",
            "responsible": "Responsible",
            "flow": "Process flow",
            "time": "Time",
            "days": "days",
            "decimal": ".",
        },
    },
}


def _days(value, lang: str) -> str:  # type: ignore[no-untyped-def]
    text = processes.fmt_days(value)
    return text.replace(".", ",") if lang == "vi" else text


def _lines_or_none(doc: DocumentType, items: list[str], w: dict) -> None:  # type: ignore[type-arg]
    if not items:
        paragraph(doc, w["none"])
    for item in items:
        doc.add_paragraph(item, style="List Bullet")


def _revision_rows(process: Process, w: dict, lang: str) -> list[list[str]]:  # type: ignore[type-arg]
    """One row per version up to this one, oldest first, saying which sections each changed."""
    chain = [p for p in reversed(processes.versions_of(process.code)) if p.version <= process.version]
    rows = []
    for previous, current in zip([None, *chain], chain, strict=False):
        if previous is None:
            change = w["first_issue"]
        else:
            sections = [w[key].split(". ", 1)[1] for key in processes.changed_sections(previous, current)]
            change = w["amended"].format(sections=", ".join(sections)) if sections else w["no_change"]
        effective = fmt_date(current.effective_date, lang) if current.effective_date else w[current.status]
        rows.append([f"{current.version:02d}", effective, change])
    return rows


def clause_lines(process: Process, edition: str | None, w: dict) -> list[str]:  # type: ignore[type-arg]
    """Section 3's clause references: as stored (each edition on its line), or with edition "2015"
    all in 2015 numbering, the 2008 number in brackets where it was remapped; a 2008 reference not
    yet decided shows its one-to-one proposal, marked as such."""
    links = sorted(process.clause_links, key=lambda link: link.clause.sort_key)
    new: list[tuple[str, str]] = []
    old: list[tuple[str, str]] = []
    for link in links:
        clause = link.clause
        if clause.edition == "2015":
            text = (
                f"{clause.number} (2008: {link.remapped_from.number})"
                if link.remapped_from
                else clause.number
            )
            new.append((clause.sort_key, text))
            continue
        mappings = remapping.proposals(clause.id) if edition == "2015" else []
        if mappings and remapping.accepts_in_bulk(mappings) and mappings[0].clause_2015 is not None:
            target = mappings[0].clause_2015
            new.append((target.sort_key, f"{target.number} (2008: {clause.number} — {w['undecided']})"))
        elif edition == "2015":
            old.append((clause.sort_key, f"{clause.number} ({w['not_remapped']})"))
        else:
            old.append((clause.sort_key, clause.number))
    lines = []
    if new:
        lines.append(f"TCVN ISO 9001:2015 — {', '.join(text for _key, text in sorted(new))}")
    if old:
        lines.append(f"TCVN ISO 9001:2008 — {', '.join(text for _key, text in sorted(old))}")
    return lines


def build(process: Process, lang: str = "vi", edition: str | None = None) -> DocumentType:
    """The procedure document; `edition="2015"` gives its clause references in 2015 numbering."""
    w = WORDS["en" if lang == "en" else "vi"]
    doc = iso_document(f"{process.code} — {process.title}")
    effective = fmt_date(process.effective_date, lang) if process.effective_date else w[process.status]
    iso_header(
        doc,
        body_name=process.unit.name,
        kind=w["doc"],
        title=process.title,
        facts=[
            (w["code"], process.code),
            (w["version"], f"{process.version:02d}"),
            (w["effective"], effective),
        ],
        page_label=w["page"],
    )
    if process.is_draft:
        paragraph(doc, w["draft_mark"], bold=True).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    approver = process.approved_by.full_name if process.approved_by is not None else ""
    table(
        doc,
        [w["drafter"], w["checker"], w["approver"]],
        [
            [f"{w['signature']}:\n\n\n", f"{w['signature']}:\n\n\n", f"{w['signature']}:\n\n\n"],
            [
                f"{w['name']}: {processes.prepared_by(process)}".rstrip(),
                f"{w['name']}:",
                f"{w['name']}: {approver}".rstrip(),
            ],
        ],
        widths_cm=[5.3, 5.3, 5.4],
    )
    paragraph(doc, "")
    paragraph(doc, w["revisions"], bold=True, center=True)
    table(doc, w["revision_cols"], _revision_rows(process, w, lang), widths_cm=[2.6, 3.2, 10.2])

    heading(doc, w["s1"], 1)
    paragraph(doc, process.purpose or w["none"])
    heading(doc, w["s2"], 1)
    paragraph(doc, process.scope or w["none"])
    heading(doc, w["s3"], 1)
    _lines_or_none(doc, processes.cited_references(process, clause_lines(process, edition, w)), w)
    heading(doc, w["s4"], 1)
    definitions = processes.definitions_of(process)
    _lines_or_none(doc, [f"{t}: {m}" if m else t for t, m in definitions], w)

    heading(doc, w["s5"], 1)
    steps = list(process.steps)
    by_id = {s.id: s for s in steps}
    rows = []
    for s in steps:
        content = s.text
        if s.is_decision:
            yes, no = by_id.get(s.yes_step_id), by_id.get(s.no_step_id)
            content += f"\n{w['yes_to'].format(n=yes.position if yes else '?')}; "
            content += w["no_to"].format(n=no.position if no else "?")
        rows.append([str(s.position), content, s.responsible, f"{_days(s.days, lang)} {w['days']}", s.output])
    total = processes.main_path_days(process)
    rows.append(["", w["total"], "", f"{_days(total, lang)} {w['days']}", ""])
    table(doc, w["steps"], rows, widths_cm=[1.3, 6.0, 3.8, 2.0, 2.9])
    if process.time_limit_days is not None:
        paragraph(doc, w["limit"].format(limit=_days(process.time_limit_days, lang)))
        verdict = "fits" if total <= process.time_limit_days else "exceeds"
        paragraph(doc, w[verdict].format(total=_days(total, lang)), bold=verdict == "exceeds")
    else:
        paragraph(doc, w["no_limit"].format(total=_days(total, lang)))
    if steps:
        heading(doc, w["map"], 2)
        layout = process_map.flowchart(process, words=w["map_words"])
        width_cm = min(16.0, layout.width / 45)
        # A tall map is scaled to fit under its heading on one A4 page (about 23 cm left).
        width_cm = min(width_cm, 23.0 * layout.width / layout.height)
        doc.add_picture(BytesIO(render_png(layout)), width=Cm(width_cm))

    heading(doc, w["s6"], 1)
    if process.forms:
        table(
            doc,
            w["forms"],
            [[str(i), f["code"], f["name"]] for i, f in enumerate(process.forms, 1)],
            widths_cm=[1.3, 3.5, 11.2],
        )
    else:
        paragraph(doc, w["none"])
    heading(doc, w["s7"], 1)
    if process.records:
        table(
            doc,
            w["records"],
            [
                [str(i), r["name"], r["keeper"], r["retention"], w["medium"].get(r["medium"], r["medium"])]
                for i, r in enumerate(process.records, 1)
            ],
            widths_cm=[1.3, 5.5, 4.0, 2.6, 2.6],
        )
    else:
        paragraph(doc, w["none"])
    return doc


def procedure_docx(process: Process, lang: str = "vi", edition: str | None = None) -> bytes:
    return to_bytes(build(process, lang, edition))
