"""The PDF edition: lay out the book's parts apart, resolve page numbers as data, join them.

Takes a ``Book``, the output path and the variant (``digital``: trim size, clickable links) or a
``Printer`` (its print file: the same pages on the printer's sheet, PDF/X-4, no links); writes the
PDF atomically and returns the layout report (and the printer's preflight) as diagnostics. The
one design decision: each part (front matter, every chapter, the Notes) is its own WeasyPrint
document, so parts are laid out side by side in the engine's processes
(``pdf.edition.engine``). No page counter crosses from one document into another, so page numbers are
data: the chapters and the Notes are laid out first, side by side, the Notes with an empty box
for each "p. 23"; the chapters' page counts and the pages of the note references then give the
contents and every number drawn over the pages (folios, the Notes' running heads, "p. 23"), set
once each on sprite sheets (``pdf.edition.sprites``). The parts are joined with pypdf (``pdf.edition.join``).

Steps (logged as "Step N - ..." at INFO on the ``publish.pdf.edition`` logger): 1 the front matter, the
chapters and the Notes, side by side → 2 page numbers → 3 the sprite sheets, while the join adds
the parts' pages → 4 the layout report (a refused file stops here, before anything is written)
→ 5 join → 6 for a printer, the preflight of the file as joined → 7 rename into place. A ``gutter =
"auto"`` whose page count needs a wider inside margin than was estimated repeats steps 1 and 2.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path

from publish import __version__
from publish.cache import Cache
from publish.config import CONFIG_NAME, GUTTER_AUTO
from publish.diagnostics import Diagnostic, PublishError, Severity, display_path, error, warning
from publish.diagnostics import note as note_diagnostic
from publish.labels import ENGLISH, format_date
from publish.model import Book, Chapter, Heading
from publish.output import atomic_path
from publish.paths import styles_dir
from publish.pdf.cache import cached_subset
from publish.pdf.engine import Engine, LayoutRun, layout_run
from publish.pdf.html import (
    ContentsEntry,
    Locator,
    Stamp,
    TypeScale,
    book_scale,
    book_short_title,
    chapter_html,
    front_html,
    notes_html,
)
from publish.pdf.jobs import Settings, chapter_job, front_job, notes_job, print_settings, sheet_job
from publish.pdf.join import (
    Joined,
    JoinInput,
    Metadata,
    OutlineEntry,
    ReadPart,
    Sprites,
    begin_join,
    join_book,
    read_part,
)
from publish.pdf.pages import (
    PagePlan,
    body_starts,
    contents_locators,
    estimate_pages,
    locator_digits,
    note_locators,
    notes_heads,
    part_pads,
    part_pages,
    part_stamps,
    plan_pages,
    reference_folios,
)
from publish.pdf.parts import PartJob, PartLayout
from publish.pdf.pdfx import find_profiles
from publish.pdf.preflight import Findings, placed_images, preflight
from publish.pdf.press import Press, slug_place
from publish.pdf.printed import printed_book
from publish.pdf.printers import BLEED_CHOICES, VARIANT_PRINT_PRESET, Printer, find_printer
from publish.pdf.sprites import plan_sprites
from publish.printed import PrintedBook

VARIANTS = ("digital", "print")
SHEET_LINES = 200
"""Stamps a sprite sheet sets: fixed, so the sheets are the same whatever the number of processes;
small enough that a long book's sheets are shared among the processes."""
# Progress, WeasyPrint-style: "Step N - ..." at INFO; silent unless a caller configures logging.
LOGGER = logging.getLogger("publish.pdf")



@dataclass(frozen=True)
class Numbers:
    """Page numbers known once the chapters are laid out."""

    openings: dict[str, int]
    """Chapter id → the folio it opens on."""
    notes_folio: int
    """The folio the Notes open on (after the last chapter)."""
    references: dict[str, str]
    """Note reference id → the folio it is printed on."""
    folios: list[Stamp]
    """A stamp for every page of the chapters, the padding pages included."""


@dataclass(frozen=True)
class Typeset:
    """The PDF edition made in memory."""

    data: bytes
    diagnostics: list[Diagnostic]
    """The layout report (warnings) and what the layout engine said."""
    settings: Settings
    chapter_pages: tuple[int, ...]
    """Each chapter's page count as laid out (for proofs: ``page_counts``)."""
    printed: PrintedBook
    """Each page's folio and the text set on it (for the EPUB's page list)."""


def write_pdf(book: Book, target: Path, *, variant: str, cache: Cache | None = None) -> list[Diagnostic]:
    """Typeset ``book`` in this process and write it (for tests and tools; the commands go
    through the recipe, ``build``)."""
    typeset = make_pdf(book, variant=variant, cache=cache)
    with atomic_path(target) as temporary:
        temporary.write_bytes(typeset.data)
    return typeset.diagnostics


def make_pdf(book: Book, *, variant: str = "digital", printer: Printer | None = None, bleed: str = "auto",
             cache: Cache | None = None, engine: Engine | None = None) -> Typeset:
    """Typeset ``book``, laying out in ``engine``'s processes (or this one without an engine).

    With a ``printer`` the edition is its print file (``variant`` print): each page placed on the
    printer's sheet with its boxes, bleed (``bleed`` ``auto``: only when a picture reaches the
    edge; ``none``) and marks, marked PDF/X-4, and checked by the printer's preflight."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown PDF variant {variant!r}")
    if bleed not in BLEED_CHOICES:
        raise ValueError(f"unknown bleed {bleed!r}")
    if variant == "print" and printer is None:
        printer = find_printer(VARIANT_PRINT_PRESET)
    variant = "print" if printer is not None else variant
    run = layout_run(engine, cache, styles_dir())
    sources = [chapter.source for chapter in book.chapters]
    digits = locator_digits(sources, book.config.trim)
    auto = book.config.gutter == GUTTER_AUTO and printer is not None
    inside = _inside_margin(book, printer, estimate_pages(sources, book.config.trim)) if auto else None
    while True:
        settings = print_settings(book, inside)
        laid = _lay_out(book, settings, run, digits)
        needed = _inside_margin(book, printer, laid.plan.total) if auto else None
        # A gutter sized from an estimate of the page count is sized again from the real one,
        # until the page count it gives needs no wider margin (it only grows, so this ends).
        if needed is None or inside is None or needed <= inside + 1e-6:
            break
        inside = needed
    front, chapters, back, numbers, plan, parts = (laid.front, laid.chapters, laid.back, laid.numbers, laid.plan,
                                                    laid.parts)
    bleeds = printer is not None and bleed == "auto" and _reaches_edge(parts, book.config.trim)
    press = Press(printer, bleeds) if printer is not None else None
    LOGGER.info("Step 3 - laying out the folios, running heads and page numbers drawn over the pages")
    all_stamps = (_front_stamps(book, front, numbers, chapters, settings.scale) + numbers.folios
                  + (_notes_stamps(book, back[0], numbers, settings.scale) if back else []))
    if printer is not None and printer.marks:
        all_stamps = _slug_lines(book, all_stamps, plan, printer, settings.scale)
    sprites = plan_sprites(all_stamps, SHEET_LINES)
    sheets_wait = run.start([sheet_job(book, n, cells, settings) for n, cells in enumerate(sprites.sheets)])
    # The parts' pages go into the joined PDF meanwhile: this process would only wait.
    begun = begin_join(parts, settings.font_files, cached_subset(cache), laid.read, laid.pads)
    sheets = sheets_wait()
    LOGGER.info("Step 4 - layout report")
    diagnostics = _report(book, parts, plan)
    diagnostics += [d for part in [*parts, *sheets] for d in part.diagnostics]
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise PublishError(diagnostics)  # a refused file: nothing is written
    LOGGER.info("Step 5 - joining %d pages", plan.total)
    profiles = find_profiles() if printer is not None else None
    joined = join_book(JoinInput(
        parts=parts, stamps=[], plan=plan, outline=_outline(book, parts, plan),
        metadata=_metadata(book), variant=variant,
        font_files=settings.font_files, subset=begun.fonts.subset, sprites=Sprites(sprites, sheets),
        press=press, profiles=profiles, titles=link_titles(book), pdf_ua=printer is None,
    ), begun)
    if printer is not None:
        LOGGER.info("Step 6 - preflight for %s", printer.title)
        diagnostics += _preflight(book, printer, parts, plan, settings, joined, bleeds, profiles is not None)
    return Typeset(joined.data, diagnostics, settings, tuple(part.page_count for part in chapters),
                   printed_book(parts, plan))


@dataclass(frozen=True)
class _Laid:
    """The parts laid out and numbered."""

    front: PartLayout
    chapters: list[PartLayout]
    back: list[PartLayout]
    numbers: Numbers
    plan: PagePlan
    read: dict[int, ReadPart]
    pads: list[bool]
    """Per part: padded to an even page count (``pages.part_pads``)."""

    @property
    def parts(self) -> list[PartLayout]:
        return [self.front, *self.chapters, *self.back]


def _lay_out(book: Book, settings: Settings, run: LayoutRun, digits: int) -> _Laid:
    """Steps 1 and 2: the front matter, the chapters and the Notes side by side; page numbers."""
    LOGGER.info("Step 1 - laying out the front matter, %d chapters and the notes", len(book.chapters))
    # Each part's PDF is parsed as soon as it is laid out (or found in the cache), while the
    # processes lay out the others: the join then only copies pages.
    read: dict[int, ReadPart] = {}
    laid = run.run(text_jobs(book, settings, digits), lambda index, layout: read.__setitem__(index, read_part(layout)))
    front, chapters, back = laid[0], laid[1 : len(book.chapters) + 1], laid[len(book.chapters) + 1 :]
    pads = part_pads(len(chapters), book.config.openers, bool(back))
    if book.config.openers == "any":
        # A chapter that opens on a left-hand page is laid out again so (mirrored margins, the
        # heads swapped), with the adjustments its fitting found: its lines and page count are
        # the same, so no opening moves, and it is laid out once more, not fitted again.
        openings = body_starts([part.page_count for part in chapters], pads)
        versos = [index for index, folio in enumerate(openings) if folio % 2 == 0]
        again = run.run([chapter_job(book, book.chapters[index], settings, verso=True, given=chapters[index].fit)
                         for index in versos])
        for index, part in zip(versos, again, strict=True):
            chapters[index] = part
            read.pop(index + 1, None)
    LOGGER.info("Step 2 - resolving page numbers")
    numbers = _number_pages(chapters, pads)
    if back and len(max(numbers.references.values(), key=len, default="")) > digits:
        # Rare: the estimate of the book's length fell short of a page number's digits.
        back = run.run([notes_job(book, len(max(numbers.references.values(), key=len)), settings)])
    all_pads = [True, *pads, *(True for _ in back)]
    plan = plan_pages([part_pages(part, pad) for part, pad in zip([front, *chapters, *back], all_pads, strict=True)])
    return _Laid(front, chapters, back, numbers, plan, read, all_pads)


def text_jobs(book: Book, settings: Settings, digits: int) -> list[PartJob]:
    """The parts the book's text is laid out in: the front matter, each chapter, and the Notes
    (each "p. N" with room for ``digits`` digits)."""
    with_notes = book.config.notes == "book" and bool(book.notes)
    return [front_job(book, contents_entries(book, with_notes), settings),
            *(chapter_job(book, chapter, settings) for chapter in book.chapters),
            *([notes_job(book, digits, settings)] if with_notes else [])]


def _inside_margin(book: Book, printer: Printer | None, pages: int) -> float:
    """``gutter = "auto"``: the trim's own inside margin, widened to the printer's least for the
    page count (the design's proportion is kept where the binding allows it)."""
    own = book_scale(book.config).inside_in
    return own if printer is None else round(max(own, printer.min_inside_in(pages)), 3)


def _reaches_edge(parts: Sequence[PartLayout], trim: tuple[float, float]) -> bool:
    """Whether any picture touches the trim (``--bleed auto`` bleeds only then)."""
    width, height = trim[0] * 96, trim[1] * 96
    edge = 0.7  # half a point
    return any(image.art or image.rect[0] <= edge or image.rect[1] <= edge or image.rect[2] >= width - edge
               or image.rect[3] >= height - edge for part in parts for image in part.images)


def _slug_lines(book: Book, stamps: list[Stamp], plan: PagePlan, printer: Printer, scale: TypeScale) -> list[Stamp]:
    """Each page's slug line (book, page, date) below the trim, where the printer's marks are."""
    x_in, y_in = slug_place(printer, book.config.trim[1])
    title = book_short_title(book.config.title)
    # A mark for the press, in the printer's words; an undated book's slug line has no date.
    date = format_date(book.config.date, ENGLISH)
    placed = []
    for index, stamp in enumerate(stamps):
        margin = scale.inside_in if index % 2 == 0 else scale.outside_in
        text = f"{title} · page {plan.folio(index)} ({index + 1} of {plan.total})" + (f" · {date}" if date else "")
        slug = Locator(round((x_in - margin) * 96, 3), round((y_in - scale.top_in) * 96, 3), text, "slug")
        placed.append(replace(stamp, locators=(*stamp.locators, slug)))
    return placed


def _preflight(book: Book, printer: Printer, parts: Sequence[PartLayout], plan: PagePlan, settings: Settings,
               joined: Joined, bleeds: bool, pdfx: bool) -> list[Diagnostic]:
    chapters = {chapter.id: chapter for chapter in book.chapters}
    placed = []
    for part in parts:
        chapter = chapters.get(part.name)
        path = display_path(chapter.path) if chapter else display_path(book.root)
        placed += placed_images(plan.starts[part.name], part.images, path, chapter.source if chapter else "")
    try:
        config_text = (book.root / CONFIG_NAME).read_text(encoding="utf-8", errors="replace")
    except OSError:
        config_text = ""
    found = Findings(pages=plan.total, inside_in=settings.scale.inside_in, trim=book.config.trim, images=placed,
                     coloured=joined.coloured, folios=[plan.folio(i) for i in range(plan.total)], bleed=bleeds,
                     pdfx=pdfx)
    return preflight(book.root, config_text, printer, found, joined.data)


def _number_pages(chapters: Sequence[PartLayout], pads: Sequence[bool]) -> Numbers:
    pages = [part_pages(part, pad) for part, pad in zip(chapters, pads, strict=True)]
    openings = body_starts([part.page_count for part in chapters], pads)
    first = {part.name: folio for part, folio in zip(chapters, openings, strict=True)}
    return Numbers(
        openings=first,
        notes_folio=1 + sum(part.padded_count for part in pages),
        references=reference_folios({part.name: part.anchors for part in chapters}, first),
        folios=[stamp for part, folio in zip(pages, openings, strict=True) for stamp in part_stamps(part, folio)],
    )


def _notes_stamps(book: Book, notes: PartLayout, numbers: Numbers, scale: TypeScale) -> list[Stamp]:
    """The Notes' folios, running heads (which pages their notes refer to) and each note's "p. N"."""
    note_pages = {note.number: int(numbers.references[note.ref_ids[0]]) for note in book.notes
                  if note.ref_ids and note.ref_ids[0] in numbers.references}
    pages = part_pages(notes)
    stamps = part_stamps(pages, numbers.notes_folio, notes_heads(pages.ids, note_pages, book.config.labels))
    locators = note_locators(book, notes, numbers.references, scale)
    return [replace(stamp, locators=locators.get(page, ())) for page, stamp in enumerate(stamps)]


def _front_stamps(book: Book, front: PartLayout, numbers: Numbers, chapters: Sequence[PartLayout],
                  scale: TypeScale) -> list[Stamp]:
    """The contents' page numbers; the front matter prints its own folios. A padding page gets
    a stamp only for its crop marks (print variant)."""
    pages = {chapter.id: str(numbers.openings[chapter.id]) for chapter in book.chapters}
    for chapter, part in zip(book.chapters, chapters, strict=True):
        for heading in chapter.headings:
            if heading.section and heading.id in part.anchors:
                pages[heading.id] = str(numbers.openings[chapter.id] + part.anchors[heading.id][0])
    pages["notes"] = str(numbers.notes_folio)
    locators = contents_locators(front, pages, scale)
    return [Stamp("", "", pad=page >= front.page_count, locators=locators.get(page, ()))
            for page in range(front.page_count + front.page_count % 2)]


def single_html(book: Book, variant: str) -> str:
    """The parts' HTML as one document, styles inlined: what one WeasyPrint process would lay out.

    For benchmarks only (the anchor that parallel layout is measured against): page numbers are
    placeholders, since no layout has happened yet, which changes nothing in the cost of layout.
    """
    settings = print_settings(book)
    css = settings.stylesheet.read_text(encoding="utf-8").replace(
        'url("fonts/', f'url("{settings.stylesheet.parent.resolve().as_uri()}/fonts/')
    parts = [front_html(book, contents_entries(book, True)),
             *(chapter_html(book, chapter) for chapter in book.chapters)]
    if book.config.notes == "book" and book.notes:
        parts.append(notes_html(book, locator_digits([c.source for c in book.chapters], book.config.trim)))
    bodies = "".join('<div style="break-before: right">' + part.split("<body", 1)[1].split(">", 1)[1]
                     .rsplit("</body>", 1)[0] + "</div>" for part in parts)
    head = parts[0].split("<body", 1)[0].replace("</head>", f"<style>{css}\n{settings.page_css}</style></head>")
    return f"{head}<body>{bodies}</body></html>"


def contents_entries(book: Book, with_notes: bool) -> list[ContentsEntry]:
    """The contents' entries; each page number is one hidden figure in a column wide enough for
    four, drawn over once the pages are known (``_front_stamps``)."""
    entries = []
    for chapter in book.chapters:
        entries.append(ContentsEntry("chapter", f"{chapter.number}.", chapter.title, chapter.id, "0"))
        # Sections written "#" after the chapter's title, one level down.
        entries += [ContentsEntry("section", "", heading.text, heading.id, "0")
                    for heading in chapter.headings if heading.section]
    if with_notes:
        entries.append(ContentsEntry("back toc-back", "", book.config.labels.notes, "notes", "0"))
    return entries


def _outline(book: Book, parts: Sequence[PartLayout], plan: PagePlan) -> list[OutlineEntry]:
    front = parts[0]
    labels = book.config.labels
    entries = [OutlineEntry(title, front.anchors[anchor][0])
               for anchor, title in (("title-page", labels.title_page), ("copyright", labels.copyright),
                                     ("contents", labels.contents)) if anchor in front.anchors]
    for chapter, part in zip(book.chapters, parts[1:], strict=False):
        start = plan.starts[chapter.id]
        entries.append(OutlineEntry(f"{chapter.number}. {chapter.title}", start,
                                    _outline_headings(chapter.headings, part, start)))
    if "notes" in plan.starts:
        entries.append(OutlineEntry(labels.notes, plan.starts["notes"]))
    return entries


def _outline_headings(headings: Sequence[Heading], part: PartLayout, start: int) -> tuple[OutlineEntry, ...]:
    """A chapter's headings as bookmarks, each under the nearest earlier heading of a higher level."""
    root: list[OutlineEntry] = []
    children: dict[int, list[OutlineEntry]] = {}
    stack: list[tuple[int, list[OutlineEntry]]] = [(1, root)]
    for heading in headings:
        if heading.id not in part.anchors or not heading.text.strip():
            continue
        while stack[-1][0] >= heading.level:
            stack.pop()
        entry = OutlineEntry(heading.text, start + part.anchors[heading.id][0])
        stack[-1][1].append(entry)
        children[id(entry)] = []
        stack.append((heading.level, children[id(entry)]))

    def freeze(entries: list[OutlineEntry]) -> tuple[OutlineEntry, ...]:
        return tuple(replace(entry, children=freeze(children[id(entry)])) for entry in entries)

    return freeze(root)


def link_titles(book: Book) -> dict[str, str]:
    """What each place a link can lead to is, in words: the description a link's annotation gets."""
    titles = {"notes": "Notes"}
    for chapter in book.chapters:
        name = f"Chapter {chapter.number}: {chapter.title}"
        titles |= {chapter.id: name, f"{chapter.id}-title": name, f"notes-{chapter.id}": f"Notes to {name}"}
        titles |= {heading.id: heading.text for heading in chapter.headings if heading.text.strip()}
    return titles


def _metadata(book: Book) -> Metadata:
    config = book.config
    return Metadata(
        title=config.title + (f": {config.subtitle}" if config.subtitle else ""), author=config.author,
        subject=config.description, language=config.language, date=config.stamp_date,
        identifier=config.identifier,
        producer=f"publish {__version__} (WeasyPrint {version('weasyprint')}, pypdf {version('pypdf')})",
    )


def _report(book: Book, parts: Sequence[PartLayout], plan: PagePlan) -> list[Diagnostic]:
    """Layout problems with the folio of their page; references and notes that do not pair up."""
    found = []
    for part in parts:
        start = plan.starts[part.name]
        for problem in part.problems:
            report = note_diagnostic if problem.note else warning
            found.append(report(problem.path, problem.line, 0, problem.code,
                                f"page {plan.folio(start + problem.page)}: {problem.message}"))
    anchors = {name for part in parts for name in part.anchors}
    chapters = {chapter.id: chapter for chapter in book.chapters}
    for part in parts:
        for spot in part.links:
            if not spot.external and spot.target not in anchors:
                path, line = _link_place(book, chapters.get(part.name), spot.target)
                found.append(warning(path, line, 0, "layout-link",
                                     f"page {plan.folio(plan.starts[part.name] + spot.page)}: "
                                     f"link to #{spot.target}, which is not in the book"))
    for chapter in book.chapters:
        shown = display_path(chapter.path)
        for note in chapter.notes:
            missing = [ref for ref in note.ref_ids if ref not in anchors]
            if note.id not in anchors or missing:
                # Words lost on the way to the page: never a book to print.
                what = f"the reference to note {note.number}" if missing else f"note {note.number}"
                found.append(error(shown, note.line, 0, "layout-note-lost",
                                   f"{what} is missing from the typeset book; this is a fault of the "
                                   "layout, not of the manuscript: please report it"))
    return sorted(found, key=lambda d: (d.path, d.line, d.message))


def _link_place(book: Book, chapter: Chapter | None, target: str) -> tuple[str, int]:
    """The file and line a link of the typeset book was written on: its chapter's, found by the
    fragment it names; book.toml for the pages the book makes itself."""
    if chapter is None:
        return display_path(book.root / "book.toml"), 0
    fragment = target.split("-", 1)[1] if target.startswith(chapter.id + "-") else target
    index = chapter.source.find("#" + fragment)
    return display_path(chapter.path), chapter.source.count("\n", 0, index) + 1 if index >= 0 else 0
