"""The plain data the PDF stages pass between them: part jobs, their layouts, layout problems.

Takes nothing; defines frozen dataclasses that import no layout engine, so the stages that only
plan, cache and join parts (and a fully cached build) never pay for importing WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from publish.diagnostics import Diagnostic
from publish.pdf.adjustments import Fit
from publish.pdf.structure import PartStructure
from publish.printed import Line


@dataclass(frozen=True)
class SourceMap:
    """Where a part's content came from, to point each problem at a file and line."""

    path: str
    text: str = ""
    places: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    """Element id → (path, line), for notes and headings, whose lines the model knows."""

    def line_of(self, needle: str) -> int:
        """Line of the first occurrence of ``needle`` in the source, ignoring case; 0 if absent."""
        index = self.text.lower().find(needle.lower()) if needle else -1
        return self.text.count("\n", 0, index) + 1 if index >= 0 else 0

    def locate(self, element_id: str, text: str) -> tuple[str, int]:
        """The source place of some typeset text, found inside the element with ``element_id``."""
        if element_id in self.places:
            return self.places[element_id]
        return self.path, self._find_text(text)

    @cached_property
    def _letters(self) -> tuple[str, list[int]]:
        # Typography changed quotes, dashes and spaces; letters and digits are what survive.
        kept, lines, line = [], [], 1
        for ch in self.text:
            if ch == "\n":
                line += 1
            elif ch.isalnum():
                kept.append(ch.lower())
                lines.append(line)
        return "".join(kept), lines

    def _find_text(self, text: str) -> int:
        letters, lines = self._letters
        wanted = "".join(ch.lower() for ch in text if ch.isalnum())
        for start, length in ((0, 48), (0, 20), (len(wanted) // 2, 20)):
            needle = wanted[start : start + length]
            if len(needle) >= 8:
                index = letters.find(needle)
                if index >= 0:
                    return lines[index]
        return 0


@dataclass(frozen=True)
class LayoutProblem:
    page: int
    """0-based page within the part."""
    path: str
    line: int
    code: str
    message: str
    note: bool = False
    """What the fitting did rather than a defect: reported as a note, which ``--strict`` lets pass."""


PX_TO_PT = 0.75


@dataclass(frozen=True)
class PartJob:
    name: str
    """``front``, ``chNN``, ``notes`` or ``stamps``; also the part's place in messages."""
    html: str
    stylesheet: Path
    page_css: str
    base_url: str
    """The book folder as a ``file://`` URL ending in ``/``: relative image paths resolve from it."""
    roots: tuple[Path, ...]
    """The only folders the part may read files from (the book and the bundled styles)."""
    source: SourceMap
    inspect: bool = True
    """Run the layout report (not for stamps, which are margins only)."""
    bundled_fonts: frozenset[str] = frozenset()
    """Digests of the bundled font files: those are not sent back with the part."""
    fit: str = ""
    """How the part is fitted after its first layout (``pdf.fit``): ``chapter`` (lines and pages),
    ``lines`` (lines only: the Notes), or nothing."""
    given: Fit | None = None
    """Adjustments found by an earlier layout of the same text (``PartLayout.fit``): the part is
    laid out once with them, not fitted anew (a chapter opening on a left-hand page, the proof's
    twin of a chapter with its flags marked)."""
    tagged: bool = True
    """Lay it out with its logical structure (``PartLayout.structure``): every part of the book;
    not the sprite sheets and stamps, which are drawn over the pages as artifacts."""


@dataclass(frozen=True)
class LinkSpot:
    page: int
    rect: tuple[float, float, float, float]
    """x1, y1, x2, y2 in CSS px from the page's top-left corner."""
    target: str
    """An id for an internal link, a URL for an external one."""
    external: bool = False
    node: int = -1
    """The node of the part's structure (its ``Link``) that the link belongs to; -1 for none."""


@dataclass(frozen=True)
class PlacedImage:
    """A picture as laid out: where, how large, and whether it is full-page art (``{.bleed}``)."""

    page: int
    rect: tuple[float, float, float, float]
    """x1, y1, x2, y2 of its box in CSS px from the trim's top-left corner."""
    src: str
    """As the HTML has it: relative to the book folder."""
    art: bool = False
    """Background art, which alone may reach into the bleed."""


@dataclass(frozen=True)
class FontUse:
    """The glyphs one face drew in a part: widths (1/1000 em) and the text each glyph stands for."""

    widths: Mapping[int, int]
    to_unicode: Mapping[int, str]
    digest: str
    """SHA-256 of the font file."""
    data: bytes = b""
    """The font file, unless it is one of the bundled fonts (the join reads those from disk)."""


@dataclass(frozen=True)
class PartLayout:
    name: str
    pdf: bytes
    page_count: int
    page_size: tuple[float, float]
    """Trim width and height in CSS px."""
    blank: tuple[bool, ...]
    """Per page: a page WeasyPrint left blank to open a section on the right."""
    anchors: Mapping[str, tuple[int, float, float]]
    """Id → (page, x, y), the top-left of the element, in CSS px."""
    links: tuple[LinkSpot, ...]
    """Links, for the join to point across parts (WeasyPrint's own are dropped)."""
    ids: tuple[frozenset[str], ...]
    """Per page: the ids of the elements that have some box on it (a split note counts twice)."""
    fonts: Mapping[str, FontUse] = field(default_factory=dict)
    """By PDF resource name (WeasyPrint's hash of the face)."""
    problems: tuple[LayoutProblem, ...] = ()
    """The layout report, by page within the part."""
    images: tuple[PlacedImage, ...] = ()
    """Every picture drawn, for the printer's preflight and the bleed."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Files the part may not read, and the engine's own warnings."""
    lines: tuple[Line, ...] = ()
    """Every line of the author's text the part sets, with its page (``pdf.weasyprint_text``): what
    the EPUB places the printed pages by, and is compared with."""
    fit: Fit = field(default_factory=Fit)
    """The adjustments the part was laid out with (``pdf.fit``)."""
    structure: PartStructure | None = None
    """The part's logical structure, for the book's structure tree; None for an untagged part."""

