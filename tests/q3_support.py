"""Sample files for the documents tests: real files of each kind, and a renamed executable."""

from __future__ import annotations

from io import BytesIO

import docx
import openpyxl
from PIL import Image

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes(size: tuple[int, int] = (4, 4), *, noise: bool = False) -> bytes:
    """A real PNG: one colour, or (noise) pixels of every byte value so a copy must keep each byte."""
    buffer = BytesIO()
    if noise:
        image = Image.frombytes("RGB", size, bytes(i % 256 for i in range(size[0] * size[1] * 3)))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    image.save(buffer, format="PNG")
    return buffer.getvalue()


PNG = png_bytes()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def docx_bytes(text: str = "Quy trình") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Biểu mẫu"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def stored_files(app) -> list:
    from pathlib import Path

    root = Path(app.instance_path) / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
