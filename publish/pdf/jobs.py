"""The PDF's part jobs: what WeasyPrint lays out, one document per part, as plain data.

Takes the ``Book`` (and the inside margin a ``gutter = "auto"`` sized); returns the ``Settings``
every part shares (stylesheet, page CSS and the type scale, the folders the fetcher may read, the
bundled fonts) and a ``PartJob`` for each part:
the front matter, a chapter, the Notes, a sprite sheet. A job names where its content came from
(``SourceMap``), so that a layout problem points at a file and line. ``edition`` and the proof
make their jobs here; ``page_counts`` keys a chapter's page count by the settings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from publish.diagnostics import display_path
from publish.model import Book, Chapter
from publish.paths import styles_dir
from publish.pdf.adjustments import Fit
from publish.pdf.engine import STYLESHEET
from publish.pdf.html import (
    ContentsEntry,
    TypeScale,
    book_scale,
    chapter_html,
    choose_scale,
    front_html,
    notes_html,
    page_css,
    sheet_html,
)
from publish.pdf.parts import PartJob, SourceMap
from publish.pdf.sprites import Cell, calibration_stamps, sheet_blocks


@dataclass(frozen=True)
class Settings:
    """What every part's job shares."""

    stylesheet: Path
    page_css: str
    base_url: str
    roots: tuple[Path, ...]
    font_files: dict[str, bytes]
    """Bundled font files by SHA-256."""
    scale: TypeScale
    """Type size and margins: where the text block lies on every page."""


def print_settings(book: Book, inside_in: float | None = None) -> Settings:
    """What every part shares; the pages are the same in every edition (bleed and marks are the
    join's), except for an inside margin ``inside_in`` sized for a printer."""
    styles = styles_dir()
    font_files = {}
    for path in sorted((styles / "fonts").glob("*.ttf")):
        data = path.read_bytes()
        font_files[hashlib.sha256(data).hexdigest()] = data
    scale = book_scale(book.config) if inside_in is None else choose_scale(book.config.trim, inside_in)
    return Settings(
        stylesheet=styles / STYLESHEET, page_css=page_css(book.config, scale), scale=scale,
        base_url=book.root.resolve().as_uri() + "/", roots=(book.root.resolve(), styles.resolve()),
        font_files=font_files,
    )


def part_job(name: str, html: str, settings: Settings, source: SourceMap, *, inspect: bool = True,
             fit: str = "", tagged: bool = True) -> PartJob:
    return PartJob(
        name=name, html=html, stylesheet=settings.stylesheet, page_css=settings.page_css,
        base_url=settings.base_url, roots=settings.roots, source=source, inspect=inspect,
        bundled_fonts=frozenset(settings.font_files), fit=fit, tagged=tagged,
    )


def chapter_job(book: Book, chapter: Chapter, settings: Settings, *, verso: bool = False,
                given: Fit | None = None) -> PartJob:
    """A chapter's job; ``verso``: laid out opening on a left-hand page (``openers = "any"``),
    which mirrors the margins and swaps the running heads but moves no line (both text blocks
    have the same width); ``given``: with the adjustments a layout of the same chapter found
    (``PartLayout.fit``), once, instead of fitting it anew."""
    shown = display_path(chapter.path)
    places = {heading.id: (shown, heading.line) for heading in chapter.headings}
    places |= {note.id: (shown, note.line) for note in chapter.notes}
    title_line = next((n for n, line in enumerate(chapter.source.split("\n"), 1) if line.startswith("#")), 1)
    places[f"{chapter.id}-title"] = (shown, title_line)
    job = replace(part_job(chapter.id, chapter_html(book, chapter), settings, SourceMap(shown, chapter.source, places),
                           fit="chapter"), given=given)
    return replace(job, page_css=job.page_css + VERSO_OPENING) if verso else job


VERSO_OPENING = "html { break-before: left; }\n"
"""CSS Paged Media: a forced left break on the root makes the document's first page a left one."""


def sheet_job(book: Book, number: int, cells: Sequence[Cell], settings: Settings) -> PartJob:
    """A sprite sheet; the first opens with the stamp pages the others are calibrated by."""
    html = sheet_html(book, calibration_stamps() if number == 0 else [], sheet_blocks(cells))
    return part_job(f"stamps-{number + 1}", html, settings, SourceMap(display_path(book.root)), inspect=False,
                    tagged=False)


def front_job(book: Book, entries: list[ContentsEntry], settings: Settings) -> PartJob:
    return part_job("front", front_html(book, entries), settings, SourceMap(display_path(book.root / "book.toml")))


def notes_job(book: Book, digits: int, settings: Settings) -> PartJob:
    places = {}
    for chapter in book.chapters:
        shown = display_path(chapter.path)
        places[f"notes-{chapter.id}"] = (shown, 1)
        places |= {note.id: (shown, note.line) for note in chapter.notes}
    source = SourceMap(display_path(book.root), "", places)
    return part_job("notes", notes_html(book, digits), settings, source, fit="lines")
