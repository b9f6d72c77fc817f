"""Word building blocks: A4 pages with page numbers, real headings, tables with repeated header rows.

Every exported .docx is built from these so that all documents look alike.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.package import OpcPackage as Package
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"  # the usual font of Vietnamese administrative documents


def new_document(title: str, *, landscape: bool = False) -> DocumentType:
    """An A4 document with 2 cm margins (3 cm left), Times New Roman 13 pt and 'page x / y' in the footer."""
    doc = from_template(f"plain-{landscape}", lambda blank: _prepare_plain(blank, landscape))
    doc.core_properties.title = title
    return doc


def _prepare_plain(doc: DocumentType, landscape: bool) -> None:
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


_BLANKS: dict[str, Package] = {}
_BLANKS_LOCK = threading.Lock()


def from_template(kind: str, prepare: Callable[[DocumentType], None]) -> DocumentType:
    """A new document: python-docx's default template set up by `prepare` (pages, styles, page numbers).
    Each kind is set up once per process and then copied: opening the template and restyling its 160
    styles costs more than the content of most documents."""
    blank = _BLANKS.get(kind)
    if blank is None:
        with _BLANKS_LOCK:
            blank = _BLANKS.get(kind)
            if blank is None:
                doc = Document()
                prepare(doc)
                blank = _BLANKS[kind] = doc.part.package
    # Parts kept as plain bytes (theme, fonts, thumbnail…) are never changed: the copies share them.
    shared = {id(part): part for part in blank.iter_parts() if type(part) is Part}
    return copy.deepcopy(blank, shared).main_document_part.document


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
    styled_paragraph(doc, "Title" if level == 0 else f"Heading {level}", text)


def styled_paragraph(doc: DocumentType, style: str, text: str = "") -> Paragraph:
    """`doc.add_paragraph(text, style)` with the style's id looked up once, not in every paragraph."""
    paragraph = doc.add_paragraph(text)
    paragraph._p.style = _style_id(doc, style, WD_STYLE_TYPE.PARAGRAPH)
    return paragraph


def paragraph(
    doc: DocumentType, text: str, *, bold: bool = False, italic: bool = False, center: bool = False
):  # type: ignore[no-untyped-def]
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold, run.italic = bold, italic
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


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
    never split across pages; column widths given, or fitted to the content.

    The table's XML is written in one go and parsed once (what python-docx would build cell by cell:
    the grid's style, fixed widths on the grid and on every cell, each text in one run of its size)."""
    rows = [tuple(r) for r in rows]
    if total_cm is None:
        section = doc.sections[-1]
        total_cm = (section.page_width - section.left_margin - section.right_margin) / 360000
    widths = widths_cm or fit_widths(header, rows, total_cm)
    if len(widths) < len(header):  # python-docx kept its even split for columns given no width
        even = Emu(doc._block_width // len(header)).twips  # type: ignore[attr-defined]
        twips = [str(Cm(w).twips) for w in widths] + [str(even)] * (len(header) - len(widths))
    else:
        twips = [str(Cm(w).twips) for w in widths[: len(header)]]
    size = f'<w:sz w:val="{int(Pt(font_size).pt * 2)}"/>'
    parts = [
        f"<w:tbl {nsdecls('w')}><w:tblPr>",
        f'<w:tblStyle w:val="{_style_id(doc, "Table Grid", WD_STYLE_TYPE.TABLE)}"/>',
        '<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>',
        '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0"'
        ' w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in twips),
        '</w:tblGrid><w:tr><w:trPr><w:cantSplit w:val="true"/><w:tblHeader w:val="true"/></w:trPr>',
    ]
    for text, width in zip(header, twips, strict=True):
        parts.append(
            f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>'
            '<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/></w:tcPr>'
            f"<w:p><w:r/><w:r><w:rPr><w:b/>{size}</w:rPr>{run_content_xml(str(text))}</w:r></w:p></w:tc>"
        )
    parts.append("</w:tr>")
    cells = [
        f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/></w:tcPr><w:p><w:r/><w:r><w:rPr>{size}</w:rPr>'
        for w in twips
    ]
    for values in rows:
        parts.append('<w:tr><w:trPr><w:cantSplit w:val="true"/></w:trPr>')
        for cell, value in zip(cells, values, strict=True):
            parts.append(cell)
            parts.append(run_content_xml("" if value is None else str(value)))
            parts.append("</w:r></w:p></w:tc>")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    tbl = parse_xml("".join(parts))
    body = doc._body  # type: ignore[attr-defined]
    body._element._insert_tbl(tbl)
    return Table(tbl, body)


_BREAKS = re.compile(r"([\t\r\n])")


def run_content_xml(text: str) -> str:
    """A run's content as python-docx writes it: tabs and line breaks as elements, spaces at either end
    of a piece of text kept."""
    if not text:
        return ""
    if "\t" not in text and "\n" not in text and "\r" not in text:
        space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
        return f"<w:t{space}>{escape(text)}</w:t>"
    out = []
    for piece in _BREAKS.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            out.append(f"<w:t{space}>{escape(piece)}</w:t>")
    return "".join(out)


_STYLE_IDS: dict[tuple[str, WD_STYLE_TYPE], str | None] = {}


def _style_id(doc: DocumentType, name: str, kind: WD_STYLE_TYPE) -> str | None:
    """A style's id by its name (none for the default style, as python-docx writes it), looked up once:
    every document starts from the same template."""
    key = (name, kind)
    if key not in _STYLE_IDS:
        _STYLE_IDS[key] = doc.part.get_style_id(name, kind)
    return _STYLE_IDS[key]


def key_values(doc: DocumentType, pairs: Iterable[tuple[str, object]], *, font_size: int = 12) -> Table:
    """A two-column table of labels and values (identification blocks), written in one go like `table`."""
    twips = [str(Cm(w).twips) for w in (5.5, 10.5)]
    size = f'<w:sz w:val="{int(Pt(font_size).pt * 2)}"/>'
    parts = [
        f"<w:tbl {nsdecls('w')}><w:tblPr>",
        f'<w:tblStyle w:val="{_style_id(doc, "Table Grid", WD_STYLE_TYPE.TABLE)}"/>',
        '<w:tblW w:type="auto" w:w="0"/><w:tblLayout w:type="fixed"/>',
        '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0"'
        ' w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in twips),
        "</w:tblGrid>",
    ]
    for label, value in pairs:
        parts.append(
            f'<w:tr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{twips[0]}"/></w:tcPr>'
            f"<w:p><w:r/><w:r><w:rPr><w:b/>{size}</w:rPr>{run_content_xml(str(label))}</w:r></w:p></w:tc>"
            f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{twips[1]}"/></w:tcPr><w:p><w:r/><w:r><w:rPr>{size}'
            f"</w:rPr>{run_content_xml('' if value is None else str(value))}</w:r></w:p></w:tc></w:tr>"
        )
    parts.append("</w:tbl>")
    tbl = parse_xml("".join(parts))
    body = doc._body  # type: ignore[attr-defined]
    body._element._insert_tbl(tbl)
    return Table(tbl, body)


def to_bytes(doc: DocumentType) -> bytes:
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def write_atomic(data: bytes, path: str | Path) -> Path:
    """Write to a temporary file beside the target and rename it: a failed export never leaves half a file.
    The file gets the permissions any new file of the user gets (the umask), not the temporary file's
    private ones, so colleagues can open it in a shared folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0o077)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def save(doc: DocumentType, path: str | Path) -> Path:
    return write_atomic(to_bytes(doc), path)
