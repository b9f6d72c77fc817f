"""PDF beside Word: the same .docx converted by LibreOffice headless (`soffice`), when it is installed.

A converter of our own would draw a different document from the one Word shows; LibreOffice renders the
.docx itself. Without it, `to_pdf` says how to install it and the .docx still works."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from flask_babel import gettext as _

from qms.services.errors import DomainError

TIMEOUT_SECONDS = 120


def converter() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return converter() is not None


def to_pdf(docx: bytes) -> bytes:
    program = converter()
    if program is None:
        raise DomainError(
            _(
                "PDF needs LibreOffice, which is not installed on the server "
                "(apt-get install libreoffice-writer); the Word document works without it."
            )
        )
    with tempfile.TemporaryDirectory(prefix="qms-pdf-") as folder:
        source = Path(folder) / "document.docx"
        source.write_bytes(docx)
        # A profile of its own: a LibreOffice already open for the same user would otherwise take the job.
        profile = Path(folder) / "profile"
        command = [
            program,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            folder,
            str(source),
        ]
        env = {**os.environ, "HOME": folder}
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT_SECONDS, env=env)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise DomainError(_("LibreOffice could not convert the document to PDF.")) from exc
        target = Path(folder) / "document.pdf"
        if not target.is_file():
            raise DomainError(_("LibreOffice could not convert the document to PDF."))
        return target.read_bytes()
