"""Reading a PDF page as a reader sees it: text in the order it stands on the page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import require


def read_page(path: Path, index: int) -> str:
    """The text of page ``index`` (0-based) line by line as laid out, by Poppler's pdftotext.

    pypdf gives text in the order it was drawn; the numbers drawn over a page (folios, "p. 84")
    come last there, though a reader sees them in place.
    """
    require(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    done = subprocess.run(["pdftotext", "-layout", "-f", str(index + 1), "-l", str(index + 1), str(path), "-"],
                          capture_output=True, text=True, check=True)
    return done.stdout
