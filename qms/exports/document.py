"""Word building blocks: A4 pages with page numbers, real headings, tables with repeated header rows.

Every exported .docx is built from these so that all documents look alike.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table

FONT = "Times New Roman"  # the usual font of Vietnamese administrative documents


def new_document(title: str, *, landscape: bool = False) -> DocumentType:
    """An A4 document with 2 cm margins (3 cm left), Times New Roman 13 pt and 'page x / y' in the footer."""
    doc = Document()
    doc.core_properties.title = title
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        style.font.name = FONT
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = OxmlElement("w:rFonts")
            rpr.append(rfonts)
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            rfonts.set(qn(attr), FONT)
    _page_number_footer(section.footer.paragraphs[0])
    return doc


def _field(paragraph, instruction: str) -> None:  # type: ignore[no-untyped-def]
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(instr)
    run._r.append(end)


def _page_number_footer(paragraph) -> None:  # type: ignore[no-untyped-def]
    """python-docx has no API for fields: PAGE and NUMPAGES are written as field codes."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(paragraph, "PAGE")
    paragraph.add_run(" / ")
    _field(paragraph, "NUMPAGES")


def heading(doc: DocumentType, text: str, level: int = 1) -> None:
    doc.add_heading(text, level=level)


def paragraph(
    doc: DocumentType, text: str, *, bold: bool = False, italic: bool = False, center: bool = False
):  # type: ignore[no-untyped-def]
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold, run.italic = bold, italic
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


# What follows an element in a row's properties, by the schema (Word refuses them out of order).
_AFTER_TBL_HEADER = ("w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange")
_AFTER_CANT_SPLIT = ("w:trHeight", "w:tblHeader", *_AFTER_TBL_HEADER)


def _repeat_header(row) -> None:  # type: ignore[no-untyped-def]
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().insert_element_before(flag, *_AFTER_TBL_HEADER)


def _keep_row_whole(row) -> None:  # type: ignore[no-untyped-def]
    """A row never splits across two pages."""
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().insert_element_before(flag, *_AFTER_CANT_SPLIT)


def _shade(cell, fill: str = "E7E6E6") -> None:  # type: ignore[no-untyped-def]
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shading.set(qn(key), value)
    after = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
    cell._tc.get_or_add_tcPr().insert_element_before(shading, *after)


def fit_widths(header: Sequence[str], rows: Sequence[Sequence[object]], total_cm: float) -> list[float]:
    """Column widths from the content: a column gets room in proportion to its longest words and its
    typical text (a statement column wide, a number column narrow), never less than 1.2 cm."""
    columns = list(zip(header, *rows, strict=True)) if rows else [(h,) for h in header]
    weights = []
    for values in columns:
        texts = ["" if v is None else str(v) for v in values]
        longest_word = max((len(w) for t in texts for w in t.split()), default=1)
        typical = sorted(len(t) for t in texts)[len(texts) // 2]
        weights.append(max(longest_word + 2, min(typical, 60), 4))
    scale = total_cm / sum(weights)
    widths = [max(w * scale, 1.2) for w in weights]
    excess = sum(widths) - total_cm
    widest = widths.index(max(widths))
    widths[widest] -= excess
    return widths


def set_widths(t: Table, widths_cm: Sequence[float]) -> None:
    """Fixed column widths, written both to the grid (LibreOffice reads it) and to each cell (Word)."""
    t.autofit = False
    grid = t._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_cm, strict=False):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in t.rows:
        for cell, width in zip(row.cells, widths_cm, strict=False):
            cell.width = Cm(width)


def table(
    doc: DocumentType,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    widths_cm: Sequence[float] | None = None,
    font_size: int = 11,
    total_cm: float | None = None,
) -> Table:
    """A bordered table whose first row is a bold, lightly shaded header repeated on every page; rows
    never split across pages; column widths given, or fitted to the content."""
    rows = [tuple(r) for r in rows]
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
        run.font.size = Pt(font_size)
        _shade(cell)
    _repeat_header(t.rows[0])
    _keep_row_whole(t.rows[0])
    for values in rows:
        row = t.add_row()
        _keep_row_whole(row)
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run("" if value is None else str(value))
            run.font.size = Pt(font_size)
    if total_cm is None:
        section = doc.sections[-1]
        total_cm = (section.page_width - section.left_margin - section.right_margin) / 360000
    set_widths(t, widths_cm or fit_widths(header, rows, total_cm))
    return t


def key_values(doc: DocumentType, pairs: Iterable[tuple[str, object]], *, font_size: int = 12) -> Table:
    """A two-column table of labels and values (identification blocks)."""
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for label, value in pairs:
        cells = t.add_row().cells
        cells[0].text = ""
        run = cells[0].paragraphs[0].add_run(str(label))
        run.bold = True
        run.font.size = Pt(font_size)
        cells[1].text = ""
        cells[1].paragraphs[0].add_run("" if value is None else str(value)).font.size = Pt(font_size)
    set_widths(t, [5.5, 10.5])
    return t


def to_bytes(doc: DocumentType) -> bytes:
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def write_atomic(data: bytes, path: str | Path) -> Path:
    """Write to a temporary file beside the target and rename it: a failed export never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save(doc: DocumentType, path: str | Path) -> Path:
    return write_atomic(to_bytes(doc), path)
