"""Stamps from sprite sheets: every folio, Notes running head and page number drawn over the
book's pages is set once, as a line of a sheet, and moved onto the pages that show it.

Takes the book's stamps (``pdf.edition.html.Stamp``, one per page of the book); gives the sheets to lay
out (``plan_sprites``) and, from the content streams of the laid-out sheets, what each page of
the book gets drawn over it (``draw_sprites``).

Why sheets: WeasyPrint spends a few milliseconds on a page however little is on it, and a stamp
page per page of the book cost more than the join. A sheet sets all the stamps of one kind as
the lines of one block, at a fraction of that. Where a line lands is calibrated, not computed:
the first sheet opens with real stamp pages, one per kind of stamp and side of the spread, laid
out exactly like the stamps they stand for, and on every sheet each kind's block opens with the
same text. A line moves by the difference between the two, plus its own place on the page (a
locator's left and top). WeasyPrint draws each run of text as one BT…ET block placed by one text
matrix, so moving a line rewrites that matrix and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from publish.pdf.html import Locator, Stamp
from publish.pdf.weasyprint_streams import Run, SpriteError, draws_anything, moved, page_prologue, read_runs

KINDS = ("folio", "head", "note", "contents", "slug")
"""What a line of a sheet can be: a folio, a Notes running head, a note's "p. N", a contents page,
a printer's slug line (outside the trim: book, page and date)."""
CALIBRATION = {"folio": "1", "head": "Notes", "note": "p. 1", "contents": "1", "slug": "1"}
"""The text each kind's calibration stamp and the first line of its block share."""
TEXT_RESOURCES = ("/Font", "/ExtGState")


@dataclass(frozen=True)
class Cell:
    """One line of a sheet."""

    kind: str
    text: str


@dataclass(frozen=True)
class Placement:
    """A cell drawn on a page of the book."""

    page: int
    """Index of the page in the joined PDF: even ones are rectos."""
    cell: Cell
    left: float = 0.0
    top: float = 0.0
    """A locator's place, in CSS px from the corner of the text block; 0 for folios and heads."""
    owner: str = ""
    """A locator's ``owner``: the element of the book's structure its text belongs to."""


@dataclass(frozen=True)
class SpritePlan:
    sheets: tuple[tuple[Cell, ...], ...]
    """Each sheet's cells, kind by kind, in the order their lines are set."""
    placements: tuple[Placement, ...]
    pads: tuple[int, ...]
    """Pages the join adds to end a part on a left-hand page: they get the pad stamp (crop marks)."""


@dataclass(frozen=True)
class PageContent:
    """What a sheet gives one page of the book."""

    data: bytes
    sources: tuple[tuple[int, int], ...]
    """(sheet, page of the sheet) whose resources ``data`` names."""
    categories: tuple[str, ...] | None = TEXT_RESOURCES
    """The kinds of resources it names; None for any (the pad stamp's crop marks are a form)."""


def plan_sprites(stamps: Sequence[Stamp], lines_per_sheet: int) -> SpritePlan:
    """The sheets for ``stamps`` (one per page of the book, in order), a cell per distinct text of
    each kind, ``lines_per_sheet`` cells a sheet: the same sheets whatever the number of processes."""
    placements: list[Placement] = []
    pads: list[int] = []
    for page, stamp in enumerate(stamps):
        if stamp.pad:
            pads.append(page)
        # In a stamp page's order (its text, then the margin boxes): extractors that read text in
        # drawing order give each page's folio last, as they do a front-matter page's.
        placements += [Placement(page, _cell(locator.kind, locator.text), locator.left, locator.top, locator.owner)
                       for locator in stamp.locators if locator.text.strip()]
        if stamp.head.strip():
            placements.append(Placement(page, _cell("head", stamp.head)))
        if stamp.folio.strip():
            placements.append(Placement(page, _cell("folio", stamp.folio)))
    cells = sorted(dict.fromkeys(p.cell for p in placements), key=lambda cell: KINDS.index(cell.kind))
    sheets = tuple(tuple(cells[start : start + lines_per_sheet]) for start in range(0, len(cells), lines_per_sheet))
    return SpritePlan(sheets=sheets or ((),), placements=tuple(placements), pads=tuple(pads))


def _cell(kind: str, text: str) -> Cell:
    if kind not in KINDS:
        raise ValueError(f"no sprite for stamps of kind {kind!r}")
    return Cell(kind, " ".join(text.split()))


def calibration_stamps() -> list[Stamp]:
    """The real stamp pages the first sheet opens with: for each kind a recto and a verso, then a
    pad page (whose crop marks every padding page gets)."""
    stamps = []
    for kind in KINDS:
        text = CALIBRATION[kind]
        stamp = (Stamp(folio=text, head="") if kind == "folio" else Stamp(folio="", head=text) if kind == "head"
                 else Stamp(folio="", head="", locators=(Locator(0.0, 0.0, text, kind),)))
        stamps += [stamp, stamp]
    return [*stamps, Stamp(folio="", head="", pad=True)]


def sheet_blocks(cells: Sequence[Cell]) -> list[tuple[str, list[str]]]:
    """Each kind present in ``cells`` with its lines: the calibration text, then the cells'."""
    return [(kind, [CALIBRATION[kind], *(cell.text for cell in cells if cell.kind == kind)])
            for kind in KINDS if any(cell.kind == kind for cell in cells)]


def draw_sprites(plan: SpritePlan, sheets: Sequence[Sequence[bytes]],
                 marking: Callable[[Placement], tuple[bytes, bytes]] | None = None) -> dict[int, PageContent]:
    """The content drawn over each page of the book, from the content streams of each sheet's pages
    (the first sheet's opening with its ``calibration_stamps`` pages); ``marking`` gives what opens and
    closes each placement's marked-content sequence (an artifact, or text of the structure tree)."""
    first = sheets[0]
    calibration_pages = len(calibration_stamps())
    if len(first) < calibration_pages:
        raise SpriteError("the first sheet lacks its calibration pages")
    prologue, depth = page_prologue(first[0])
    real: dict[tuple[str, int], Run] = {}
    for index, kind in enumerate(KINDS):
        for side in (0, 1):
            marks = read_runs(first[2 * index + side])
            if not marks:
                raise SpriteError(f"the calibration page of {kind} stamps is empty")
            real[kind, side] = marks[0]
    lines: dict[Cell, tuple[int, int, tuple[Run, ...], Run]] = {}
    for number, cells in enumerate(plan.sheets):
        skipped = calibration_pages if number == 0 else 0
        lines |= _read_lines(number, cells, sheets[number][skipped:], skipped)
    drawn: dict[int, list[bytes]] = {}
    sources: dict[int, set[tuple[int, int]]] = {}
    for placement in plan.placements:
        sheet, page, runs, origin = lines[placement.cell]
        mark = real[placement.cell.kind, placement.page % 2]
        dx = mark.x - origin.x + placement.left
        baseline = runs[0].y
        piece = b"".join(moved(run, run.x + dx, run.y - baseline + mark.y + placement.top) for run in runs)
        if marking is not None:
            opening, closing = marking(placement)
            piece = opening + piece + closing
        drawn.setdefault(placement.page, []).append(piece)
        sources.setdefault(placement.page, set()).add((sheet, page))
    pad = first[calibration_pages - 1]
    contents = {page: PageContent(prologue + b"".join(moved) + b"Q\n" * depth, tuple(sorted(sources[page])))
                for page, moved in drawn.items()}
    if draws_anything(pad):
        for page in plan.pads:
            contents[page] = PageContent(pad, ((0, calibration_pages - 1),), None)
    return contents


def _read_lines(sheet: int, cells: Sequence[Cell], pages: Sequence[bytes],
                skipped: int) -> dict[Cell, tuple[int, int, tuple[Run, ...], Run]]:
    """Each cell of a sheet → (sheet, page, its runs, the first run of its kind's calibration line)."""
    lines: list[tuple[int, tuple[Run, ...]]] = []
    for number, content in enumerate(pages):
        by_baseline: dict[float, list[Run]] = {}
        for run in read_runs(content):
            by_baseline.setdefault(run.y, []).append(run)
        lines += [(skipped + number, tuple(by_baseline[y])) for y in sorted(by_baseline)]
    expected = [(kind, text) for kind, texts in sheet_blocks(cells) for text in texts]
    if len(lines) != len(expected):
        raise SpriteError(f"sheet {sheet + 1} has {len(lines)} lines of text where {len(expected)} were set")
    found: dict[Cell, tuple[int, int, tuple[Run, ...], Run]] = {}
    origin: dict[str, Run] = {}
    for (page, runs), (kind, text) in zip(lines, expected, strict=True):
        if kind not in origin:
            origin[kind] = runs[0]
        else:
            found.setdefault(Cell(kind, text), (sheet, page, runs, origin[kind]))
    return found


