"""The proof as a web page: one chapter with the book's typography, notes and editorial flags.

Takes the book, the flagged chapter, its flags and the proof stamp; writes a single HTML page
that carries its fonts (browsers refuse web fonts to pages opened from file://) and returns its
path. With ``live_reload`` the page polls the proof
server and reloads itself after each new proof.
"""

from __future__ import annotations

import base64
from pathlib import Path

from publish.assemble import template_environment
from publish.diagnostics import Diagnostic
from publish.model import Book, Chapter
from publish.output import write_atomic
from publish.paths import styles_dir
from publish.proof.chapter import Provenance

FACES = (
    ("EBGaramond-Regular.ttf", 400, "normal"),
    ("EBGaramond-Italic.ttf", 400, "italic"),
    ("EBGaramond-Bold.ttf", 700, "normal"),
    ("EBGaramond-BoldItalic.ttf", 700, "italic"),
)


def write_proof_html(
    book: Book, chapter: Chapter, flags: list[Diagnostic], stamp: Provenance, target: Path, *, live_reload: bool,
) -> Path:
    styles = styles_dir()
    page = template_environment().get_template("proof/chapter.html").render(
        language=book.config.language,
        labels=book.config.labels,
        chapter=chapter,
        flags=flags,
        stamp=stamp,
        css=font_faces(styles / "fonts") + (styles / "proof.css").read_text(encoding="utf-8"),
        live_reload=live_reload,
    )
    write_atomic(target, page.encode("utf-8"))
    return target


def font_faces(fonts: Path) -> str:
    """``@font-face`` rules for the bundled family, each font inline as a data URL."""
    rules = []
    for name, weight, style in FACES:
        data = base64.b64encode((fonts / name).read_bytes()).decode("ascii")
        rules.append(f'@font-face {{ font-family: "EB Garamond"; font-weight: {weight}; font-style: {style}; '
                     f'src: url("data:font/ttf;base64,{data}") format("truetype"); }}')
    return "\n".join(rules) + "\n"
