"""The proof as a web page: one chapter with the book's typography, notes and editorial flags.

Takes the book, the flagged chapter, its flags and the proof stamp; writes a single HTML page
(fonts copied beside it) and returns its path. With ``live_reload`` the page polls the proof
server and reloads itself after each new proof.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from publish.assemble import styles_dir, template_environment
from publish.diagnostics import Diagnostic
from publish.model import Book, Chapter
from publish.output import write_atomic
from publish.proof import Stamp


def write_proof_html(
    book: Book, chapter: Chapter, flags: list[Diagnostic], stamp: Stamp, target: Path, *, live_reload: bool,
) -> Path:
    styles = styles_dir()
    page = template_environment().get_template("proof/chapter.html").render(
        language=book.config.language,
        chapter=chapter,
        flags=flags,
        stamp=stamp,
        css=(styles / "proof.css").read_text(encoding="utf-8"),
        live_reload=live_reload,
    )
    fonts = target.parent / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for font in sorted((styles / "fonts").glob("*.ttf")):
        copy = fonts / font.name
        if not copy.exists() or copy.stat().st_size != font.stat().st_size:
            shutil.copyfile(font, copy)
    write_atomic(target, page.encode("utf-8"))
    return target
