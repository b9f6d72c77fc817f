"""The official layout of an administrative document (Decree 30/2020/NĐ-CP, Appendix I).

Every official document (report, plan, notice, decision) is built here: the exporter writes its body
between `begin()` and `finish()` and never writes a header of its own.

- A4 portrait; margins top and bottom 20 mm, left 30 mm, right 20 mm;
- Times New Roman in every style, black, no theme font (Word and LibreOffice then show the same font);
- the header table: superior body (capitals) above the issuing body (bold capitals) with a short rule
  and the number and symbol beneath, on the left; the national title and motto with a rule and the
  place and date in italics on the right;
- the document type (bold capitals) and its subject (bold), centred;
- body text 14 pt, justified, with a first-line indent;
- at the end, `Nơi nhận:` (bold italic 12 pt) with its list (11 pt) on the left, the signature blocks on
  the right;
- page numbers at the top centre from page 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT, WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from flask_babel import gettext as _

from qms.exports.document import from_template, run_content_xml, set_widths, styled_paragraph

FONT = "Times New Roman"
BODY_PT = 14
TEXT_WIDTH_CM = 16.0  # 21 cm less 3 cm left and 2 cm right
LEFT_HEADER_CM = 6.8
RIGHT_HEADER_CM = TEXT_WIDTH_CM - LEFT_HEADER_CM
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
# What follows an element in its parent, by the schema: Word refuses properties out of order.
_AFTER_TBL_CELL_MAR = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
_AFTER_TBL_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", *_AFTER_TBL_CELL_MAR)
_AFTER_P_BDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
    "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


@dataclass(frozen=True)
class Issuer:
    """Who issues the document: `superior` above `body` at the top left; `place` in the date line."""

    superior: str
    body: str
    place: str


@dataclass(frozen=True)
class Signature:
    """A signature block: authority (`TM. BAN CHỈ ĐẠO ISO`, `KT. CHỦ TỊCH`, or empty), title, full name."""

    title: str
    name: str
    authority: str = ""


@dataclass
class Heading:
    """What the top of the document says. `number` is `05/BC-BCĐ` once issued; a draft shows the
    symbol with the number left blank, and is marked as a draft."""

    kind: str
    subject: str
    symbol: str
    number: str | None = None
    issued_on: date | None = None
    year: int | None = None
    draft: bool = False
    extra_lines: list[str] = field(default_factory=list)
    subtitle: str = ""  # under the subject, in italics: e.g. the decision a programme was issued with
    numbered: bool = True  # False for a document issued with another's number (an attachment)


def place_and_date(place: str, on: date | None, lang: str, *, year: int | None = None) -> str:
    """`Nha Trang, ngày 05 tháng 02 năm 2019`: the decree writes days below 10 and the months January and
    February with a leading zero. A draft leaves day and month blank."""
    if lang == "vi":
        if on is None:
            return f"{place}, ngày     tháng     năm {year or ''}".rstrip()
        day = f"{on.day:02d}" if on.day < 10 else str(on.day)
        month = f"{on.month:02d}" if on.month < 3 else str(on.month)
        return f"{place}, ngày {day} tháng {month} năm {on.year}"
    if on is None:
        return f"{place}, ……… {year or ''}".rstrip()
    return f"{place}, {on.day} {on.strftime('%B')} {on.year}"


def _clean_styles(doc: DocumentType) -> None:
    """Every style and the document defaults name Times New Roman and no theme font; nothing is coloured."""
    styles = doc.styles.element
    for rfonts in styles.iter(qn("w:rFonts")):
        for attr in _THEME_ATTRS:
            rfonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            rfonts.set(qn(attr), FONT)
    for color in list(styles.iter(qn("w:color"))):
        color.getparent().remove(color)
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None and rpr.find(qn("w:rFonts")) is None:
            rfonts = OxmlElement("w:rFonts")
            for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
                rfonts.set(qn(attr), FONT)
            rpr.insert(0, rfonts)
    for style in doc.styles:
        if style.type != 1:  # paragraph styles only
            continue
        font = style.font
        font.name = FONT
        if style.name == "Title":
            font.size, font.bold = Pt(BODY_PT), True
        elif style.name.startswith("Heading"):
            font.size, font.bold, font.italic = Pt(BODY_PT), True, style.name.endswith("3")
            style.paragraph_format.space_before = Pt(6)
            style.paragraph_format.space_after = Pt(3)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(13)
    body = doc.styles["Body Text"]
    body.font.size = Pt(BODY_PT)
    body.paragraph_format.first_line_indent = Cm(1.0)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.paragraph_format.space_after = Pt(6)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """python-docx has no API for fields: PAGE is written as a field code."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("end", None)):
        if kind is None:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)


def _page_numbers_from_page_two(doc: DocumentType) -> None:
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(header, "PAGE")
    section.footer.is_linked_to_previous = False


def _no_borders(table) -> None:  # type: ignore[no-untyped-def]
    """No lines, and narrow cell margins so the header's long lines (the national title) fit."""
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), "28")  # twips: 0.05 cm
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    # Word reads the table properties in the schema's order only.
    table._tbl.tblPr.insert_element_before(borders, *_AFTER_TBL_BORDERS)
    table._tbl.tblPr.insert_element_before(margins, *_AFTER_TBL_CELL_MAR)


def _rule_under(paragraph: Paragraph, width_cm: float, column_cm: float) -> None:
    """A short centred rule: the bottom border of an indented, empty paragraph."""
    indent = max((column_cm - width_cm) / 2, 0)
    paragraph.paragraph_format.left_indent = Cm(indent)
    paragraph.paragraph_format.right_indent = Cm(indent)
    paragraph.paragraph_format.space_after = Pt(4)
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.insert_element_before(border, *_AFTER_P_BDR)
    run = paragraph.runs[0] if paragraph.runs else paragraph.add_run("")
    run.font.size = Pt(2)


def _line(
    cell: _Cell | DocumentType,
    text: str,
    *,
    size: float = 13,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    first: bool = False,
) -> Paragraph:
    paragraph = cell.paragraphs[0] if first and cell.paragraphs else cell.add_paragraph()
    p = paragraph._p
    if len(p) == 0:  # an empty paragraph: written in one go, as python-docx writes the steps below
        b = "<w:b/>" if bold else '<w:b w:val="0"/>'
        i = "<w:i/>" if italic else '<w:i w:val="0"/>'
        p.extend(
            parse_xml(
                f'<w:p {nsdecls("w")}><w:pPr><w:spacing w:after="0"/><w:ind w:firstLine="0"/>'
                f'<w:jc w:val="{WD_ALIGN_PARAGRAPH.to_xml(align)}"/></w:pPr><w:r><w:rPr>{b}{i}'
                f'<w:sz w:val="{int(Pt(size).pt * 2)}"/></w:rPr>{run_content_xml(text)}</w:r></w:p>'
            )
        )
        return paragraph
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.first_line_indent = Cm(0)
    run = paragraph.add_run(text)
    run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return paragraph


def _fixed_widths(table, widths_cm: Sequence[float]) -> None:  # type: ignore[no-untyped-def]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_widths(table, widths_cm)


def _prepare_official(doc: DocumentType) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.header_distance = Cm(1)
    _clean_styles(doc)
    _page_numbers_from_page_two(doc)


def begin(issuer: Issuer, heading: Heading, lang: str) -> DocumentType:
    """A new document with the official header, the document type and its subject."""
    doc = from_template("official", _prepare_official)
    doc.core_properties.title = f"{heading.kind} {heading.subject}".strip()

    if heading.draft:
        _line(doc, _("DRAFT"), size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT, first=True)
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _fixed_widths(table, [LEFT_HEADER_CM, RIGHT_HEADER_CM])
    left, right = table.rows[0].cells
    if issuer.superior:
        _line(left, issuer.superior.upper(), size=12, first=True)
    _line(left, issuer.body.upper(), size=12, bold=True, first=not issuer.superior)
    _rule_under(left.add_paragraph(), 2.2, LEFT_HEADER_CM)
    if heading.numbered:
        number = heading.number or f"{'':6}/{heading.symbol}"
        _line(left, _("No.: %(number)s", number=number), size=13)
    for extra in heading.extra_lines:
        _line(left, extra, size=12)
    _line(right, _("SOCIALIST REPUBLIC OF VIET NAM"), size=12, bold=True, first=True)
    _line(right, _("Independence - Freedom - Happiness"), size=13.5, bold=True)
    _rule_under(right.add_paragraph(), 5.6, RIGHT_HEADER_CM)
    year = heading.year or (heading.issued_on.year if heading.issued_on else None)
    when = None if heading.draft else heading.issued_on
    _line(right, place_and_date(issuer.place, when, lang, year=year), size=13.5, italic=True)

    spacer = doc.add_paragraph()
    spacer.paragraph_format.space_after = Pt(6)
    _line(doc, heading.kind.upper(), size=BODY_PT, bold=True)
    subject = _line(doc, heading.subject, size=BODY_PT, bold=True)
    if heading.subtitle:
        subject = _line(doc, heading.subtitle, size=BODY_PT - 1, italic=True)
    subject.paragraph_format.space_after = Pt(12)
    return doc


def body(doc: DocumentType, text: str, *, bold: bool = False, italic: bool = False) -> Paragraph:
    """A paragraph of body text: 14 pt, justified, first-line indent."""
    paragraph = styled_paragraph(doc, "Body Text")
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    return paragraph


def section_heading(doc: DocumentType, text: str, level: int = 1) -> Paragraph:
    return styled_paragraph(doc, "Title" if level == 0 else f"Heading {level}", text)


def finish(doc: DocumentType, recipients: Sequence[str], signatures: Sequence[Signature]) -> DocumentType:
    """`Nơi nhận` on the left and the signature block on the right; two signatories side by side put
    the recipients below them."""
    doc.add_paragraph().paragraph_format.space_after = Pt(6)
    if len(signatures) > 1:
        _signatures_side_by_side(doc, signatures)
        if recipients:
            _recipients(doc, recipients)
        return doc
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _fixed_widths(table, [7.5, TEXT_WIDTH_CM - 7.5])
    left, right = table.rows[0].cells
    _recipients(left, recipients, first=True)
    if signatures:
        _signature(right, signatures[0], first=True)
    return doc


def _recipients(cell: _Cell | DocumentType, recipients: Sequence[str], *, first: bool = False) -> None:
    if not recipients:
        return
    _line(cell, _("Recipients:"), size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, first=first)
    for i, recipient in enumerate(recipients):
        end = "." if i == len(recipients) - 1 else ";"
        _line(cell, f"- {recipient.rstrip(';.')}{end}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)


def _signature(cell: _Cell, signature: Signature, *, first: bool = False) -> None:
    if signature.authority:
        _line(cell, signature.authority.upper(), size=BODY_PT, bold=True, first=first)
        first = False
    _line(cell, signature.title.upper(), size=BODY_PT, bold=True, first=first)
    for _blank in range(4):
        _line(cell, "", size=BODY_PT)
    _line(cell, signature.name, size=BODY_PT, bold=True)


def _signatures_side_by_side(doc: DocumentType, signatures: Sequence[Signature]) -> None:
    table = doc.add_table(rows=1, cols=len(signatures))
    _no_borders(table)
    width = TEXT_WIDTH_CM / len(signatures)
    _fixed_widths(table, [width] * len(signatures))
    for cell, signature in zip(table.rows[0].cells, signatures, strict=True):
        _signature(cell, signature, first=True)


# --- ISO forms and procedures -------------------------------------------------------------------
# A procedure or a form keeps the layout of the quality system's documents: on every page a header
# table with the body, the document's title, and its code, issue number, date and page.


def iso_document(title: str, *, landscape: bool = False) -> DocumentType:
    """A new A4 document with the same clean styles as official documents; `iso_header` adds the
    header table that repeats on every page."""
    doc = from_template(f"iso-{landscape}", lambda blank: _prepare_iso(blank, landscape))
    doc.core_properties.title = title
    return doc


def _prepare_iso(doc: DocumentType, landscape: bool) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.header_distance = Cm(0.8)
    _clean_styles(doc)


def _bordered(table) -> None:  # type: ignore[no-untyped-def]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0"), ("w:color", "000000")):
            element.set(qn(key), value)
        borders.append(element)
    table._tbl.tblPr.insert_element_before(borders, *_AFTER_TBL_BORDERS)


def iso_header(
    doc: DocumentType,
    *,
    body_name: str,
    kind: str,
    title: str,
    facts: Sequence[tuple[str, str]],
    page_label: str | None = None,
) -> None:
    """The header table on every page: the issuing body; the kind and title; code, issue, date and
    `Trang x/y` (page fields)."""
    section = doc.sections[0]
    width = (section.page_width - section.left_margin - section.right_margin) / 360000
    header = section.header
    table = header.add_table(rows=1, cols=3, width=Cm(width))
    _bordered(table)
    left_cm, right_cm = 4.2, 5.0
    _fixed_widths(table, [left_cm, width - left_cm - right_cm, right_cm])
    left, middle, right = table.rows[0].cells
    _line(left, body_name.upper(), size=11, bold=True, first=True)
    _line(middle, kind.upper(), size=13, bold=True, first=True)
    _line(middle, title, size=12, bold=True)
    first = True
    for label, value in facts:
        _line(right, f"{label}: {value}", size=10, align=WD_ALIGN_PARAGRAPH.LEFT, first=first)
        first = False
    page = _line(right, (page_label or _("Page")) + ": ", size=10, align=WD_ALIGN_PARAGRAPH.LEFT, first=first)
    _field(page, "PAGE")
    page.add_run("/")
    _field(page, "NUMPAGES")
    for run in page.runs:
        run.font.size = Pt(10)
    if header.paragraphs and not header.paragraphs[0].text:
        header.paragraphs[0].paragraph_format.space_after = Pt(0)
