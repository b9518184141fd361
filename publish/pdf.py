"""The PDF edition: lay out the book's parts apart, resolve page numbers as data, join them.

Takes a ``Book``, the output path and the variant (``digital``: trim size, clickable links;
``print``: bleed and crop marks); writes the PDF atomically and returns the layout report as
diagnostics. The one design decision: each part (front matter, every chapter, the Notes) is its
own WeasyPrint document, so the chapters are laid out side by side in worker processes. No page
counter crosses from one document into another, so page numbers become data: the chapters are
laid out first, their page counts and the pages of the note references recorded, and only then
are the contents, the Notes ("p. 23") and, last, the folios and the Notes' running heads set,
with literal numbers. The parts are joined with pypdf (``pdf_join``).

Steps (logged as "Step N - ..." at INFO on the ``publish.pdf`` logger): 1 the chapters, side by
side → 2 page numbers → 3 front matter, Notes and the chapters' folios, side by side → 4 the
Notes' folios and running heads → 5 the layout report (a refused file stops here, before anything
is written) → 6 join → 7 rename into place.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from publish import __version__
from publish.assemble import styles_dir
from publish.cache import Cache
from publish.diagnostics import Diagnostic, PublishError, Severity, display_path, warning
from publish.model import Book, Chapter
from publish.output import atomic_path
from publish.pdf_cache import cached, cached_subset
from publish.pdf_html import (
    BLEED_IN,
    ContentsEntry,
    Stamp,
    chapter_html,
    front_html,
    notes_html,
    page_css,
    stamps_html,
)
from publish.pdf_join import JoinInput, Metadata, OutlineEntry, StampSet, join_parts
from publish.pdf_pages import (
    PagePlan,
    PartPages,
    body_starts,
    notes_heads,
    part_stamps,
    plan_pages,
    reference_folios,
)
from publish.pdf_parts import PartJob, PartLayout, RunParts, SourceMap

VARIANTS = ("digital", "print")
# Progress, WeasyPrint-style: "Step N - ..." at INFO; silent unless a caller configures logging.
LOGGER = logging.getLogger("publish.pdf")


@dataclass(frozen=True)
class Settings:
    """What every part's job shares."""

    stylesheet: Path
    page_css: str
    base_url: str
    roots: tuple[Path, ...]
    font_files: dict[str, bytes]
    """Bundled font files by SHA-256."""


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


def write_pdf(
    book: Book, target: Path, *, variant: str, cache: Cache | None = None, workers: int | None = None,
) -> list[Diagnostic]:
    """Typeset ``book`` into ``target`` with ``workers`` processes (default: one per core; 1: this one)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown PDF variant {variant!r}")
    settings = _settings(book, variant)
    with_notes = book.config.notes == "book" and bool(book.notes)
    with _part_runner(min(workers or os.cpu_count() or 1, len(book.chapters))) as parallel:
        # Parts whose inputs are unchanged come from build/.cache; only the rest are laid out.
        run = cached(parallel, cache, styles_dir())
        LOGGER.info("Step 1 - laying out %d chapters", len(book.chapters))
        chapters = run([_chapter_job(book, chapter, settings) for chapter in book.chapters])
        LOGGER.info("Step 2 - resolving page numbers")
        numbers = _number_pages(chapters)
        _record_page_counts(book, chapters, settings, cache)
        LOGGER.info("Step 3 - laying out the front matter, the notes and the chapters' folios")
        jobs = [_front_job(book, _contents(book, numbers, with_notes), settings),
                _stamps_job(book, "chapter-stamps", numbers.folios, settings)]
        if with_notes:
            jobs.append(_notes_job(book, numbers.references, settings))
        front, chapter_stamps, *back = run(jobs)
    parts = [front, *chapters, *back]
    plan = plan_pages([_pages(part) for part in parts])
    stamps = [StampSet(chapter_stamps, _targets(numbers.folios, plan.starts[chapters[0].name]))]
    LOGGER.info("Step 4 - the notes' folios and running heads")
    stamps += _late_stamps(book, front, back[0] if back else None, numbers, plan, settings,
                           cached(lay_out_parts, cache, styles_dir()))
    LOGGER.info("Step 5 - layout report")
    diagnostics = _report(book, parts, plan)
    diagnostics += [d for part in [*parts, *(s.layout for s in stamps)] for d in part.diagnostics]
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise PublishError(diagnostics)  # a refused file: nothing is written
    LOGGER.info("Step 6 - joining %d pages", plan.total)
    data = join_parts(JoinInput(
        parts=parts, stamps=stamps, plan=plan, outline=_outline(book, parts, plan),
        metadata=_metadata(book), variant=variant, bleed_px=BLEED_IN * 96 if variant == "print" else 0.0,
        font_files=settings.font_files, subset=cached_subset(cache),
    ))
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)
    LOGGER.info("Step 7 - wrote %s", target)
    return diagnostics


def _number_pages(chapters: Sequence[PartLayout]) -> Numbers:
    pages = [_pages(part) for part in chapters]
    openings = body_starts([part.page_count for part in chapters])
    first = {part.name: folio for part, folio in zip(chapters, openings, strict=True)}
    return Numbers(
        openings=first,
        notes_folio=1 + sum(part.padded_count for part in pages),
        references=reference_folios({part.name: part.anchors for part in chapters}, first),
        folios=[stamp for part, folio in zip(pages, openings, strict=True) for stamp in part_stamps(part, folio)],
    )


def _late_stamps(book: Book, front: PartLayout, notes: PartLayout | None, numbers: Numbers,
                 plan: PagePlan, settings: Settings, run: RunParts) -> list[StampSet]:
    """The Notes' folios and running heads (which pages their notes refer to), and the crop
    marks of the blank page that may end the front matter (which prints its own folios)."""
    front_pages = _pages(front)
    stamps = [Stamp("", "", pad=page >= front.page_count) for page in range(front_pages.padded_count)]
    targets = _targets(stamps, 0)
    if notes is not None:
        note_pages = {note.number: int(numbers.references[note.ref_ids[0]]) for note in book.notes
                      if note.ref_ids and note.ref_ids[0] in numbers.references}
        notes_pages = _pages(notes)
        notes_stamps = part_stamps(notes_pages, numbers.notes_folio, notes_heads(notes_pages.ids, note_pages))
        stamps += notes_stamps
        targets += _targets(notes_stamps, plan.starts[notes.name])
    if all(target is None for target in targets):
        return []
    return [StampSet(run([_stamps_job(book, "late-stamps", stamps, settings)])[0], targets)]


def single_html(book: Book, variant: str) -> str:
    """The parts' HTML as one document, styles inlined: what one WeasyPrint process would lay out.

    For benchmarks only (the anchor that parallel layout is measured against): page numbers are
    placeholders, since no layout has happened yet, which changes nothing in the cost of layout.
    """
    settings = _settings(book, variant)
    css = settings.stylesheet.read_text(encoding="utf-8").replace(
        'url("fonts/', f'url("{settings.stylesheet.parent.resolve().as_uri()}/fonts/')
    refs = {ref: "1" for note in book.notes for ref in note.ref_ids}
    placeholder = Numbers({c.id: 1 for c in book.chapters}, 1, refs, [])
    parts = [front_html(book, _contents(book, placeholder, True)),
             *(chapter_html(book, chapter) for chapter in book.chapters)]
    if book.config.notes == "book" and book.notes:
        parts.append(notes_html(book, refs))
    bodies = "".join('<div style="break-before: right">' + part.split("<body", 1)[1].split(">", 1)[1]
                     .rsplit("</body>", 1)[0] + "</div>" for part in parts)
    head = parts[0].split("<body", 1)[0].replace("</head>", f"<style>{css}\n{settings.page_css}</style></head>")
    return f"{head}<body>{bodies}</body></html>"


def lay_out_parts(jobs: Sequence[PartJob]) -> list[PartLayout]:
    """Lay out parts in this process. WeasyPrint is imported here, only once a part is not cached:
    the import alone costs about a second, the whole of a rebuild that changed nothing."""
    from publish.pdf_layout import lay_out_parts as lay_out

    return lay_out(jobs)


@contextmanager
def _part_runner(workers: int) -> Iterator[RunParts]:
    """Lay out parts in ``workers`` processes; in this process when there is one."""
    if workers <= 1:
        yield lay_out_parts
        return
    # fork: the workers start with WeasyPrint already imported (about a second each otherwise).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        def run(jobs: Sequence[PartJob]) -> list[PartLayout]:
            # A few batches per worker: each batch parses the stylesheets once, and small
            # batches still even out the load. Longest first, so no worker ends on a long one.
            batches = _batches(jobs, workers * 3 if len(jobs) > workers * 3 else len(jobs))
            futures = [(batch, pool.submit(lay_out_parts, [jobs[i] for i in batch])) for batch in batches]
            results: dict[int, PartLayout] = {}
            for batch, future in futures:
                results.update(zip(batch, future.result(), strict=True))
                LOGGER.info("laid out %d of %d parts, %d pages so far", len(results), len(jobs),
                            sum(part.page_count for part in results.values()))
            return [results[i] for i in range(len(jobs))]

        yield run


def _batches(jobs: Sequence[PartJob], count: int) -> list[list[int]]:
    """Job indices in ``count`` batches of about equal HTML size, the largest batch first."""
    batches: list[list[int]] = [[] for _ in range(max(count, 1))]
    sizes = [0] * len(batches)
    for index in sorted(range(len(jobs)), key=lambda i: -len(jobs[i].html)):
        smallest = sizes.index(min(sizes))
        batches[smallest].append(index)
        sizes[smallest] += len(jobs[index].html)
    ordered = sorted(zip(sizes, batches, strict=True), key=lambda pair: -pair[0])
    return [sorted(batch) for _, batch in ordered if batch]


def _targets(stamps: Sequence[Stamp], start: int) -> list[int | None]:
    """The book's page each stamp is drawn over, or None for a stamp with nothing on it."""
    return [start + offset if stamp.folio or stamp.head or stamp.pad else None
            for offset, stamp in enumerate(stamps)]


def _pages(part: PartLayout) -> PartPages:
    return PartPages(part.name, part.page_count, part.blank, part.ids)


def _settings(book: Book, variant: str) -> Settings:
    styles = styles_dir()
    font_files = {}
    for path in sorted((styles / "fonts").glob("*.ttf")):
        data = path.read_bytes()
        font_files[hashlib.sha256(data).hexdigest()] = data
    return Settings(
        stylesheet=styles / "print.css", page_css=page_css(book.config, variant),
        base_url=book.root.resolve().as_uri() + "/", roots=(book.root.resolve(), styles.resolve()),
        font_files=font_files,
    )


def _job(name: str, html: str, settings: Settings, source: SourceMap, *, inspect: bool = True) -> PartJob:
    return PartJob(
        name=name, html=html, stylesheet=settings.stylesheet, page_css=settings.page_css,
        base_url=settings.base_url, roots=settings.roots, source=source, inspect=inspect,
        bundled_fonts=frozenset(settings.font_files),
    )


def _chapter_job(book: Book, chapter: Chapter, settings: Settings) -> PartJob:
    shown = display_path(chapter.path)
    places = {heading.id: (shown, heading.line) for heading in chapter.headings}
    places |= {note.id: (shown, note.line) for note in chapter.notes}
    title_line = next((n for n, line in enumerate(chapter.source.split("\n"), 1) if line.startswith("#")), 1)
    places[f"{chapter.id}-title"] = (shown, title_line)
    return _job(chapter.id, chapter_html(book, chapter), settings, SourceMap(shown, chapter.source, places))


def _stamps_job(book: Book, name: str, stamps: list[Stamp], settings: Settings) -> PartJob:
    return _job(name, stamps_html(book, stamps), settings, SourceMap(display_path(book.root)), inspect=False)


def _front_job(book: Book, entries: list[ContentsEntry], settings: Settings) -> PartJob:
    return _job("front", front_html(book, entries), settings, SourceMap(display_path(book.root / "book.toml")))


def _notes_job(book: Book, ref_folios: dict[str, str], settings: Settings) -> PartJob:
    places = {}
    for chapter in book.chapters:
        shown = display_path(chapter.path)
        places[f"notes-{chapter.id}"] = (shown, 1)
        places |= {note.id: (shown, note.line) for note in chapter.notes}
    source = SourceMap(display_path(book.root), "", places)
    return _job("notes", notes_html(book, ref_folios), settings, source)


def _contents(book: Book, numbers: Numbers, with_notes: bool) -> list[ContentsEntry]:
    entries = [ContentsEntry("chapter", f"{c.number}.", c.title, c.id, str(numbers.openings[c.id]))
               for c in book.chapters]
    if with_notes:
        entries.append(ContentsEntry("back toc-back", "", "Notes", "notes", str(numbers.notes_folio)))
    return entries


def _outline(book: Book, parts: Sequence[PartLayout], plan: PagePlan) -> list[OutlineEntry]:
    front = parts[0]
    entries = [OutlineEntry(title, front.anchors[anchor][0])
               for anchor, title in (("title-page", "Title Page"), ("copyright", "Copyright"),
                                     ("contents", "Contents")) if anchor in front.anchors]
    entries += [OutlineEntry(f"{c.number}. {c.title}", plan.starts[c.id]) for c in book.chapters]
    if "notes" in plan.starts:
        entries.append(OutlineEntry("Notes", plan.starts["notes"]))
    return entries


def _metadata(book: Book) -> Metadata:
    config = book.config
    return Metadata(
        title=config.title + (f": {config.subtitle}" if config.subtitle else ""), author=config.author,
        subject=config.description, language=config.language, date=config.date,
        identifier=config.identifier,
        producer=f"publish {__version__} (WeasyPrint {version('weasyprint')}, pypdf {version('pypdf')})",
    )


def _report(book: Book, parts: Sequence[PartLayout], plan: PagePlan) -> list[Diagnostic]:
    """Layout problems with the folio of their page; references and notes that do not pair up."""
    found = []
    for part in parts:
        start = plan.starts[part.name]
        for problem in part.problems:
            found.append(warning(problem.path, problem.line, 0, problem.code,
                                 f"page {plan.folio(start + problem.page)}: {problem.message}"))
    anchors = {name for part in parts for name in part.anchors}
    for part in parts:
        for spot in part.links:
            if not spot.external and spot.target not in anchors:
                found.append(warning(display_path(book.root), 0, 0, "layout-link",
                                     f"page {plan.folio(plan.starts[part.name] + spot.page)}: "
                                     f"link to #{spot.target}, which is not in the book"))
    for chapter in book.chapters:
        shown = display_path(chapter.path)
        for note in chapter.notes:
            missing = [ref for ref in note.ref_ids if ref not in anchors]
            if note.id not in anchors or missing:
                what = f"reference {missing[0]}" if missing else f"note {note.number}"
                found.append(warning(shown, note.line, 0, "layout-note-number",
                                     f"{what} is not in the typeset book"))
    return sorted(found, key=lambda d: (d.path, d.line, d.message))


def _record_page_counts(book: Book, chapters: Sequence[PartLayout], settings: Settings, cache: Cache | None) -> None:
    """For ``publish proof``: each chapter's page count into the build cache, keyed by the chapter's
    Markdown and the print settings, so a proof finds its folios without laying out the chapters
    before it (``pdf_proof.record_page_counts``; nothing is stored without a cache)."""
    if cache is not None:
        from publish.pdf_proof import record_page_counts

        record_page_counts(book, settings, [part.page_count for part in chapters], cache)
