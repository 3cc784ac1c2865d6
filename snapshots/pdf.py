"""The HTML report as a PDF, rendered by WeasyPrint from the same HTML (its print style sheet lays out the
pages). WeasyPrint needs the Pango text library of the operating system; where it is missing, `to_pdf`
raises PdfUnavailable saying what to install, and every other export still works."""

from __future__ import annotations

import ctypes.util
import importlib.util

from core.errors import RollgateError

INSTALL = ("PDF needs the Pango text library: on Debian or Ubuntu, apt-get install libpango-1.0-0 "
           "libpangoft2-1.0-0; on macOS, brew install pango. The HTML report prints to PDF from a browser too.")


class PdfUnavailable(RollgateError):
    """WeasyPrint or the system libraries it needs are not installed here."""


def unavailable() -> str | None:
    """Why a PDF cannot be made here (what to install), or None when it can. Cheap: it looks for the package
    and the libraries without loading them, so a page can say so before anyone asks for a PDF."""
    if importlib.util.find_spec("weasyprint") is None:
        return "PDF needs the weasyprint package (make run installs it with the rest). " + INSTALL
    if ctypes.util.find_library("pango-1.0") is None or ctypes.util.find_library("pangoft2-1.0") is None:
        return INSTALL
    return None


def to_pdf(report_html: str) -> bytes:
    """The report as PDF bytes (A4). PdfUnavailable when it cannot be rendered on this machine."""
    try:
        # Imported here: loading WeasyPrint and Pango takes a second, and only a PDF download needs them.
        import weasyprint
    except (ImportError, OSError) as e:
        raise PdfUnavailable(INSTALL) from e
    pdf = weasyprint.HTML(string=report_html).write_pdf()
    assert pdf is not None  # write_pdf without a target returns the bytes
    return bytes(pdf)
